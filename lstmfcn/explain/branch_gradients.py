"""The target logit's input gradient taken one branch at a time, each in passes of its own size.

``logits = W_lstm · lstm(x) + W_conv · GAP(fcn(x)) + bias``: the head is linear and in eval mode
the branches share nothing but ``x``, so ``∂logit_k/∂x`` is the sum of the two branches' input
gradients, exactly (:meth:`~lstmfcn.models.LSTMFCN.branch_logits`). What makes a pass fast
differs between them: the attention-over-time loop is bound by dispatch overhead and wants
hundreds of series a pass, the convolutions are compute-bound and slow down once a pass spills
the caches. Taking the gradient of the whole model in one pass size forces one compromise on both;
here each branch runs at its own (:func:`lstmfcn.pass_size.branch_plan`).
"""

from __future__ import annotations

import torch
from torch import nn

from ..pass_size import BranchPlan


def logit_gradient(
    net: nn.Module, points: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None, plan: BranchPlan
) -> torch.Tensor:
    """``∂ logit[target] / ∂ points`` ``(P, V, T)`` for ``points`` ``(P, V, T)`` and ``target`` ``(P,)``.

    With ``plan.split`` the LSTM branch runs all ``P`` series in one pass and the conv branch
    runs in the slices ``plan.conv(P)`` yields; otherwise the whole model runs in those slices
    (an LSTM over a few steps costs too little to be worth a pass of its own). Each slice's work
    is done before the next is asked for, so a calibrating plan times it.
    """
    if not plan.split:
        grad = torch.empty_like(points)
        for sl in plan.conv(len(points)):
            grad[sl] = _branch_gradient(net, points[sl], target[sl], None if lengths is None else lengths[sl], None)
        return grad
    grad = _branch_gradient(net, points, target, lengths, "lstm")
    for sl in plan.conv(len(points)):
        grad[sl] += _branch_gradient(net, points[sl], target[sl], None if lengths is None else lengths[sl], "conv")
    return grad


def branch_gradient(
    net: nn.Module,
    points: torch.Tensor,
    target: torch.Tensor,
    lengths: torch.Tensor | None,
    plan: BranchPlan,
    branch: str | None,
) -> torch.Tensor:
    """``∂ share[target] / ∂ points`` ``(P, V, T)`` of one branch's share of the logit (``"lstm"``:
    all ``P`` series in one pass; ``"conv"``: in the slices ``plan.conv(P)`` yields), or of the
    whole logit (``None``, in those slices). Adaptive IG integrates each branch on its own."""
    if branch == "lstm":
        return _branch_gradient(net, points, target, lengths, "lstm")
    grad = torch.empty_like(points)
    for sl in plan.conv(len(points)):
        grad[sl] = _branch_gradient(net, points[sl], target[sl], None if lengths is None else lengths[sl], branch)
    return grad


def _branch_gradient(
    net: nn.Module, points: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None, branch: str | None
) -> torch.Tensor:
    """The input gradient of ``branch``'s share of the target logit (``None``: of the whole logit)."""
    with torch.enable_grad():
        p = points.detach().requires_grad_(True)
        share = net(p, lengths) if branch is None else net.branch_logits(p, lengths, branch=branch)  # (P, K)
        (g,) = torch.autograd.grad(share.gather(1, target[:, None]).sum(), p)
    return g
