"""Input attributions for any target class: Captum's methods behind one calling convention.

Every function here is ``f(model, x, target, *, lengths=None, …) -> np.ndarray (N, V, T)``:

* ``x``: ``(N, V, T)`` float series (numpy or tensor); ``target``: a class index or ``(N,)``
  indices; ``lengths``: ``(N,)`` valid steps for padded input (passed to ``model.forward``).
* Gradient methods explain the target class's **logit** (not its softmax probability).
* Work runs in batches on the model's device. ``batch_size`` (samples per pass) defaults to a
  size that fits the CPU's caches or keeps a GPU pass under about 2 GB
  (:func:`~lstmfcn.device.batch_size_for`).
  ``progress(fraction)`` is called after each batch.
* Padded steps get 0: the padding is not part of the series.
* The caller's model is never changed. Gradients are taken on a private copy whose LSTM alone
  is in train mode, which is how a cuDNN LSTM can run backward; see
  :func:`~lstmfcn.explain._common.gradient_model`.

Occlusion and segment ablation perturb one variable at a time when ``V > 1`` (V times the
forward passes; ``per_variable=False`` perturbs every variable at once, and the map is then the
same in every variable). :class:`PerturbationPlan` says what they will do and what it costs.

Baselines (``baseline=``) for path and perturbation methods: ``"zeros"``, ``"mean"`` (each
series' own per-variable mean), ``"blur"`` (Gaussian-blurred copy, ``blur_sigma`` steps,
default ``T / 20``), or an array broadcastable to ``(N, V, T)``.

The registry of every method by name (CAM and attention included) is :mod:`.methods`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import (
    DeepLift,
    FeatureAblation,
    InputXGradient,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)
from torch import nn

from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    as_target,
    batch_size_for,
    batch_slices,
    forward_args,
    gradient_model,
    inference_model,
    make_baseline,
    model_device,
    report,
    valid_mask,
    zero_padding,
)

# DeepLift warns on every call that it sets hooks. The hooks go on a private copy of the model
# and are removed afterwards, so the warning tells a user nothing.
warnings.filterwarnings("ignore", message=r"Setting forward, backward hooks and attributes on non-linear")

# (net, x, target, lengths, baseline, sample slice) -> attributions, optional per-sample extra
_BatchFn = Callable[
    [nn.Module, torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None, slice],
    tuple[torch.Tensor, torch.Tensor | None],
]


def _attribute(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    lengths: ArrayLike | None,
    per_batch: _BatchFn,
    *,
    baseline: str | ArrayLike | None = None,
    blur_sigma: float | None = None,
    batch_size: int | None = None,
    expansion: int = 1,
    gradients: bool = True,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Run ``per_batch`` over sample batches; returns ``(attr (N, V, T), extra (N,) or None)``.

    Gradient methods run on the private copy of :func:`gradient_model`. Forward-only ones
    (occlusion, ablation) use the model itself when it is in eval mode: Captum puts no hooks
    on it for those.
    """
    net = gradient_model(model) if gradients else inference_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, v, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    tt = as_target(target, n, net.config.n_classes).to(device)
    base = None if baseline is None else make_baseline(xt, baseline, lt, blur_sigma=blur_sigma)
    size = batch_size or batch_size_for(net, total, gradients=gradients, expansion=expansion)
    attr = np.zeros((n, v, total), np.float32)
    extra: np.ndarray | None = None
    slices = batch_slices(n, size)
    for i, sl in enumerate(slices):
        xb = xt[sl].clone().requires_grad_(gradients)  # Captum warns when it has to set this itself
        a, e = per_batch(net, xb, tt[sl], None if lt is None else lt[sl], None if base is None else base[sl], sl)
        attr[sl] = a.detach().float().cpu().numpy()
        if e is not None:
            if extra is None:
                extra = np.zeros(n, np.float32)
            extra[sl] = e.detach().float().cpu().numpy().reshape(-1)
        report(progress, (i + 1) / len(slices))
    return zero_padding(attr, lt), extra


def integrated_gradients(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_steps: int = 32,
    integration: str = "gausslegendre",
    batch_size: int | None = None,
    progress: Progress | None = None,
    return_delta: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Integrated Gradients (Sundararajan et al. 2017) of the target logit.

    ``attr = (x - b) · ∫₀¹ ∂f(b + α(x - b))/∂x dα``, the integral by ``n_steps``-point
    Gauss-Legendre quadrature. Completeness: ``Σ attr ≈ f(x) - f(b)``; the convergence delta
    ``Σ attr - (f(x) - f(b))`` per sample says how good the quadrature was (more steps → smaller).

    Args:
        model, x, target, lengths: see the module docstring.
        baseline: the reference series ``b`` (``"zeros"``, ``"mean"``, ``"blur"`` or an array).
        blur_sigma: Gaussian sigma in steps for ``baseline="blur"``.
        n_steps: quadrature points (32 is usually within 1 % of the logit gap for these models).
        integration: Captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``, …).
        batch_size: samples per pass (each pass holds ``batch_size · n_steps`` series).
        progress: fraction-done callback.
        return_delta: also return the ``(N,)`` convergence deltas.

    Returns:
        ``(N, V, T)`` attributions, or ``(attributions, delta (N,))`` with ``return_delta``.
    """

    def per_batch(net, xb, tb, lb, bb, _sl):
        ig = IntegratedGradients(net)
        a, d = ig.attribute(
            xb, baselines=bb, target=tb, additional_forward_args=forward_args(lb), n_steps=n_steps,
            method=integration, internal_batch_size=len(xb) * n_steps, return_convergence_delta=True,
        )  # fmt: skip
        return a, d

    attr, delta = _attribute(
        model, x, target, lengths, per_batch, baseline=baseline, blur_sigma=blur_sigma,
        batch_size=batch_size, expansion=n_steps, progress=progress,
    )  # fmt: skip
    return (attr, delta) if return_delta else attr


def saliency(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    absolute: bool = True,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Saliency (Simonyan et al. 2014): ``|∂ logit / ∂x|`` (signed gradient with ``absolute=False``)."""

    def per_batch(net, xb, tb, lb, _bb, _sl):
        return Saliency(net).attribute(xb, target=tb, abs=absolute, additional_forward_args=forward_args(lb)), None

    return _attribute(model, x, target, lengths, per_batch, batch_size=batch_size, progress=progress)[0]


def input_x_gradient(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Input × gradient (Shrikumar et al. 2016): ``x · ∂ logit / ∂x``, signed."""

    def per_batch(net, xb, tb, lb, _bb, _sl):
        return InputXGradient(net).attribute(xb, target=tb, additional_forward_args=forward_args(lb)), None

    return _attribute(model, x, target, lengths, per_batch, batch_size=batch_size, progress=progress)[0]


def deeplift(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """DeepLIFT with the rescale rule (Shrikumar et al. 2017), via Captum's ``DeepLift``.

    The rescale rule applies to the ``nn.ReLU`` modules of the conv blocks. Functional
    nonlinearities (the LSTM gates, the attention softmax, squeeze-and-excite's sigmoid and its
    multiplicative gate) fall back to plain gradients, so the attributions add up to
    ``f(x) - f(b)`` only approximately for those parts.
    """

    def per_batch(net, xb, tb, lb, bb, _sl):
        return DeepLift(net).attribute(xb, baselines=bb, target=tb, additional_forward_args=forward_args(lb)), None

    return _attribute(
        model, x, target, lengths, per_batch, baseline=baseline, blur_sigma=blur_sigma,
        batch_size=batch_size, expansion=2, progress=progress,
    )[0]  # fmt: skip


def _input_gradient(
    net: nn.Module, points: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None
) -> torch.Tensor:
    """``∂ logit[target] / ∂ points`` for a batch ``(B, V, T)``."""
    with torch.enable_grad():
        p = points.detach().requires_grad_(True)
        out = net(p, lengths)  # (B, K)
        (g,) = torch.autograd.grad(out.gather(1, target[:, None]).sum(), p)
    return g


def gradient_shap(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    n_samples: int = 16,
    noise: float = 0.1,
    seed: int = 0,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """GradientSHAP (Lundberg & Lee 2017) with each sample's own baseline.

    ``attr = E[(x̃ - b) · ∂f(b + α(x̃ - b))/∂x]`` over ``α ~ U(0, 1)`` and noisy copies
    ``x̃ = x + ε``, ``ε ~ N(0, (noise · std(x))²)``, averaged over ``n_samples`` draws. It is a
    sampled, smoothed Integrated Gradients. This is the estimator of Captum's ``GradientShap``,
    written out for two reasons. Captum pairs each input with a baseline drawn at random from a
    shared set, which would pair a series with another series' blurred copy. And it draws from
    torch's global random state, which threads share. Here every sample's draws come from its own
    generator seeded with ``(seed, sample index)``, so results do not depend on batching or on
    other threads.
    """
    gens_seed = int(seed) * 1_000_003

    def per_batch(net, xb, tb, lb, bb, sl):
        b, v, total = xb.shape
        alphas, eps = [], []
        for idx in range(sl.start, sl.stop):
            g = torch.Generator().manual_seed(gens_seed + idx)
            alphas.append(torch.rand(n_samples, generator=g))
            eps.append(torch.randn((n_samples, v, total), generator=g))
        alpha = torch.stack(alphas).to(xb.device)[:, :, None, None]  # (B, S, 1, 1)
        mask = valid_mask(lb, b, total)
        keep = torch.ones_like(xb) if mask is None else torch.as_tensor(mask, device=xb.device).expand_as(xb).float()
        scale = _std_over_valid(xb, keep) * noise  # (B, 1, 1)
        x_noisy = xb[:, None] + torch.stack(eps).to(xb.device) * (scale * keep)[:, None]  # (B, S, V, T)
        delta = x_noisy - bb[:, None]
        points = (bb[:, None] + alpha * delta).reshape(b * n_samples, v, total)
        lrep = None if lb is None else lb.repeat_interleave(n_samples)
        grads = _input_gradient(net, points, tb.repeat_interleave(n_samples), lrep).reshape(b, n_samples, v, total)
        return (delta * grads).mean(dim=1), None

    return _attribute(
        model, x, target, lengths, per_batch, baseline=baseline, blur_sigma=blur_sigma,
        batch_size=batch_size, expansion=n_samples, progress=progress,
    )[0]  # fmt: skip


def _std_over_valid(x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    cnt = keep.sum(dim=(1, 2), keepdim=True).clamp_min(1.0)
    mean = (x * keep).sum(dim=(1, 2), keepdim=True) / cnt
    return (((x - mean) * keep) ** 2).sum(dim=(1, 2), keepdim=True).div(cnt).sqrt()  # (B, 1, 1)


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
        raise ValueError(f"occlusion window and stride must be at least 1 step, got window {window}, stride {stride}")
    dw, ds = default_window(total)
    w = min(int(window or dw), total)
    s = int(stride or (max(1, w // 2) if window else ds))
    if s > w and w < total:  # Captum refuses it too; a window as long as the series has one position
        raise ValueError(f"occlusion stride {s} is longer than the window ({w} steps): steps would be skipped")
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
        raise ValueError(f"segment ablation needs at least 1 segment, got {n_segments}")
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
        ppe = max(1, min(plan.forward_passes, batch_size_for(net, total, gradients=False) // len(xb)))
        a = Occlusion(net).attribute(
            xb, sliding_window_shapes=shape, strides=strides, baselines=bb, target=tb,
            additional_forward_args=forward_args(lb), perturbations_per_eval=ppe,
        )  # fmt: skip
        return a, None

    size = batch_size or max(1, batch_size_for(model, total, gradients=False) // 4)
    return _attribute(
        model, x, target, lengths, per_batch, baseline=baseline, blur_sigma=blur_sigma,
        batch_size=size, gradients=False, progress=progress,
    )[0]  # fmt: skip


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
        a = FeatureAblation(net).attribute(
            xb, baselines=bb, target=tb, additional_forward_args=forward_args(lb),
            feature_mask=mask, perturbations_per_eval=ppe,
        )  # fmt: skip
        return a, None

    size = batch_size or max(1, batch_size_for(model, total, gradients=False) // 4)
    return _attribute(
        model, x, target, lengths, per_batch, baseline=baseline, blur_sigma=blur_sigma,
        batch_size=size, gradients=False, progress=progress,
    )[0]  # fmt: skip


def grad_cam(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    relu: bool = True,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) on the last conv block, upsampled to ``T``, repeated over ``V``.

    ``gradcam[t] = ReLU(Σ_c w_c · A[c, t])`` with ``w_c`` the time-mean gradient of the target
    logit with respect to ``A[c, :]``. The conv branch ends in GAP + Linear, so ``w_c = W[k, c] / T``
    and Grad-CAM without the ReLU (``relu=False``) equals the class activation map divided by
    ``T``. The ReLU keeps only the positive evidence, as in the paper. The block's maps already have
    length ``T`` ("same" padding); linear interpolation to ``T`` covers other layers. Only the
    conv branch is covered, not the LSTM's.
    """
    total = np.shape(x)[-1]

    def per_batch(net, xb, tb, lb, _bb, _sl):
        a = LayerGradCam(net, net.last_conv).attribute(
            xb, target=tb, additional_forward_args=forward_args(lb), relu_attributions=relu
        )  # (B, 1, T_layer)
        if a.shape[-1] != total:
            a = LayerAttribution.interpolate(a, (total,), interpolate_mode="linear")
        return a.expand(-1, xb.shape[1], -1), None

    return _attribute(model, x, target, lengths, per_batch, batch_size=batch_size, progress=progress)[0]
