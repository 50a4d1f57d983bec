"""Valid-step masks for zero-padded, unequal-length series."""

from __future__ import annotations

import torch


def length_mask(lengths: torch.Tensor | None, total: int) -> torch.Tensor | None:
    """``(B, T)`` bool mask, True on the first ``lengths[b]`` steps; None when lengths is None."""
    if lengths is None:
        return None
    steps = torch.arange(total, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``x`` ``(B, C, T)`` over its valid steps → ``(B, C)``.

    Padding must not dilute global average pooling, so padded steps are excluded from both the
    sum and the count (without a mask every step counts, as in the papers).
    """
    if mask is None:
        return x.mean(dim=-1)
    m = mask.unsqueeze(1).to(x.dtype)  # (B, 1, T)
    return (x * m).sum(dim=-1) / m.sum(dim=-1).clamp_min(1.0)
