"""NumPy ``.npz`` archives, always loaded with ``allow_pickle=False``: object arrays are refused."""

from __future__ import annotations

import io

import numpy as np

from lstmfcn.data.raw import RawSplit, make_split
from lstmfcn.errors import DataError


def read_npz(data: bytes, name: str) -> tuple[RawSplit, RawSplit | None]:
    """``.npz`` with ``X``, ``y`` or ``X_train``, ``y_train``, ``X_test``, ``y_test``.

    ``X`` is ``(N, T)`` (univariate) or ``(N, V, T)``; ``NaN`` pads unequal lengths. ``y`` holds
    numbers or strings. Loaded with ``allow_pickle=False``: object arrays are refused.

    Returns
    -------
    (RawSplit, RawSplit | None)
        ``(train, test)`` for the four-array form, ``(all_samples, None)`` for ``X``, ``y``.
    """
    if not data.startswith((b"PK\x03\x04", b"\x93NUMPY")):
        # np.load would try pickle next and suggest allow_pickle=True: never tell a user that.
        raise DataError(f"{name}: is not a valid .npz archive; expected a zip of .npy arrays (np.savez)")
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as err:  # BadZipFile, truncated header …
        raise DataError(f"{name}: is not a valid .npz archive ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{name}: is a single .npy array; expected an .npz archive of X and y")
    with archive:
        keys = set(archive.files)
        if {"X_train", "y_train", "X_test", "y_test"} <= keys:
            train = _npz_split(archive, "X_train", "y_train", name)
            return train, _npz_split(archive, "X_test", "y_test", name)
        if {"X", "y"} <= keys:
            return _npz_split(archive, "X", "y", name), None
    raise DataError(
        f"{name}: expected arrays X and y, or X_train, y_train, X_test and y_test; "
        f"found {', '.join(sorted(keys)) or 'no arrays'}"
    )


def _npz_split(archive: np.lib.npyio.NpzFile, x_key: str, y_key: str, name: str) -> RawSplit:
    X, y = _npz_array(archive, x_key, name), _npz_array(archive, y_key, name)
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name} array {x_key!r}: expected numbers, found dtype {X.dtype}")
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise DataError(f"{name} array {x_key!r}: expected shape (N, T) or (N, V, T), found {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise DataError(f"{name} array {y_key!r}: expected shape ({X.shape[0]},), found {y.shape}")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{name} array {y_key!r}: expected numbers or strings, found dtype {y.dtype}")
    labels = np.char.decode(y, "utf-8", "replace") if y.dtype.kind == "S" else y.astype(str)
    return make_split(X.astype(np.float64), labels, f"{name}[{x_key}]")


def _npz_array(archive: np.lib.npyio.NpzFile, key: str, name: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(
                f"{name} array {key!r}: holds Python objects, which would need unpickling; "
                "refused. Save numeric X and numeric or string y (not dtype=object)"
            ) from None
        raise DataError(f"{name} array {key!r}: cannot be read ({err})") from None
    except Exception as err:  # corrupt member inside a valid zip
        raise DataError(f"{name} array {key!r}: cannot be read ({err})") from None
