"""The model's probabilities along chains of copies that each differ from the one before in a few steps.

A deletion or insertion curve (:mod:`.faithfulness`) is such a chain: copy ``j + 1`` replaces the
next ``1/S`` of the ranked steps of copy ``j``, and every other step is as before. A convolution's
output at step ``t`` reads only the steps ``t - a … t + b`` of its input (kernel ``k = a + b + 1``),
so after a few steps change, only the outputs within reach of them change: for GunPoint
(``T = 150``, kernels 8, 5, 3, 20 fractions) about a fifth of the conv branch's outputs per copy
instead of all of them. Those are recomputed, each as one row of a matrix product of the block's
(BatchNorm-folded) weights with the window it reads; the rest are kept from the previous copy.
Global average pooling, the LSTM branch (cheap: with the dimension shuffle it reads ``V`` steps)
and the head run on every copy in full.

The result is the same function as the model's forward pass, up to float rounding (a matrix product
adds the products in another order than the convolution; differences ~1e-7 in probability).

It holds only without squeeze-and-excite (LSTM-FCN, ALSTM-FCN): an SE block rescales every
channel by a mean over all steps, so one changed step changes every later output.
:func:`applies` says whether a model qualifies; otherwise the caller runs whole forward passes.
"""

from __future__ import annotations

import torch
from torch import nn

from ..models.lstm_fcn import LSTMFCN, ConvBlock
from ..models.masking import length_mask

#: Floats of conv-branch state kept per group of chains (each chain keeps its copy's input and
#: the three blocks' outputs): 2**25 floats = 128 MiB.
STATE_FLOATS = 2**25


def applies(net: nn.Module, device: torch.device) -> bool:
    """Whether :func:`chain_probabilities` computes ``net``'s forward pass: an LSTM-FCN family model
    in eval mode without squeeze-and-excite, on the CPU (a GPU runs whole batches faster than
    gathered windows)."""
    return (
        isinstance(net, LSTMFCN)
        and device.type == "cpu"
        and net.se1 is None
        and net.se2 is None
        and not net.training
        and all(isinstance(b, ConvBlock) and not b.bn.training for b in (net.block1, net.block2, net.block3))
    )


def chains_per_group(net: LSTMFCN, total: int) -> int:
    """How many chains one group carries, from :data:`STATE_FLOATS`."""
    cfg = net.config
    per_chain = (cfg.n_vars + sum(cfg.filters)) * (total + max(cfg.kernels))
    return max(1, STATE_FLOATS // per_chain)


def _folded(block: ConvBlock) -> tuple[torch.Tensor, torch.Tensor]:
    """``(C_out, C_in·k)`` weights and ``(C_out,)`` bias of the block's conv with BatchNorm folded in,
    formed as :meth:`ConvBlock._folded_conv` forms them."""
    scale = block.bn.weight * torch.rsqrt(block.bn.running_var + block.bn.eps)
    weight = block.conv.weight * scale[:, None, None]
    bias = (block.conv.bias - block.bn.running_mean) * scale + block.bn.bias
    return weight.reshape(weight.shape[0], -1), bias


def _reach(changed: torch.Tensor, pad: tuple[int, int]) -> torch.Tensor:
    """``(B, T)`` outputs of a conv with ``pad = (a, b)`` that read a changed input step."""
    a, b = pad
    k = a + b + 1
    if k == 1:
        return changed
    f = nn.functional.pad(changed[:, None].float(), (a, b))
    return nn.functional.max_pool1d(f, k, stride=1)[:, 0] > 0


@torch.no_grad()
def chain_probabilities(
    net: LSTMFCN,
    x: torch.Tensor,
    base: torch.Tensor,
    selectors: torch.Tensor,
    target: torch.Tensor,
    lengths: torch.Tensor | None,
    progress=None,
    *,
    logits: bool = False,
) -> torch.Tensor:
    """Target-class probabilities (or with ``logits``, logits) of ``B`` chains of ``L`` copies, copy ``j`` of chain ``c`` being
    ``where(selectors[c, j], base[c], x[c])``.

    Args:
        net: a model :func:`applies` to.
        x, base: ``(B, V, T)`` each chain's series and what its selected steps become.
        selectors: ``(B, L, T)`` bool, True where copy ``j`` takes the baseline.
        target: ``(B,)`` class whose probability is returned.
        lengths: ``(B,)`` valid steps or None.
        progress: called with the share of copies done after each copy index ``j``.

    Returns:
        ``(B, L)`` float32 probabilities, equal to ``softmax(net(copy))[target]`` up to rounding.
    """
    n_chains, n_vars, total = x.shape
    blocks = (net.block1, net.block2, net.block3)
    pads = [b.pad for b in blocks]
    kernels = [a + b + 1 for a, b in pads]
    params = [_folded(b) for b in blocks]
    mask = length_mask(lengths, total)
    keep = None if mask is None else mask.to(x.dtype)  # (B, T)
    widths = (n_vars, *net.config.filters)

    # The state the previous copy left, updated in place where the new copy differs: each block's
    # input, zero-padded as its conv pads, and the last block's output. Time-major ((B, T, C) as
    # (B·T, C) rows) so that a window is k whole rows, gathered and scattered by row index.
    spans = [total + k - 1 for k in kernels] + [total]
    state = [torch.zeros(n_chains * span, c, dtype=x.dtype) for span, c in zip(spans, widths, strict=True)]
    offsets = [a for a, _ in pads] + [0]

    def interior(i: int) -> torch.Tensor:  # (B, T, C) view of the unpadded steps
        return state[i].view(n_chains, spans[i], -1)[:, offsets[i] : offsets[i] + total]

    sel = selectors[:, 0]
    copy = torch.where(sel[:, None, :], base, x)
    interior(0).copy_(copy.transpose(1, 2))
    # The first copy in full, as the model computes it, once per distinct copy (a curve starts from
    # the series or from the baseline, whatever the ordering).
    key = (
        copy.reshape(n_chains, -1) if lengths is None else torch.cat([copy.reshape(n_chains, -1), lengths[:, None]], 1)
    )
    distinct, which = torch.unique(key, dim=0, return_inverse=True)
    chains = torch.arange(n_chains)
    firsts = torch.full((len(distinct),), n_chains).scatter_reduce_(0, which, chains, "amin")  # a chain holding each
    outputs = net.conv_block_outputs(copy[firsts], None if lengths is None else lengths[firsts])
    for i, h in enumerate(outputs, start=1):
        interior(i).copy_(h[which].transpose(1, 2))
    # (C_out, k·C_in): the window's rows are time steps, each holding every input channel.
    mats = [
        w.reshape(w.shape[0], c, k).transpose(1, 2).reshape(w.shape[0], -1)
        for (w, _), c, k in zip(params, widths[:3], kernels, strict=True)
    ]
    probs = torch.empty(n_chains, selectors.shape[1], dtype=torch.float32)

    def probability(j: int) -> None:
        h = interior(3)  # (B, T, C)
        pooled = (
            h.mean(dim=1) if keep is None else (h * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True).clamp_min(1.0)
        )
        # The head is linear: the LSTM branch's share plus the pooled conv features' share and the bias.
        lstm_share = net.branch_logits(copy, lengths, branch="lstm")
        out = torch.addmm(lstm_share + net.head.bias, pooled, net.head_conv_weight.t()).float()
        probs[:, j] = (out if logits else torch.softmax(out, dim=1)).gather(1, target[:, None])[:, 0]

    probability(0)
    n_copies = selectors.shape[1]
    for j in range(1, n_copies):
        new = selectors[:, j]
        changed = new != sel
        sel = new
        copy = torch.where(sel[:, None, :], base, x)
        interior(0).copy_(copy.transpose(1, 2))
        for i, (pad, k, (_, bias), mat) in enumerate(zip(pads, kernels, params, mats, strict=True)):
            changed = _reach(changed, pad)
            rows, at = changed.nonzero(as_tuple=True)
            if len(rows) == 0:
                break
            first_row = rows * spans[i] + at  # the window of output step t starts at padded step t
            windows = state[i].index_select(0, (first_row[:, None] + torch.arange(k)).reshape(-1))  # (P·k, C_in)
            out = torch.relu(torch.addmm(bias, windows.view(len(rows), -1), mat.t()))  # (P, C_out)
            if keep is not None:
                out = out * keep[rows, at, None]
            state[i + 1].index_copy_(0, rows * spans[i + 1] + at + offsets[i + 1], out)
        probability(j)
        if progress is not None:
            progress((j + 1) / n_copies)
    return probs
