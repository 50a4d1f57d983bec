"""Perturbation attributions: occlusion (Zeiler & Fergus 2014) and segment ablation.

Both replace part of the input by a baseline and record how much the target class's logit drops;
both follow the calling convention of :mod:`.attributions`: ``f(model, x (N, V, T), target, *,
lengths=None, …) -> (N, V, T)``.

They perturb one variable at a time when ``V > 1`` (V times the forward passes): perturbing every
variable at once (``per_variable=False``) gives every variable the same value, a map that cannot
say which variable mattered. :class:`PerturbationPlan` says what a call will do and what it costs,
before it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import UserInputError
from . import step_chains
from ._common import ArrayLike, Progress, attribute_in_batches, batch_size_for, forward_args


def default_window(total: int) -> tuple[int, int]:
    """Occlusion's default ``(window, stride)``: a tenth of the series, half-overlapping."""
    window = max(1, round(total / 10))
    return window, max(1, window // 2)


DEFAULT_SEGMENTS = 20
"""Segment ablation's default number of time segments."""


def resolve_per_variable(per_variable: bool | None, n_vars: int) -> bool:
    """Whether a perturbation method perturbs one variable at a time.

    ``None`` (the default) means "per variable when there is more than one": perturbing every
    variable at once gives the same value to all of them, a map that cannot say which variable
    mattered. The price is ``V`` times the forward passes.
    """
    return bool(per_variable) if per_variable is not None else n_vars > 1


@dataclass(frozen=True)
class PerturbationPlan:
    """What occlusion or segment ablation does to each sample: pieces of time, variables, cost.

    Attributes:
        method: ``"occlusion"`` or ``"ablation"``.
        n_vars: ``V``, the series' variables.
        per_variable: whether each variable is perturbed on its own (the map then has a variable
            axis) or all of them together (one value per time step, the same in every variable).
        pieces: windows (occlusion) or segments (ablation) along time.
        window: occlusion window in steps (None for ablation).
        stride: steps between occlusion windows (None for ablation).
        n_segments: ablation segments (None for occlusion).
    """

    method: str
    n_vars: int
    per_variable: bool
    pieces: int
    window: int | None = None
    stride: int | None = None
    n_segments: int | None = None

    @property
    def forward_passes(self) -> int:
        """Perturbed forward passes per sample (plus one unperturbed pass)."""
        return self.pieces * (self.n_vars if self.per_variable else 1)

    def describe(self) -> str:
        """The variant and its cost in words, e.g. ``"per variable: 3 variables × 21 windows = 63 forward passes
        per sample"``."""
        noun = "windows" if self.method == "occlusion" else "segments"
        if self.per_variable and self.n_vars > 1:
            return (
                f"per variable: {self.n_vars} variables × {self.pieces} {noun} = {self.forward_passes} "
                "forward passes per sample"
            )
        together = "all variables together: " if self.n_vars > 1 else ""
        return f"{together}{self.pieces} {noun} = {self.forward_passes} forward passes per sample"

    def to_dict(self) -> dict:
        """JSON-able: the options that ran, the variant's name and its cost."""
        variant = "per variable" if self.per_variable else "all variables together"
        out = {
            "per_variable": self.per_variable,
            "variant": variant if self.n_vars > 1 else "univariate",
            "forward_passes_per_sample": self.forward_passes,
            "description": self.describe(),
        }
        for key in ("window", "stride", "n_segments"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def occlusion_plan(
    n_vars: int, total: int, *, window: int | None = None, stride: int | None = None, per_variable: bool | None = None
) -> PerturbationPlan:
    """The windows :func:`occlusion` slides over a ``(V, T)`` series, checked.

    Args:
        n_vars, total: ``V`` and ``T``.
        window: window length in steps (default ``T / 10``; longer than ``T`` means the whole series).
        stride: steps between windows (default half the window); at most the window, or steps
            between windows would never be occluded.
        per_variable: see :func:`resolve_per_variable`.

    Raises:
        ValueError: a window or stride below 1, or a stride longer than the window.
    """
    if (window is not None and window < 1) or (stride is not None and stride < 1):
        raise UserInputError(
            f"occlusion window and stride must be at least 1 step, got window {window}, stride {stride}"
        )
    dw, ds = default_window(total)
    w = min(int(window or dw), total)
    s = int(stride or (max(1, w // 2) if window else ds))
    if s > w and w < total:  # Captum refuses it too; a window as long as the series has one position
        raise UserInputError(f"occlusion stride {s} is longer than the window ({w} steps): steps would be skipped")
    s = min(s, w)
    pieces = math.ceil((total - w) / s) + 1  # Captum adds a clipped last window
    return PerturbationPlan("occlusion", n_vars, resolve_per_variable(per_variable, n_vars), pieces, window=w, stride=s)


def ablation_plan(
    n_vars: int, total: int, *, n_segments: int = DEFAULT_SEGMENTS, per_variable: bool | None = None
) -> PerturbationPlan:
    """The segments :func:`feature_ablation` replaces in a ``(V, T)`` series (at most ``T``), checked.

    Raises:
        ValueError: fewer than one segment.
    """
    if n_segments < 1:
        raise UserInputError(f"segment ablation needs at least 1 segment, got {n_segments}")
    pieces = min(int(n_segments), total)
    return PerturbationPlan("ablation", n_vars, resolve_per_variable(per_variable, n_vars), pieces, n_segments=pieces)


def occlusion(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    window: int | None = None,
    stride: int | None = None,
    per_variable: bool | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Occlusion (Zeiler & Fergus 2014): slide a window over time, replace it by the baseline.

    Each value gets the mean drop of the target logit, ``f(x) - f(x with the window occluded)``,
    over the windows that contain it. Positive means the window supported the class.

    Args:
        window: window length in steps (default ``T / 10``).
        stride: step between windows (default half the window). Captum adds a clipped last
            window, so every step is covered.
        per_variable: occlude one variable at a time (``V`` times the cost) or all variables at
            each time step (the map is then the same in every variable). Default (None): per
            variable when ``V > 1``. See :func:`occlusion_plan` for the cost.

    Raises:
        ValueError: a window or stride below 1, or a stride longer than the window.
    """
    v, total = np.shape(x)[1], np.shape(x)[-1]
    plan = occlusion_plan(v, total, window=window, stride=stride, per_variable=per_variable)
    w, s = plan.window, plan.stride
    shape, strides = ((1, w), (1, s)) if plan.per_variable else ((v, w), (v, s))

    def per_batch(net, xb, tb, lb, bb, _sl):
        if not plan.per_variable and step_chains.applies(net, xb.device):
            return occlusion_by_chains(net, xb, tb, lb, bb, plan), None
        ppe = max(1, min(plan.forward_passes, batch_size_for(net, total, gradients=False) // len(xb)))
        from captum.attr import Occlusion  # Captum only where a Captum method runs

        a = Occlusion(net).attribute(
            xb,
            sliding_window_shapes=shape,
            strides=strides,
            baselines=bb,
            target=tb,
            additional_forward_args=forward_args(lb),
            perturbations_per_eval=ppe,
        )
        return a, None

    size = batch_size or max(1, batch_size_for(model, total, gradients=False) // 4)
    return attribute_in_batches(
        model,
        x,
        target,
        lengths,
        per_batch,
        baseline=baseline,
        blur_sigma=blur_sigma,
        batch_size=size,
        gradients=False,
        progress=progress,
    )[0]


def occlusion_windows(plan: PerturbationPlan, total: int) -> torch.Tensor:
    """``(W, T)`` bool: the steps each occlusion window covers, as Captum slides it (the last one
    clipped at the series' end)."""
    windows = torch.zeros(plan.pieces, total, dtype=torch.bool)
    for i in range(plan.pieces):
        windows[i, i * plan.stride : i * plan.stride + plan.window] = True
    return windows


def occlusion_by_chains(net, x, target, lengths, base, plan: PerturbationPlan) -> torch.Tensor:
    """Captum's ``Occlusion`` of every variable at once, ``(N, V, T)`` (``x`` and ``base`` ``(N, V, T)``,
    ``target`` and ``lengths`` ``(N,)`` tensors, as ``per_batch`` gets them), with each occluded copy
    computed from the series' own conv outputs where the window cannot reach
    (:mod:`.step_chains`; for a model :func:`.step_chains.applies` to).

    Each step gets the mean, over the windows that cover it, of ``f(x) - f(x occluded)`` (the
    target logit), as Captum computes it; the numbers equal Captum's up to float rounding.
    """
    n, v, total = x.shape
    windows = occlusion_windows(plan, total)
    n_windows = len(windows)
    # One chain per sample and window: the series, then the series with that window occluded.
    per_group = max(1, step_chains.chains_per_group(net, total) // n_windows)
    diffs = []
    for sl in [slice(s, s + per_group) for s in range(0, n, per_group)]:
        b = len(x[sl])
        selectors = torch.zeros(b, n_windows, 2, total, dtype=torch.bool)
        selectors[:, :, 1] = windows
        logits = step_chains.chain_probabilities(
            net,
            x[sl].repeat_interleave(n_windows, 0),
            base[sl].repeat_interleave(n_windows, 0),
            selectors.reshape(b * n_windows, 2, total),
            target[sl].to(x.device).repeat_interleave(n_windows, 0),
            None if lengths is None else lengths[sl].repeat_interleave(n_windows, 0),
            logits=True,
        )
        diffs.append((logits[:, 0] - logits[:, 1]).reshape(b, n_windows))
    diff = torch.cat(diffs)  # (N, W)
    mask = windows.to(diff.dtype)
    attr = torch.zeros(n, total, dtype=diff.dtype)
    for i in range(n_windows):  # window by window, as Captum adds them up
        attr += diff[:, i : i + 1] * mask[i]
    attr = attr / mask.sum(0)
    return attr[:, None, :].expand(n, v, total)


def segment_mask(n_vars: int, total: int, n_segments: int, per_variable: bool = False) -> torch.Tensor:
    """``(1, V, T)`` feature mask of ``n_segments`` contiguous, near-equal time segments.

    Segment ids are shared by all variables, or distinct per variable with ``per_variable``.
    """
    n_segments = max(1, min(int(n_segments), total))
    seg = np.zeros(total, np.int64)
    for i, idx in enumerate(np.array_split(np.arange(total), n_segments)):
        seg[idx] = i
    mask = np.repeat(seg[None, :], n_vars, axis=0)
    if per_variable:
        mask = mask + np.arange(n_vars)[:, None] * n_segments
    return torch.as_tensor(mask[None])


def feature_ablation(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_segments: int = DEFAULT_SEGMENTS,
    per_variable: bool | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Feature ablation over contiguous time segments (Captum ``FeatureAblation``).

    The series is cut into ``n_segments`` equal segments. Each segment's steps all get
    ``f(x) - f(x with that segment replaced by the baseline)``, one variable at a time with
    ``per_variable`` (default when ``V > 1``: see :func:`resolve_per_variable`) or every variable
    at once (the map is then the same in every variable).

    Raises:
        ValueError: fewer than one segment.
    """
    v, total = np.shape(x)[1], np.shape(x)[-1]
    plan = ablation_plan(v, total, n_segments=n_segments, per_variable=per_variable)

    def per_batch(net, xb, tb, lb, bb, _sl):
        ppe = max(1, min(plan.forward_passes, batch_size_for(net, total, gradients=False) // len(xb)))
        mask = segment_mask(v, total, plan.n_segments, plan.per_variable).to(xb.device)
        from captum.attr import FeatureAblation  # Captum only where a Captum method runs

        a = FeatureAblation(net).attribute(
            xb,
            baselines=bb,
            target=tb,
            additional_forward_args=forward_args(lb),
            feature_mask=mask,
            perturbations_per_eval=ppe,
        )
        return a, None

    size = batch_size or max(1, batch_size_for(model, total, gradients=False) // 4)
    return attribute_in_batches(
        model,
        x,
        target,
        lengths,
        per_batch,
        baseline=baseline,
        blur_sigma=blur_sigma,
        batch_size=size,
        gradients=False,
        progress=progress,
    )[0]
