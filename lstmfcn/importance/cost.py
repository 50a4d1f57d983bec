"""How long an importance run takes, before it starts: passes counted, one pass timed."""

from __future__ import annotations

import time

import numpy as np
from torch import nn

from ..evaluation import predict_logits
from .agreement import AGREEMENT_IG_STEPS

#: A gradient pass (forward and backward) costs about this many forward passes.
BACKWARD_FACTOR = 3.0


def forward_passes(
    n: int, n_vars: int, n_windows: int, repeats: int, *, ig_steps: int | None = AGREEMENT_IG_STEPS
) -> float:
    """Forward-pass equivalents per run: ``(V + V × W) × repeats`` perturbed copies of each of ``n``
    series and the unperturbed pass; with the map agreement (``ig_steps`` not None), one CAM pass
    and ``ig_steps`` gradient passes per series."""
    perturbed = n * (n_vars + n_vars * n_windows) * repeats + n
    maps = 0.0 if ig_steps is None else n * (1 + BACKWARD_FACTOR * ig_steps)
    return perturbed + maps


def seconds_per_pass(model: nn.Module, X: np.ndarray, lengths: np.ndarray, probe: int = 64) -> float:
    """Seconds one series' forward pass takes, timed on up to ``probe`` series of ``X`` ``(N, V, T)``:
    the faster of two timings after a warm-up pass of the same size (the first pays for allocations
    and thread start-up, and a busy moment should not double an estimate)."""
    x, lens = X[:probe], lengths[:probe]
    predict_logits(model, x, lens)
    times = []
    for _ in range(2):
        t = time.perf_counter()
        predict_logits(model, x, lens)
        times.append(time.perf_counter() - t)
    return min(times) / max(len(x), 1)
