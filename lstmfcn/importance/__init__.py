"""What matters across a dataset: permutation importance of variables and stretches of time.

The maps of :mod:`lstmfcn.explain` say what a method attributes a decision to, one series at a
time. This package asks the model's *behaviour*: shuffle one variable, or one variable's window
of time, across the series of a split (or replace it with a baseline), and measure how much the
model loses on each series' own class — in accuracy and in the true class's log-probability —
per class and overall, with bootstrap intervals. :mod:`.agreement` then says whether the maps
rank the same units first.

>>> res = permutation_importance(model, inputs.X, inputs.y, inputs.lengths)
>>> res.overall["accuracy"].window.importance.shape   # (V, W)
(1, 10)

Modules: :mod:`.grid` (variables × windows), :mod:`.perturb` (the batched perturbed passes),
:mod:`.intervals` (the bootstrap), :mod:`.result` (what comes back), :mod:`.agreement` (the maps
against the behaviour), :mod:`.sentences` (plain words).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from torch import nn

from ..errors import UserInputError
from .grid import default_window, units, windows
from .intervals import DEFAULT_DRAWS, DEFAULT_LEVEL, bootstrap_interval, point_estimate
from .perturb import METRICS, MODES, Drops, perturbed_drops
from .result import Estimate, GroupImportance, ImportanceResult

__all__ = [
    "BASELINES",
    "DEFAULT_REPEATS",
    "METRICS",
    "MODES",
    "Estimate",
    "GroupImportance",
    "ImportanceResult",
    "baseline_values",
    "default_window",
    "permutation_importance",
    "windows",
]

DEFAULT_REPEATS = 5
BASELINES = ("zeros", "mean")


def baseline_values(X: np.ndarray, lengths: np.ndarray, name: str) -> np.ndarray:
    """``(N, V, T)`` what a blanked unit holds: ``"zeros"`` (for per-sample normalised series, each
    series' mean), or ``"mean"``: each series' own per-variable mean over its valid steps."""
    if name not in BASELINES:
        raise UserInputError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")
    if name == "zeros":
        return np.zeros_like(X)
    inside = np.arange(X.shape[-1])[None, None, :] < np.asarray(lengths)[:, None, None]
    mean = (X * inside).sum(-1, keepdims=True) / np.maximum(np.asarray(lengths), 1)[:, None, None]
    return np.where(inside, mean, 0.0).astype(np.float32)


def permutation_importance(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray | None = None,
    *,
    variables: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    window: int | None = None,
    stride: int | None = None,
    repeats: int = DEFAULT_REPEATS,
    mode: str = "permute",
    baseline: str = "zeros",
    seed: int = 0,
    draws: int = DEFAULT_DRAWS,
    level: float = DEFAULT_LEVEL,
    sample_indices: np.ndarray | None = None,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
) -> ImportanceResult:
    """Permutation (or baseline) importance of each variable and each variable's windows.

    Args:
        model: an LSTM-FCN-family model in eval mode (not changed).
        X: ``(N, V, T)`` the series as the model sees them (:func:`lstmfcn.model_input`).
        y: ``(N,)`` true classes, indices into the model's classes.
        lengths: ``(N,)`` valid steps (default: all ``T``). A window that starts past a series'
            end is not counted for it.
        variables: ``V`` names (default ``"variable 1"``…); classes: ``K`` names (default ``"0"``…).
        window, stride: window width and step in time steps (default :func:`default_window`).
        repeats: random permutations per unit (``mode="baseline"`` needs and uses one).
        mode: ``"permute"`` (values from other series of the split) or ``"baseline"``.
        baseline: ``"zeros"`` or ``"mean"`` (:func:`baseline_values`).
        seed: seeds the permutations and the bootstrap; the same seed gives the same result.
        draws, level: bootstrap draws and the intervals' coverage.
        sample_indices: ``(N,)`` where these series sit in their split (recorded, default ``0…N-1``).
        progress: fraction-done callback (it may raise to cancel), as in :mod:`lstmfcn.explain`.
        batch_size: series per forward pass.

    Returns:
        An :class:`ImportanceResult` with both metrics (``"accuracy"``, ``"log_prob"``), overall
        and per class.

    Raises:
        ValueError: an empty split, an unknown mode or baseline, bad window, stride or repeats.
    """
    t0 = time.perf_counter()
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 3 or len(X) == 0 or len(y) != len(X):
        raise UserInputError(f"need series (N, V, T) with N ≥ 1 and one class each, got {X.shape} and {len(y)} classes")
    n, v, total = X.shape
    lengths = np.full(n, total, np.int64) if lengths is None else np.asarray(lengths, np.int64)
    dw, ds = default_window(total, v)
    spans = windows(total, window or dw, stride or (window or ds))
    rows = units(v, total, spans)
    if mode == "baseline":
        repeats = 1
    drops = perturbed_drops(
        model,
        X,
        y,
        lengths,
        rows,
        mode=mode,
        repeats=repeats,
        baseline=baseline_values(X, lengths, baseline),
        seed=seed,
        progress=progress,
        batch_size=batch_size,
    )
    class_names = [str(c) for c in (classes if classes is not None else range(int(model.config.n_classes)))]
    var_names = list(variables) if variables is not None else [f"variable {i + 1}" for i in range(v)]

    def groups(members: np.ndarray, salt: int) -> dict[str, GroupImportance]:
        return {m: _group(drops, m, members, v, len(spans), draws, level, seed + salt) for m in METRICS}

    overall = groups(np.arange(n), 0)
    by_class = {
        class_names[k]: groups(np.flatnonzero(y == k), k + 1) for k in range(len(class_names)) if (y == k).any()
    }
    return ImportanceResult(
        variables=var_names,
        windows=[(int(a), int(b)) for a, b in spans],
        classes=class_names,
        mode=mode,
        baseline=baseline,
        repeats=repeats,
        level=level,
        sample_indices=np.arange(n) if sample_indices is None else np.asarray(sample_indices, np.int64),
        overall=overall,
        by_class=by_class,
        seconds=time.perf_counter() - t0,
    )


def _group(drops: Drops, metric: str, members: np.ndarray, v: int, w: int, draws, level, seed) -> GroupImportance:
    d = drops.of(metric)
    mean = point_estimate(d, members)
    low, high = bootstrap_interval(d, members, draws=draws, level=level, seed=seed)
    base = drops.base_correct if metric == "accuracy" else drops.base_log_prob
    return GroupImportance(
        variable=Estimate(mean[:v], low[:v], high[:v]),
        window=Estimate(mean[v:].reshape(v, w), low[v:].reshape(v, w), high[v:].reshape(v, w)),
        score=float(np.mean(base[members])),
        samples=len(members),
    )
