"""How sure an importance is: a bootstrap over the series and over the permutations.

An importance is a mean over series of a per-series drop, itself a mean over random permutations.
Both are samples: other series of the same classes, or other permutations, would give another
number. Each bootstrap draw resamples the series of the group and the repeats, both with
replacement, and the interval is the percentile interval of the draws' means. It widens with fewer
series and with fewer repeats (with one repeat, only the series' part is left).
"""

from __future__ import annotations

import numpy as np

DEFAULT_DRAWS = 1000
DEFAULT_LEVEL = 0.95
#: Draws computed at once, so the ``(draws, U, N)`` product stays a few megabytes.
_DRAWS_AT_ONCE = 50


def point_estimate(drops: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``(U,)`` mean drop over the repeats and the counted series of ``members`` (NaN where none counts)."""
    d = drops[:, :, members]  # (R, U, n)
    with np.errstate(invalid="ignore"):
        per_series = d.mean(axis=0)  # NaN stays NaN: a unit is counted for a series in every repeat or in none
        counted = np.isfinite(per_series)
        total = np.where(counted, per_series, 0.0).sum(axis=1)
        return np.where(counted.any(axis=1), total / np.maximum(counted.sum(axis=1), 1), np.nan)


def bootstrap_interval(
    drops: np.ndarray, members: np.ndarray, *, draws: int = DEFAULT_DRAWS, level: float = DEFAULT_LEVEL, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)``, each ``(U,)``: the percentile interval at ``level`` of the group's mean drop.

    Args:
        drops: ``(R, U, N)`` per-repeat, per-unit, per-series drops, NaN where a unit is not counted.
        members: indices of the group's series (a class, or all).
        draws: bootstrap draws.
        level: coverage of the interval (0.95: from the 2.5th to the 97.5th percentile).
        seed: the same seed gives the same interval.
    """
    d = drops[:, :, members].astype(np.float64)  # (R, U, n)
    counted = np.isfinite(d[0])  # (U, n)
    d = np.where(np.isfinite(d), d, 0.0)
    r, u, n = d.shape
    rng = np.random.default_rng(seed)
    means = np.empty((draws, u))
    for start in range(0, draws, _DRAWS_AT_ONCE):
        b = min(_DRAWS_AT_ONCE, draws - start)
        w_rep = rng.multinomial(r, np.full(r, 1 / r), size=b) / r  # (b, R): resampled repeats
        w_ser = rng.multinomial(n, np.full(n, 1 / n), size=b).astype(np.float64)  # (b, n): resampled series
        per_series = np.einsum("br,run->bun", w_rep, d)
        num = np.einsum("bun,bn->bu", per_series, w_ser)
        den = w_ser @ counted.T.astype(np.float64)  # (b, U): counted series drawn
        with np.errstate(invalid="ignore", divide="ignore"):
            means[start : start + b] = np.where(den > 0, num / den, np.nan)
    tail = (1 - level) / 2 * 100
    low, high = np.full(u, np.nan), np.full(u, np.nan)
    seen = np.isfinite(means).any(axis=0)  # a unit no series counts has no interval
    low[seen], high[seen] = np.nanpercentile(means[:, seen], [tail, 100 - tail], axis=0)
    return low, high
