"""Input attributions for any target class: Captum's methods behind one calling convention.

Every function here is ``f(model, x, target, *, lengths=None, …) -> np.ndarray (N, V, T)``:

* ``x``: ``(N, V, T)`` float series (numpy or tensor); ``target``: a class index or ``(N,)``
  indices; ``lengths``: ``(N,)`` valid steps for padded input (passed to ``model.forward``).
* Gradient methods explain the target class's **logit** (not its softmax probability).
* Work runs in batches on the model's device. ``batch_size`` (samples per pass) defaults to sizes
  measured on the CPU (:mod:`lstmfcn.pass_size`) or to passes under about 2 GB on a GPU
  (:func:`~lstmfcn.device.batch_size_for`). Integrated Gradients, saliency, input × gradient and
  GradientSHAP take the logit's input gradient one branch at a time, each branch in passes of its
  own size (:mod:`.branch_gradients`): the same numbers as Captum's estimators on the whole model,
  to float rounding (tested), faster.
  ``progress(fraction)`` is called after each batch.
* Padded steps get 0: the padding is not part of the series.
* The caller's model is never changed. Gradients are taken on a private copy whose LSTM alone
  is in train mode, which is how a cuDNN LSTM can run backward; see
  :func:`~lstmfcn.explain._common.gradient_model`.

Integrated Gradients, fixed or adaptive, is in :mod:`.ig` (its names stay importable here);
occlusion and segment ablation, which perturb the input rather than follow gradients, are in
:mod:`.perturbation`.

Baselines (``baseline=``) for path and perturbation methods: ``"zeros"``, ``"mean"`` (each
series' own per-variable mean), ``"blur"`` (Gaussian-blurred copy, ``blur_sigma`` steps,
default ``T / 20``), or an array broadcastable to ``(N, V, T)``.

The registry of every method by name (CAM and attention included) is :mod:`.methods`.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from ..pass_size import branch_plan
from ._common import (
    ArrayLike,
    Progress,
    attribute_in_batches,
    forward_args,
    valid_mask,
)
from .branch_gradients import logit_gradient
from .ig import (  # noqa: F401 - Integrated Gradients lives in .ig; its names stay importable here
    ADAPTIVE_IG,
    GAP_FLOOR,
    IG_RULES,
    NESTED_BLOCK,
    AdaptiveIG,
    adaptive_integrated_gradients,
    integrated_gradients,
)

# DeepLift warns on every call that it sets hooks. The hooks go on a private copy of the model
# and are removed afterwards, so the warning tells a user nothing.
warnings.filterwarnings("ignore", message=r"Setting forward, backward hooks and attributes on non-linear")


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
    return _of_input_gradient(
        model, x, target, lengths, batch_size, progress, lambda _x, grad: grad.abs() if absolute else grad
    )


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
    return _of_input_gradient(model, x, target, lengths, batch_size, progress, lambda xb, grad: xb * grad)


def _of_input_gradient(model, x, target, lengths, batch_size, progress, of_gradient) -> np.ndarray:
    """A map ``of_gradient(x (B, V, T), ∂ logit / ∂x (B, V, T))`` of each sample's own input gradient."""
    plan = branch_plan(model, np.shape(x)[1], np.shape(x)[-1], batch_size=batch_size)

    def per_batch(net, xb, tb, lb, _bb, _sl):
        return of_gradient(xb, logit_gradient(net, xb, tb, lb, plan)), None

    return attribute_in_batches(
        model, x, target, lengths, per_batch, batch_size=batch_size, progress=progress, hooks=False, plan=plan
    )[0]


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
        from captum.attr import DeepLift  # Captum only where a Captum method runs

        return DeepLift(net).attribute(xb, baselines=bb, target=tb, additional_forward_args=forward_args(lb)), None

    return attribute_in_batches(
        model,
        x,
        target,
        lengths,
        per_batch,
        baseline=baseline,
        blur_sigma=blur_sigma,
        batch_size=batch_size,
        expansion=2,
        progress=progress,
        method="deeplift",
    )[0]


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
    plan = branch_plan(model, np.shape(x)[1], np.shape(x)[-1], expansion=n_samples, batch_size=batch_size)

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
        grads = logit_gradient(net, points, tb.repeat_interleave(n_samples), lrep, plan)
        grads = grads.reshape(b, n_samples, v, total)
        return (delta * grads).mean(dim=1), None

    return attribute_in_batches(
        model,
        x,
        target,
        lengths,
        per_batch,
        baseline=baseline,
        blur_sigma=blur_sigma,
        batch_size=batch_size,
        expansion=n_samples,
        progress=progress,
        hooks=False,
        plan=plan,
    )[0]


def _std_over_valid(x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    cnt = keep.sum(dim=(1, 2), keepdim=True).clamp_min(1.0)
    mean = (x * keep).sum(dim=(1, 2), keepdim=True) / cnt
    return (((x - mean) * keep) ** 2).sum(dim=(1, 2), keepdim=True).div(cnt).sqrt()  # (B, 1, 1)


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
    from captum.attr import LayerAttribution, LayerGradCam  # Captum only where a Captum method runs

    total = np.shape(x)[-1]

    def per_batch(net, xb, tb, lb, _bb, _sl):
        a = LayerGradCam(net, net.last_conv).attribute(
            xb, target=tb, additional_forward_args=forward_args(lb), relu_attributions=relu
        )  # (B, 1, T_layer)
        if a.shape[-1] != total:
            a = LayerAttribution.interpolate(a, (total,), interpolate_mode="linear")
        return a.expand(-1, xb.shape[1], -1), None

    return attribute_in_batches(model, x, target, lengths, per_batch, batch_size=batch_size, progress=progress)[0]
