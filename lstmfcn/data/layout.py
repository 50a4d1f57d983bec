"""Is an array ``(N, V, T)``, or ``(N, T, V)`` stored the other way round?

Arrays here are ``(N, V, T)``; tslearn, Keras and many notebooks store ``(N, T, V)``. An npz of
the second kind reads without error as ``T`` variables of length ``V`` (tslearn's ``Trace.npz``:
275 variables of length 1), and only fails much later, with a message about something else. So
the reading is checked here: one that is very unlikely to be a time-series dataset, while the
transposed reading is a plausible one, is refused with a sentence that offers the other reading.
"""

from __future__ import annotations

from lstmfcn.errors import DataError

#: A series this short, with many times more variables than steps, is a table stored the other way round.
SHORTEST_PLAUSIBLE = 12
#: How many times more variables than steps make such a short reading implausible.
VARIABLES_PER_STEP = 10


def implausible_layout(shape: tuple[int, ...]) -> str | None:
    """Why an ``(N, V, T)`` shape is unlikely to be meant that way, or None when it is plausible.

    Implausible: more than one variable of length 1, or series of at most
    :data:`SHORTEST_PLAUSIBLE` steps with at least :data:`VARIABLES_PER_STEP` times as many
    variables as steps, when the transposed reading ``(N, T, V)`` is not implausible itself.
    Real multivariate sets with more variables than steps (PEMS-SF: 963 × 144) stay plausible.
    """
    if len(shape) != 3:
        return None
    n, v, t = (int(s) for s in shape)
    if not _implausible(v, t) or _implausible(t, v):
        return None
    if t == 1:
        return f"{v} variables of length 1 each"
    return f"{v} variables of only {t} steps each"


def _implausible(v: int, t: int) -> bool:
    return v > 1 and (t == 1 or (t <= SHORTEST_PLAUSIBLE and v >= VARIABLES_PER_STEP * t))


def series_words(n: int, v: int, t: int) -> str:
    """``"100 series of length 275 with 1 variable"``: a reading in words."""
    return f"{n} series of length {t} with {v} variable{'s' if v != 1 else ''}"


class LayoutError(DataError):
    """An array read as ``(N, V, T)`` looks stored as ``(N, T, V)``; the message offers the other reading.

    Attributes:
        shape: the shape as stored, read as ``(N, V, T)``.
        transposed: the other reading ``(N, T, V)`` → ``(N, V', T')``.
    """

    def __init__(self, message: str, shape: tuple[int, int, int]) -> None:
        super().__init__(message)
        self.shape = shape
        self.transposed = (shape[0], shape[2], shape[1])


def check_layout(shape: tuple[int, ...], where: str) -> None:
    """Raise :class:`LayoutError` when an ``(N, V, T)`` array of ``shape`` looks transposed.

    Parameters
    ----------
    shape : tuple
        The array's shape, read as ``(N, V, T)``.
    where : str
        The file (and array) named in the message.
    """
    why = implausible_layout(shape)
    if why is None:
        return
    n, v, t = shape
    raise LayoutError(
        f"{where}: read as (N, V, T) = {tuple(shape)}, that is {n} series of {why}, which is not a time series "
        f"to classify; it looks stored as (N, T, V), which would be {series_words(n, t, v)}. "
        "Save X.transpose(0, 2, 1) to have it read that way",
        (n, v, t),
    )
