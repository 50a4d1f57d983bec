"""Do the maps rank what the model uses first? Aggregated attributions against permutation importance.

Each map (:mod:`lstmfcn.explain`: CAM, integrated gradients, occlusion…) of each series, for its
true class, is summed over the importance grid's cells — the attribution mass of a variable's
window — and averaged over a class's series (or all). Spearman's rank correlation between that
grid and the permutation importance of the same cells says whether the maps and the model's
behaviour rank the same stretches first (cells that do not clearly matter tie at 0, see
:func:`settled`). The log-probability importance is used: accuracy moves
in whole series and ties most small windows at 0, which leaves nothing to rank.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from torch import nn

from .result import Estimate, ImportanceResult

#: Methods compared by default: the CAM comes free with the forward pass; IG is the reference
#: gradient method. Occlusion may be added (it costs a forward pass per window).
DEFAULT_METHODS = ("cam", "ig")
#: How a map becomes mass: a CAM's evidence *for* the class is its positive part; gradient and
#: perturbation maps count both signs (a step that speaks against a class also matters).
POSITIVE_ONLY = ("cam", "gradcam")
#: IG's steps for the comparison: the maps are summed over windows and averaged over series, which
#: 16 Gauss–Legendre steps give as well as 32 at half the cost (IG is most of the run's time).
AGREEMENT_IG_STEPS = 16
#: ρ at or above which the maps and the behaviour are said to agree, and below which they do not.
AGREE_AT_LEAST = 0.6
AGREE_IN_PART_AT_LEAST = 0.3


@dataclass(frozen=True)
class MapAgreement:
    """One method's aggregated map and its rank agreement with the importance.

    Attributes:
        method: the explanation method.
        over: ``"variables × windows"``, or ``"windows"`` for a map with one value per step shared
            by every variable (the CAM of a multivariate model): then the time profile is compared
            with the importance averaged over variables.
        overall: Spearman's ρ over all series (NaN when there is nothing to rank).
        by_class: class name → ρ on that class's series.
        grid: ``(V, W)`` the map's mean mass per cell over all series.
        class_grids: class name → ``(V, W)``.
    """

    method: str
    over: str
    overall: float
    by_class: dict[str, float]
    grid: np.ndarray
    class_grids: dict[str, np.ndarray]

    def rho(self, group: str | None) -> float:
        return self.overall if group is None else self.by_class.get(group, float("nan"))


def window_mass(
    maps: np.ndarray, lengths: np.ndarray, spans: Sequence[tuple[int, int]], *, positive: bool
) -> np.ndarray:
    """``(N, V, W)`` each series' attribution mass in each variable's window (valid steps only).

    Args:
        maps: ``(N, V, T)`` attributions.
        lengths: ``(N,)`` valid steps; a window starting past a series' end is NaN for it.
        spans: the windows ``[start, stop)``.
        positive: count only the positive part (a CAM's evidence for the class), else ``|a|``.
    """
    a = np.maximum(maps, 0.0) if positive else np.abs(maps)
    inside = np.arange(maps.shape[-1])[None, None, :] < np.asarray(lengths)[:, None, None]
    a = np.where(inside, a, 0.0)
    out = np.stack([a[:, :, s:e].sum(-1) for s, e in spans], axis=-1).astype(np.float64)
    starts = np.array([s for s, _ in spans])
    past = starts[None, :] >= np.asarray(lengths)[:, None]  # (N, W): the window starts past the series' end
    out[np.broadcast_to(past[:, None, :], out.shape)] = np.nan
    return out


def settled(estimate: Estimate) -> np.ndarray:
    """The importances to rank: a cell whose interval reaches 0 counts as 0. Most cells of a grid
    cost the model nothing, and the order of their small, noisy estimates would decide ρ; tied at 0
    they only say "less than the cells that clearly matter"."""
    return np.where(estimate.clear(), estimate.importance, np.where(np.isfinite(estimate.importance), 0.0, np.nan))


def rank_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ between two grids over the cells finite in both (NaN below 3 cells or for a constant grid)."""
    from scipy.stats import spearmanr

    a, b = np.ravel(a), np.ravel(b)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return float("nan")
    return float(spearmanr(a[keep], b[keep]).statistic)


def map_agreement(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    result: ImportanceResult,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    ig_steps: int = AGREEMENT_IG_STEPS,
    progress: Callable[[float], None] | None = None,
) -> dict[str, MapAgreement]:
    """Each method's maps of ``X`` ``(N, V, T)`` for the true classes ``y``, aggregated on ``result``'s
    grid and compared with its log-probability importance, overall and per class.

    ``X``, ``y``, ``lengths`` are the series ``result`` was computed on.
    """
    from ..explain import explain

    res = explain(model, X, list(methods), target="true", y=y, lengths=lengths, ig_steps=ig_steps, progress=progress)
    return {m: agreement_of(m, res[m], res["variants"][m]["variable_axis"], y, lengths, result) for m in res["methods"]}


def agreement_of(
    method: str, maps: np.ndarray, variable_axis: bool, y: np.ndarray, lengths: np.ndarray, result: ImportanceResult
) -> MapAgreement:
    """:class:`MapAgreement` of one method's ``(N, V, T)`` maps (for the true classes ``y``)."""
    mass = window_mass(maps, lengths, result.windows, positive=method in POSITIVE_ONLY)

    def compare(members: np.ndarray, importance: np.ndarray) -> tuple[float, np.ndarray]:
        grid = _nanmean(mass[members], axis=0)  # (V, W)
        if variable_axis:
            return rank_agreement(grid, importance), grid
        return rank_agreement(grid[0], _nanmean(importance, axis=0)), grid

    overall, grid = compare(np.arange(len(y)), settled(result.overall["log_prob"].window))
    by_class, class_grids = {}, {}
    for k, name in enumerate(result.classes):
        if name in result.by_class:
            by_class[name], class_grids[name] = compare(
                np.flatnonzero(y == k), settled(result.by_class[name]["log_prob"].window)
            )
    over = "variables × windows" if variable_axis and maps.shape[1] > 1 else "windows"
    return MapAgreement(method, over, overall, by_class, grid, class_grids)


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite.any(axis=axis), np.where(finite, a, 0).sum(axis=axis) / finite.sum(axis=axis), np.nan)
