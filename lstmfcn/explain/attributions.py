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

Occlusion and segment ablation, which perturb the input rather than follow gradients, are in
:mod:`.perturbation`.

Baselines (``baseline=``) for path and perturbation methods: ``"zeros"``, ``"mean"`` (each
series' own per-variable mean), ``"blur"`` (Gaussian-blurred copy, ``blur_sigma`` steps,
default ``T / 20``), or an array broadcastable to ``(N, V, T)``.

The registry of every method by name (CAM and attention included) is :mod:`.methods`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..pass_size import BranchPlan, branch_plan
from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    attribute_in_batches,
    forward_args,
    gradient_model,
    make_baseline,
    report,
    sub_progress,
    valid_mask,
)
from .branch_gradients import logit_gradient
from .quadrature import RULES, quadrature

# DeepLift warns on every call that it sets hooks. The hooks go on a private copy of the model
# and are removed afterwards, so the warning tells a user nothing.
warnings.filterwarnings("ignore", message=r"Setting forward, backward hooks and attributes on non-linear")


#: Captum's integration rules for Integrated Gradients (``integration=``; :mod:`.quadrature`).
IG_RULES = RULES


@dataclass
class AdaptiveIG:
    """Integrated Gradients with as many steps per sample as its completeness gap needed.

    Attributes:
        attr: ``(N, V, T)`` attributions.
        delta: ``(N,)`` convergence deltas ``Σ attr - (f(x) - f(b))`` at the steps used.
        gap: ``(N,)`` relative completeness gap ``|delta| / |f(x) - f(b)|``.
        steps: ``(N,)`` quadrature points each sample ended with.
        converged: ``(N,)`` bool, the gap met the tolerance (False: stopped at ``max_steps``).
    """

    attr: np.ndarray
    delta: np.ndarray
    gap: np.ndarray
    steps: np.ndarray
    converged: np.ndarray


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
    tolerance: float | None = None,
    max_steps: int = 1024,
    batch_size: int | None = None,
    progress: Progress | None = None,
    return_delta: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Integrated Gradients (Sundararajan et al. 2017) of the target logit.

    ``attr = (x - b) · ∫₀¹ ∂f(b + α(x - b))/∂x dα``, the integral by an ``n_steps``-point rule
    (Gauss-Legendre by default). Completeness: ``Σ attr ≈ f(x) - f(b)``; the convergence delta
    ``Σ attr - (f(x) - f(b))`` per sample says how good the quadrature was (more steps → smaller).

    Args:
        model, x, target, lengths: see the module docstring.
        baseline: the reference series ``b`` (``"zeros"``, ``"mean"``, ``"blur"`` or an array).
        blur_sigma: Gaussian sigma in steps for ``baseline="blur"``.
        n_steps: quadrature points (32 is usually within 1 % of the logit gap for these models);
            with ``tolerance``, the points of the first round.
        integration: the rule, one of :data:`IG_RULES` (Gauss-Legendre; Riemann sums with the
            left, right or middle point of each interval, or the trapezoid rule).
        tolerance: adaptive mode: each sample's steps double until its relative completeness gap
            ``|delta| / |f(x) - f(b)|`` is at most ``tolerance`` (see :func:`adaptive_integrated_gradients`).
        max_steps: the most points adaptive mode uses for a sample.
        batch_size: samples per pass (each pass holds ``batch_size · n_steps`` series).
        progress: fraction-done callback.
        return_delta: also return the ``(N,)`` convergence deltas.

    Returns:
        ``(N, V, T)`` attributions, or ``(attributions, delta (N,))`` with ``return_delta``.
    """
    if tolerance is not None:
        res = adaptive_integrated_gradients(
            model,
            x,
            target,
            lengths=lengths,
            baseline=baseline,
            blur_sigma=blur_sigma,
            tolerance=tolerance,
            start_steps=n_steps,
            max_steps=max_steps,
            integration=integration,
            batch_size=batch_size,
            progress=progress,
        )
        return (res.attr, res.delta) if return_delta else res.attr
    _check_rule(integration, n_steps)

    plan = branch_plan(model, np.shape(x)[1], np.shape(x)[-1], expansion=n_steps, batch_size=batch_size)
    rule = quadrature(integration, n_steps)

    def per_batch(net, xb, tb, lb, bb, _sl):
        return _ig_pass(net, xb, tb, lb, bb, rule, plan)

    attr, delta = attribute_in_batches(
        model,
        x,
        target,
        lengths,
        per_batch,
        baseline=baseline,
        blur_sigma=blur_sigma,
        batch_size=batch_size,
        expansion=n_steps,
        progress=progress,
        hooks=False,
        plan=plan,
    )
    return (attr, delta) if return_delta else attr


def _ig_pass(
    net: nn.Module,
    xb: torch.Tensor,
    tb: torch.Tensor,
    lb: torch.Tensor | None,
    bb: torch.Tensor,
    quadrature: tuple[list[float], list[float]],
    plan: BranchPlan,
) -> tuple[torch.Tensor, torch.Tensor]:
    """IG of one pass of ``B`` samples ``(B, V, T)`` → attributions ``(B, V, T)``, deltas ``(B,)``.

    Captum's estimator, term for term (the points step-major, each gradient weighted by its
    step, summed over steps, times ``x - b``), with the gradient taken per branch
    (:func:`~.branch_gradients.logit_gradient`) and the completeness check's ``f(x)`` and
    ``f(b)`` from one forward pass rather than two.
    """
    weights, alphas = quadrature
    k, b = len(alphas), len(xb)
    diff = xb - bb
    with torch.no_grad():
        points = torch.cat([bb + a * diff for a in alphas])  # (k·B, V, T)
    lrep = None if lb is None else lb.repeat(k)
    grads = logit_gradient(net, points, tb.repeat(k), lrep, plan)
    step = torch.tensor(weights, dtype=grads.dtype, device=grads.device).view(k, 1)
    attr = (grads.contiguous().view(k, -1) * step).view(k, *xb.shape).sum(0) * diff
    with torch.no_grad():
        ends = net(torch.cat([xb, bb]), None if lb is None else lb.repeat(2))  # (2B, K)
    f = ends.gather(1, tb.repeat(2)[:, None])[:, 0]
    return attr, attr.reshape(b, -1).sum(1) - (f[:b] - f[b:])


def _check_rule(integration: str, n_steps: int) -> None:
    if integration not in IG_RULES:
        raise ValueError(f"unknown integration rule {integration!r}; choose one of {', '.join(IG_RULES)}")
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")


#: Below this gap (in logit units) a sample counts as converged whatever its relative gap: when
#: ``f(x) ≈ f(b)`` the relative gap is float32 rounding divided by almost nothing.
GAP_FLOOR = 1e-4


def adaptive_integrated_gradients(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    blur_sigma: float | None = None,
    tolerance: float = 0.01,
    start_steps: int = 8,
    max_steps: int = 1024,
    integration: str = "gausslegendre",
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> AdaptiveIG:
    """Integrated Gradients whose steps grow per sample until completeness holds within ``tolerance``.

    Round 1 runs ``start_steps`` points for every sample; each later round doubles the points for
    the samples whose gap ``|Σ attr - (f(x) - f(b))|`` is still above
    ``tolerance · |f(x) - f(b)|`` (and above :data:`GAP_FLOOR`), until ``max_steps``. Every
    sample's attributions are those of its last round: a plain ``integration`` rule with
    ``steps[i]`` points, the same numbers :func:`integrated_gradients` gives with that many.
    """
    if tolerance <= 0:
        raise ValueError(f"tolerance must be positive (a relative gap such as 0.01), got {tolerance}")
    _check_rule(integration, start_steps)
    if max_steps < start_steps:
        raise ValueError(f"max_steps ({max_steps}) must be at least start_steps ({start_steps})")
    model = gradient_model(model)  # one private copy for every round
    xt = as_input(x, torch.device("cpu"))
    n, _, total = xt.shape
    lt = as_lengths(lengths, n, total, torch.device("cpu"))
    targets = np.broadcast_to(np.asarray(target), (n,)).copy()
    base = make_baseline(xt, baseline, lt, blur_sigma=blur_sigma).numpy()  # each sample's own, fixed once
    xs = xt.numpy()
    lens = None if lengths is None else np.asarray(lengths)
    attr = np.zeros_like(xs)
    delta = np.zeros(n, np.float32)
    gap = np.full(n, np.inf)
    steps = np.zeros(n, np.int64)
    todo = np.arange(n)
    k = int(start_steps)
    rounds = max(1, int(np.floor(np.log2(max_steps / start_steps))) + 1)
    for r in range(rounds):
        a, d = integrated_gradients(
            model,
            xs[todo],
            targets[todo],
            lengths=None if lens is None else lens[todo],
            baseline=base[todo],
            n_steps=k,
            integration=integration,
            batch_size=batch_size,
            progress=sub_progress(progress, r / rounds, (r + 1) / rounds),
            return_delta=True,
        )
        attr[todo], delta[todo], steps[todo] = a, d, k
        change = a.sum(axis=(1, 2), dtype=np.float64) - d  # f(x) - f(b)
        abs_gap = np.abs(d).astype(np.float64)
        gap[todo] = abs_gap / np.maximum(np.abs(change), np.finfo(np.float32).tiny)
        ok = (gap[todo] <= tolerance) | (abs_gap <= GAP_FLOOR)
        todo = todo[~ok]
        if len(todo) == 0 or 2 * k > max_steps:
            break
        k *= 2
    report(progress, 1.0)
    converged = np.ones(n, bool)
    converged[todo] = False
    return AdaptiveIG(attr, delta, gap, steps, converged)


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
