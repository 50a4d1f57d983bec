"""Time left, from the measured rate of the very computation that runs.

A check works through chunks of samples, and each chunk does all of the work for its samples
(every method's maps, then the check itself), so every chunk costs about the same per sample:
the time a finished chunk took per sample is the rate of the rest. (Counting progress in steps
of unequal cost is what made the old estimate 10× off: BasicMotions' faithfulness finished the
cheap CAM maps first, said "about 7 s left" at 12 %, and took a minute.)

:func:`estimate` turns the chunks seen so far into a range of seconds. Before the first chunk
ends, the only honest sources are the rates an earlier run of the same computation measured
(kept on disk, see :func:`rates_entry`), given as a wider range, or none: "measuring the time
left". The functions here are pure; their :class:`ChunkClock` records the chunks (a task keeps one).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: A range from an earlier run is widened by this factor each way: another run may share the
#: CPU with other work, or run with a warm cache that this one lacks.
PRIOR_SPREAD = 1.5

#: A range whose ends are within this factor is said as one number ("about 40 s").
ONE_NUMBER = 1.5


@dataclass(frozen=True)
class TimeLeft:
    """Seconds left, as a range.

    Attributes:
        low, high: the range (``0 ≤ low ≤ high``).
        measured: from this run's own chunks (True), or from an earlier run's rates (False).
    """

    low: float
    high: float
    measured: bool

    @property
    def middle(self) -> float:
        """The geometric middle of the range (the one number to compare with the truth)."""
        return math.sqrt(self.low * self.high) if self.low > 0 else self.high / 2


def estimate(
    chunks: Sequence[tuple[float, float]],
    remaining: float,
    *,
    running: tuple[float, float] = (0.0, 0.0),
    prior: Sequence[float] | None = None,
) -> TimeLeft | None:
    """The time left of a chunked computation.

    Args:
        chunks: ``(units, seconds)`` of each finished chunk, in order (units: samples).
        remaining: units not finished yet, the running chunk's included.
        running: ``(units, seconds so far)`` of the chunk that runs now.
        prior: seconds per unit that earlier runs of the same computation measured.

    Returns:
        A :class:`TimeLeft`, or None while nothing is known (no chunk finished, no prior).

    After one chunk the rate is that chunk's; after more, the rate of all but the first (which
    carries the warm-up: first calls, pass-size calibration), the range spanning the slowest and
    fastest chunk. A running chunk slower than that rate raises it (it is at least that slow).
    """
    if remaining <= 0:
        return TimeLeft(0.0, 0.0, True)
    chunks = [(u, s) for u, s in chunks if u > 0]
    rates = [s / u for u, s in chunks]
    run_units, run_s = running
    if rates:
        used, seen = (chunks[1:], rates[1:]) if len(rates) > 1 else (chunks, rates)
        rate = sum(s for _, s in used) / max(sum(u for u, _ in used), 1e-12)
        low_rate, high_rate, measured = min(seen), max(seen), True
    elif prior:
        low_rate, high_rate = min(prior) / PRIOR_SPREAD, max(prior) * PRIOR_SPREAD
        rate, measured = math.sqrt(low_rate * high_rate), False
    else:
        return None
    if run_units > 0 and run_s > rate * run_units:  # the running chunk is slower than the rate so far
        low_rate, high_rate = max(low_rate, run_s / run_units), max(high_rate, run_s / run_units)
    low = max(0.0, low_rate * remaining - run_s)
    high = max(low, high_rate * remaining - run_s)
    return TimeLeft(low, high, measured)


def format_seconds(seconds: float) -> str:
    """``"12 s"``, ``"3 min"``: a wait in words a person reads at a glance."""
    return f"{max(1, round(seconds))} s" if seconds < 90 else f"{round(seconds / 60)} min"


def time_left_words(left: TimeLeft | None) -> str:
    """What the progress bar says: ``"about 40 s left"``, ``"20 s to 1 min left"``,
    ``"measuring the time left (earlier runs: 10 s to 30 s)"`` or ``"measuring the time left"``."""
    if left is None:
        return "measuring the time left"
    lo, hi = format_seconds(left.low), format_seconds(left.high)
    if not left.measured:
        return f"measuring the time left (earlier runs: {lo} to {hi})" if lo != hi else f"measuring (earlier: {lo})"
    if left.high < 0.5:
        return "almost done"
    if lo == hi or left.high <= ONE_NUMBER * left.low:
        return f"about {format_seconds(left.middle)} left"
    return f"{lo} to {hi} left"


# ------------------------------------------------------------------------------------------
# Rates kept between runs (an entry of the disk cache)


def rates_entry(rates: Sequence[float]) -> dict[str, np.ndarray]:
    """The disk-cache entry (a dict of arrays) that keeps a run's per-chunk rates (seconds per unit)."""
    return {"seconds_per_unit": np.asarray([r for r in rates if r > 0 and math.isfinite(r)], dtype=np.float64)}


def rates_from_entry(entry: dict[str, np.ndarray] | None) -> list[float] | None:
    """The rates :func:`rates_entry` kept (None when there are none)."""
    if not entry or "seconds_per_unit" not in entry:
        return None
    rates = [float(r) for r in np.asarray(entry["seconds_per_unit"]).ravel() if r > 0 and math.isfinite(r)]
    return rates or None


class ChunkClock:
    """The chunks of a computation and when each ended (see :func:`estimate`).

    ``plan(units)`` names each chunk's units (samples) before the first starts; ``chunk_done()``
    marks the next one finished. Not locked: :class:`~lstmfcn.dashboard.tasks.Task` holds its own lock around it.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._planned: list[float] = []
        self._done: list[tuple[float, float]] = []
        self._last = clock()

    @property
    def planned(self) -> bool:
        return bool(self._planned)

    def plan(self, units) -> None:
        self._planned = [float(u) for u in units]
        self._done, self._last = [], self._clock()

    def chunk_done(self) -> None:
        now = self._clock()
        if len(self._done) < len(self._planned):
            self._done.append((self._planned[len(self._done)], now - self._last))
        self._last = now

    @property
    def chunks(self) -> tuple[tuple[float, float], ...]:
        """``(units, seconds)`` of each finished chunk."""
        return tuple(self._done)

    def remaining(self) -> float:
        return float(sum(self._planned[len(self._done) :]))

    def running(self) -> tuple[float, float]:
        """``(units, seconds so far)`` of the chunk that runs now."""
        i = len(self._done)
        return (self._planned[i], self._clock() - self._last) if i < len(self._planned) else (0.0, 0.0)

    def left(self, prior=None) -> TimeLeft | None:
        return estimate(self._done, self.remaining(), running=self.running(), prior=prior)
