"""Progress callbacks: how long computations tell their caller how far they are.

A callback takes the fraction done in [0, 1]; every long function of the library takes one as
``progress=`` (None: nobody asks). The dashboard's tasks and the benchmark pass their own.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]
"""``progress(fraction)``, ``fraction`` in [0, 1]."""


def report(progress: Progress | None, fraction: float) -> None:
    """Tell ``progress`` (if any) the fraction done, clipped to [0, 1]."""
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))))


def sub_progress(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """A callback mapping a sub-task's [0, 1] onto [start, stop] of ``progress``."""
    if progress is None:
        return None
    return lambda f: progress(start + (stop - start) * f)
