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

from collections.abc import Callable, Iterator

import torch
from torch import nn


def logit_gradient(
    net: nn.Module,
    points: torch.Tensor,
    target: torch.Tensor,
    lengths: torch.Tensor | None,
    conv_passes: Callable[[int], Iterator[slice]],
) -> torch.Tensor:
    """``∂ logit[target] / ∂ points`` ``(P, V, T)`` for ``points`` ``(P, V, T)`` and ``target`` ``(P,)``.

    The LSTM branch runs all ``P`` series in one pass; the conv branch in the slices
    ``conv_passes(P)`` yields (each slice's work is done before the next is asked for, so a
    calibrating plan times it).
    """
    grad = _branch_gradient(net, points, target, lengths, "lstm")
    for sl in conv_passes(len(points)):
        grad[sl] += _branch_gradient(net, points[sl], target[sl], None if lengths is None else lengths[sl], "conv")
    return grad


def _branch_gradient(
    net: nn.Module, points: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor | None, branch: str
) -> torch.Tensor:
    with torch.enable_grad():
        p = points.detach().requires_grad_(True)
        share = net.branch_logits(p, lengths, branch=branch)  # (P, K)
        (g,) = torch.autograd.grad(share.gather(1, target[:, None]).sum(), p)
    return g
