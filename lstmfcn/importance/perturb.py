"""What the model loses when one unit of the grid is shuffled or blanked: per series, per repeat.

Permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019) asks the model itself what it
uses: give every series the values of another series of the split in one variable, or in one
variable's window, and measure how much worse it does on its own class. A unit the model does not
use costs nothing, whatever the maps say. The donors come from the whole split, also when the
drop is read per class, so a class's own evidence is replaced by other classes' values.

Many perturbed copies go through the model in one batched pass; nothing here draws or caches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import UserInputError
from ..evaluation import predict_logits

MODES = ("permute", "baseline")
METRICS = ("accuracy", "log_prob")
#: Perturbed copies held in memory at once (bytes), so a long multivariate split never swaps.
COPIES_BYTES = 48 * 2**20
#: Perturbed series per forward call between two progress reports (about a second on two cores).
SLICE_SERIES = 1024


@dataclass(frozen=True)
class Drops:
    """Per-series losses of every unit, and the scores they are losses from.

    Attributes:
        accuracy: ``(R, U, N)`` 1 where the series was right and the perturbed copy is wrong,
            -1 for the reverse, 0 otherwise; NaN where the unit is not counted for the series.
        log_prob: ``(R, U, N)`` log-probability of the true class lost (natural log); NaN likewise.
        base_correct: ``(N,)`` whether the unperturbed series is classified right.
        base_log_prob: ``(N,)`` the unperturbed true class's log-probability.
    """

    accuracy: np.ndarray
    log_prob: np.ndarray
    base_correct: np.ndarray
    base_log_prob: np.ndarray

    def of(self, metric: str) -> np.ndarray:
        if metric not in METRICS:
            raise UserInputError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
        return self.accuracy if metric == "accuracy" else self.log_prob


def scores(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(correct, log_prob)`` of the true classes ``y`` ``(N,)`` under ``logits`` ``(N, K)``."""
    z = torch.log_softmax(torch.as_tensor(logits, dtype=torch.float64), dim=1).numpy()
    return logits.argmax(axis=1) == y, z[np.arange(len(y)), y]


def replacements(
    X: np.ndarray, lengths: np.ndarray, mode: str, repeats: int, baseline: np.ndarray, seed: int
) -> list[np.ndarray]:
    """What each series receives in a perturbed unit, one ``(N, V, T)`` array per repeat.

    ``"permute"``: another series of the split, a fresh random permutation per repeat; a donor
    shorter than the recipient gives the ``baseline`` past its own end. ``"baseline"``: the
    ``baseline`` itself (one repeat: nothing is random).
    """
    if mode == "baseline":
        return [baseline]
    rng = np.random.default_rng(seed)
    total = X.shape[-1]
    out = []
    for _ in range(repeats):
        donor = rng.permutation(len(X))
        inside = np.arange(total)[None, None, :] < lengths[donor][:, None, None]
        out.append(np.where(inside, X[donor], baseline))
    return out


def perturbed_drops(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray,
    unit_rows: np.ndarray,
    *,
    mode: str = "permute",
    repeats: int = 5,
    baseline: np.ndarray | None = None,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
) -> Drops:
    """The loss of every unit for every series and repeat.

    Args:
        model: an LSTM-FCN-family model in eval mode (not changed).
        X: ``(N, V, T)`` the split as the model sees it (:func:`lstmfcn.model_input`).
        y: ``(N,)`` true classes (indices into the model's classes).
        lengths: ``(N,)`` valid steps of each series.
        unit_rows: ``(U, 3)`` rows ``(variable, start, stop)`` (:func:`lstmfcn.importance.grid.units`).
        mode: ``"permute"`` or ``"baseline"`` (see :func:`replacements`).
        repeats: permutations per unit (``"baseline"`` always uses 1).
        baseline: ``(N, V, T)`` values for ``"baseline"`` mode and past a short donor's end
            (default zeros: the mean of per-sample normalised series).
        seed: seeds the permutations; the same seed gives the same drops.
        progress: called with the fraction done after each batch of copies; it may raise to cancel.
            With ``plan``/``chunk_done`` (the dashboard's task progress) it is told each batch's
            perturbed series, for the time left.
        batch_size: series per forward pass (default sized to the device).
    """
    if mode not in MODES:
        raise UserInputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if repeats < 1:
        raise UserInputError(f"repeats must be at least 1, got {repeats}")
    n, v, total = X.shape
    lengths = np.asarray(lengths, dtype=np.int64)
    baseline = np.zeros_like(X) if baseline is None else np.asarray(baseline, dtype=np.float32)
    base_logits = _forward_in_slices(
        model, X, lengths, batch_size, None if progress is None else (lambda f: progress(0.0))
    )
    base_correct, base_log_prob = scores(base_logits, y)
    repl = replacements(X, lengths, mode, repeats, baseline, seed)
    # A few batches per repeat at least, so that progress and Cancel answer within seconds.
    per_chunk = max(1, min(COPIES_BYTES // max(1, X.nbytes), -(-len(unit_rows) // 4)))
    chunks = [(r, s) for r in range(len(repl)) for s in range(0, len(unit_rows), per_chunk)]
    plan, chunk_done = getattr(progress, "plan", None), getattr(progress, "chunk_done", None)
    if plan is not None:
        plan([n * len(unit_rows[s : s + per_chunk]) for _, s in chunks])
    inside = np.arange(total)[None, :] < lengths[:, None]  # (N, T): the recipient's own steps only
    acc = np.empty((len(repl), len(unit_rows), n), np.float32)
    logp = np.empty_like(acc)
    for done, (r, s) in enumerate(chunks):
        rows = unit_rows[s : s + per_chunk]
        copies = np.repeat(X[None], len(rows), axis=0)  # (c, N, V, T)
        for i, (var, a, b) in enumerate(rows):
            copies[i, :, var, a:b] = np.where(inside[:, a:b], repl[r][:, var, a:b], X[:, var, a:b])
        logits = _forward_in_slices(
            model,
            copies.reshape(-1, v, total),
            np.tile(lengths, len(rows)),
            batch_size,
            None if progress is None else (lambda f, done=done: progress((done + f) / len(chunks))),
        )
        correct, log_prob = scores(logits, np.tile(y, len(rows)))
        acc[r, s : s + len(rows)] = base_correct[None].astype(np.float32) - correct.reshape(len(rows), n)
        logp[r, s : s + len(rows)] = base_log_prob[None] - log_prob.reshape(len(rows), n)
        if progress is not None:
            progress((done + 1) / len(chunks))
        if chunk_done is not None:
            chunk_done()
    outside = unit_rows[:, 1][:, None] >= lengths[None, :]  # (U, N): windows past a series' end
    acc[:, outside] = np.nan
    logp[:, outside] = np.nan
    return Drops(acc, logp, base_correct, base_log_prob)


def _forward_in_slices(model, X, lengths, batch_size, progress) -> np.ndarray:
    """Logits of ``X`` ``(M, V, T)``, :data:`SLICE_SERIES` series at a time with ``progress(fraction)``
    between slices: a Cancel (which raises from ``progress``) then answers within a second or so,
    also when one batch of copies holds thousands of series."""
    out = []
    for start in range(0, len(X), SLICE_SERIES):
        out.append(
            predict_logits(
                model, X[start : start + SLICE_SERIES], lengths[start : start + SLICE_SERIES], batch_size=batch_size
            )
        )
        if progress is not None:
            progress(min(1.0, (start + SLICE_SERIES) / len(X)))
    return np.concatenate(out)
