"""The grid importance is measured on: each variable whole, and each variable's windows of time.

A *unit* is what one perturbation touches: ``(variable, start, stop)`` with steps ``[start, stop)``.
The first ``V`` units are the whole variables (``start = 0``, ``stop = T``); then, variable by
variable, its windows. Windows past a series' end are not counted for that series
(:func:`lstmfcn.importance.perturb.perturbed_drops` marks them NaN).
"""

from __future__ import annotations

import numpy as np

from ..errors import UserInputError

#: Windows along time by default, for one variable and for several (each window costs ``V``
#: perturbations, so multivariate data gets coarser windows to keep the default within a minute).
DEFAULT_WINDOWS_UNIVARIATE = 10
DEFAULT_WINDOWS_MULTIVARIATE = 5


def default_window(total: int, n_vars: int = 1) -> tuple[int, int]:
    """``(window, stride)`` in steps: a tenth of ``total`` (a fifth with several variables), side by side."""
    parts = DEFAULT_WINDOWS_UNIVARIATE if n_vars == 1 else DEFAULT_WINDOWS_MULTIVARIATE
    window = max(1, round(total / parts))
    return window, window


def windows(total: int, window: int, stride: int) -> list[tuple[int, int]]:
    """The windows ``[start, stop)`` of ``window`` steps every ``stride`` steps over ``total`` steps.

    The last window is cut at ``total``; every step lies in at least one window when
    ``stride <= window``.

    Raises:
        ValueError: a window or stride below 1, or a window longer than the series.
    """
    if window < 1 or stride < 1:
        raise UserInputError(f"the window and the stride must be at least 1 step, got window {window}, stride {stride}")
    if window > total:
        raise UserInputError(f"a window of {window} steps is longer than the series ({total} steps)")
    out = [(s, min(s + window, total)) for s in range(0, total, stride)]
    # A last window of a few steps left over by the stride adds noise, not information: fold it in.
    if len(out) > 1 and out[-1][1] - out[-1][0] < window / 2 and stride >= window:
        out[-2] = (out[-2][0], total)
        out.pop()
    return out


def units(n_vars: int, total: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """``(U, 3)`` int64 rows ``(variable, start, stop)``: ``V`` whole variables, then ``V × W`` windows."""
    whole = [(v, 0, total) for v in range(n_vars)]
    parts = [(v, s, e) for v in range(n_vars) for s, e in spans]
    return np.array(whole + parts, dtype=np.int64).reshape(-1, 3)
