"""Integrated Gradients (Sundararajan et al. 2017) with a fixed or an adaptive number of points.

:func:`integrated_gradients` follows the calling convention of :mod:`.attributions`
(``f(model, x (N, V, T), target, *, lengths=None, …) -> (N, V, T)``); with ``tolerance`` each
sample's points double until its completeness gap is small enough (:func:`adaptive_integrated_gradients`;
with Clenshaw-Curtis points, only the new points are computed). :data:`ADAPTIVE_IG` is the
dashboard's default. The logit's input gradient is taken one branch at a time
(:mod:`.branch_gradients`), the same numbers as Captum's estimator to float rounding, faster.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import nn

from ..device import model_device
from ..errors import UserInputError
from ..pass_size import SPLIT_STEPS, BranchPlan, branch_plan, lstm_steps
from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    as_target,
    attribute_in_batches,
    gradient_model,
    inference_model,
    make_baseline,
    report,
    sub_progress,
    zero_padding,
)
from .branch_gradients import branch_gradient, logit_gradient
from .quadrature import NESTED_RULES, RULES, clenshaw_curtis, quadrature

#: Captum's integration rules for Integrated Gradients (``integration=``; :mod:`.quadrature`). Ours
#: also takes :data:`~.quadrature.NESTED_RULES` (Clenshaw-Curtis), whose points nest: adaptive mode
#: then computes only the new points when it doubles.
IG_RULES = RULES

#: The adaptive rule the dashboard uses by default: Clenshaw-Curtis from 9 points, the intervals
#: doubled per sample until the completeness gap is at most 1 % of |f(x) - f(baseline)|. Over the
#: GunPoint and BasicMotions test splits it reaches that gap with fewer gradients than Captum's
#: default 50-point Gauss-Legendre call, which misses it for some samples (docs/performance.md).
ADAPTIVE_IG = {"integration": "clenshaw_curtis", "tolerance": 0.01, "n_steps": 9, "max_steps": 1024}


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
            left, right or middle point of each interval, or the trapezoid rule) or
            ``"clenshaw_curtis"`` (nested points; the dashboard's adaptive default, :data:`ADAPTIVE_IG`).
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
    if integration not in IG_RULES + NESTED_RULES:
        raise UserInputError(
            f"unknown integration rule {integration!r}; choose one of {', '.join(IG_RULES + NESTED_RULES)}"
        )
    if int(n_steps) < 1:
        raise UserInputError(f"n_steps must be at least 1, got {n_steps}")


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

    With a nested rule (``"clenshaw_curtis"``) a round doubles the intervals, ``k`` points →
    ``2k - 1``, and computes only the ``k - 1`` new points, keeping the gradients at the old ones:
    a sample that ends with ``k`` points cost ``k`` gradients, not the ``2k`` of restarting rules.
    ``f(x)`` and ``f(b)`` are computed once, and each round runs only the samples not yet within
    the tolerance, together in shared passes.
    """
    if tolerance <= 0:
        raise UserInputError(f"tolerance must be positive (a relative gap such as 0.01), got {tolerance}")
    _check_rule(integration, start_steps)
    if max_steps < start_steps:
        raise UserInputError(f"max_steps ({max_steps}) must be at least start_steps ({start_steps})")
    if integration in NESTED_RULES:
        return _nested_adaptive_ig(
            model, x, target, lengths, baseline, blur_sigma, tolerance, start_steps, max_steps, batch_size, progress
        )
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


def _nested_adaptive_ig(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    lengths: ArrayLike | None,
    baseline: str | ArrayLike,
    blur_sigma: float | None,
    tolerance: float,
    start_steps: int,
    max_steps: int,
    batch_size: int | None,
    progress: Progress | None,
) -> AdaptiveIG:
    """Adaptive IG with Clenshaw-Curtis points: each round adds the new level's odd nodes only.

    Round ``r`` holds the points of ``m·2^r`` intervals (``m = start_steps - 1``); the gradients of
    earlier rounds are kept per sample (``(n, points, V, T)`` floats for the samples still going)
    and reweighted with the new level's weights.

    IG is linear in the logit and the logit is the sum of the LSTM branch's and the conv branch's
    shares (:meth:`~lstmfcn.models.LSTMFCN.branch_logits`), so where the LSTM reads many steps
    (attention over time: as costly a pass as the convolutions) each branch is integrated on its
    own: a branch stops being refined for a sample once its own gap is within half the tolerance
    (the two gaps then add up to at most the tolerance), and the sample stops once the gap of the
    sum is within it. The LSTM branch's share of the logit is small and smooth along the path, so
    it usually stops after the first round.
    """
    if int(start_steps) < 2:
        raise UserInputError(f"Clenshaw-Curtis needs at least 2 points, got {start_steps}")
    if len(x) > NESTED_BLOCK:  # the kept gradients grow with the samples: a block at a time
        return _in_blocks(
            model, x, target, lengths, baseline, blur_sigma, tolerance, start_steps, max_steps, batch_size, progress
        )
    net = inference_model(model) if model_device(model).type == "cpu" else gradient_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, v, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    tt = as_target(target, n, net.config.n_classes).to(device)
    base = make_baseline(xt, baseline, lt, blur_sigma=blur_sigma)
    diff = xt - base
    branches = ("lstm", "conv") if lstm_steps(net, total) > SPLIT_STEPS else (None,)
    change = {b: _logit_change(net, xt, base, tt, lt, b) for b in branches}  # (n,) float64 each, once
    whole = sum(change.values())
    scale = np.maximum(np.abs(whole), np.finfo(np.float32).tiny)
    m0 = int(start_steps) - 1
    rounds = max(1, int(np.floor(np.log2((max_steps - 1) / m0))) + 1)
    est = {b: torch.zeros_like(xt) for b in branches}  # each branch's Σ w·gradient so far
    err = {b: np.zeros(n) for b in branches}  # each branch's Σ attr - its f(x) - f(b)
    active = {b: np.arange(n) for b in branches}
    kept: dict = {b: [] for b in branches}  # per round: level-r indices of its nodes, gradients
    steps = np.zeros(n, np.int64)
    for r in range(rounds):
        m = m0 * 2**r
        new = np.arange(m + 1) if r == 0 else np.arange(1, m, 2)  # node j of level r: (1 - cos(πj/m)) / 2
        alphas = (1 - np.cos(np.pi * new / m)) / 2
        weights, _ = clenshaw_curtis(m)
        for j, b in enumerate(branches):
            rows = active[b]
            if len(rows) == 0:
                continue
            part = sub_progress(progress, (r + j / len(branches)) / rounds, (r + (j + 1) / len(branches)) / rounds)
            grads = _path_gradients(net, xt, base, tt, lt, rows, alphas, b, batch_size, part)
            kept[b] = [(2 * i, g) for i, g in kept[b]] + [(new, grads)]  # old nodes' indices at the finer level
            est[b][rows] = sum(
                torch.einsum("k,nkvt->nvt", torch.as_tensor(weights[i], dtype=g.dtype, device=device), g)
                for i, g in kept[b]
            )
            sums = (est[b][rows] * diff[rows]).reshape(len(rows), -1).sum(1)
            err[b][rows] = sums.double().cpu().numpy() - change[b][rows]
            steps[rows] = np.maximum(steps[rows], m + 1)
        gap_all = np.abs(sum(err.values()))
        done = (gap_all <= tolerance * scale) | (gap_all <= GAP_FLOOR)
        for b in branches:
            own = np.abs(err[b][active[b]])
            stay = ~done[active[b]] & (own > (tolerance / len(branches)) * scale[active[b]])
            active[b] = active[b][stay]
            keep = torch.as_tensor(stay, device=device)
            kept[b] = [(i, g[keep]) for i, g in kept[b]]
        if all(len(a) == 0 for a in active.values()) or 2 * m + 1 > max_steps:
            break
    report(progress, 1.0)
    attr = sum(est.values()) * diff
    delta = attr.reshape(n, -1).sum(1).double().cpu().numpy() - whole
    gap = np.abs(delta) / scale
    converged = (gap <= tolerance) | (np.abs(delta) <= GAP_FLOOR)
    out = zero_padding(attr.float().cpu().numpy(), lt)
    return AdaptiveIG(out, delta.astype(np.float32), gap, steps, converged)


#: Samples adaptive IG with nested points runs together: it keeps each one's gradients at every
#: point until the sample is done (``(samples, points, V, T)`` floats), so a big split runs in blocks.
NESTED_BLOCK = 512


def _in_blocks(
    model, x, target, lengths, baseline, blur_sigma, tolerance, start_steps, max_steps, batch_size, progress
) -> AdaptiveIG:
    """:func:`_nested_adaptive_ig` on blocks of :data:`NESTED_BLOCK` samples, each with its own baseline."""
    xt = as_input(x, torch.device("cpu"))
    n, _, total = xt.shape
    lt = as_lengths(lengths, n, total, torch.device("cpu"))
    base = make_baseline(xt, baseline, lt, blur_sigma=blur_sigma).numpy()  # each sample's own, fixed once
    targets = np.broadcast_to(np.asarray(target), (n,)).copy()
    lens = None if lengths is None else np.asarray(lengths)
    parts = [
        _nested_adaptive_ig(
            model,
            xt[s : s + NESTED_BLOCK],
            targets[s : s + NESTED_BLOCK],
            None if lens is None else lens[s : s + NESTED_BLOCK],
            base[s : s + NESTED_BLOCK],
            None,
            tolerance,
            start_steps,
            max_steps,
            batch_size,
            sub_progress(progress, s / n, min(s + NESTED_BLOCK, n) / n),
        )
        for s in range(0, n, NESTED_BLOCK)
    ]
    return AdaptiveIG(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(AdaptiveIG)))


def _logit_change(
    net: nn.Module,
    xt: torch.Tensor,
    base: torch.Tensor,
    tt: torch.Tensor,
    lt: torch.Tensor | None,
    branch: str | None,
) -> np.ndarray:
    """``f(x) - f(b)`` of the target logit (or of ``branch``'s share) ``(N,)``, float64, in passes of 256."""
    out = np.zeros(len(xt))
    with torch.no_grad():
        for s in range(0, len(xt), 256):
            sl = slice(s, s + 256)
            b = len(xt[sl])
            both, lens = torch.cat([xt[sl], base[sl]]), None if lt is None else lt[sl].repeat(2)
            ends = net(both, lens) if branch is None else net.branch_logits(both, lens, branch=branch)
            f = ends.gather(1, tt[sl].repeat(2)[:, None])[:, 0].double().cpu().numpy()
            out[sl] = f[:b] - f[b:]
    return out


def _path_gradients(
    net: nn.Module,
    xt: torch.Tensor,
    base: torch.Tensor,
    tt: torch.Tensor,
    lt: torch.Tensor | None,
    rows: np.ndarray,
    alphas: np.ndarray,
    branch: str | None,
    batch_size: int | None,
    progress: Progress | None,
) -> torch.Tensor:
    """``∂ logit / ∂x`` (``branch``'s share; None: the whole logit) at ``b + α (x - b)`` for samples
    ``rows`` and each ``α``: ``(len(rows), k, V, T)``.

    The samples run together in passes of the sizes :func:`~lstmfcn.pass_size.branch_plan` gives,
    each pass holding ``k`` points of each of its samples.
    """
    k, (_, v, total) = len(alphas), xt.shape
    plan = branch_plan(net, v, total, expansion=k, batch_size=batch_size)
    out = torch.empty((len(rows), k, v, total), dtype=xt.dtype, device=xt.device)
    for sl in plan.samples(len(rows)):
        idx = torch.as_tensor(rows[sl], device=xt.device)
        xb, bb, tb = xt[idx], base[idx], tt[idx]
        lb = None if lt is None else lt[idx]
        with torch.no_grad():
            points = torch.cat([bb + float(a) * (xb - bb) for a in alphas])  # (k·B, V, T), step-major
        lrep = None if lb is None else lb.repeat(k)
        grads = branch_gradient(net, points, tb.repeat(k), lrep, plan, branch)
        out[sl] = grads.view(k, len(idx), v, total).transpose(0, 1)
        report(progress, sl.stop / len(rows))
    return out
