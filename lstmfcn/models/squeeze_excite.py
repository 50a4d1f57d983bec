"""Squeeze-and-excite block of MLSTM-FCN (Hu et al. 2018; Karim et al. 2018)."""

from __future__ import annotations

import torch
from torch import nn

from .masking import masked_mean


class SqueezeExcite1d(nn.Module):
    """Rescale each channel by a gate computed from the channel's mean over time.

    As in the MLSTM-FCN reference: Dense(C/r, ReLU) → Dense(C, sigmoid), both without bias.

    Args:
        channels: number of channels ``C``.
        reduction: ratio ``r`` (16 in the paper); the bottleneck has ``max(1, C // r)`` units.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.squeeze = nn.Linear(channels, hidden, bias=False)
        self.excite = nn.Linear(hidden, channels, bias=False)
        # On the meta device (shapes only: checkpoint_checks) there is nothing to draw, and normal_
        # there imports torch._dynamo: seconds of a cold start.
        if not self.squeeze.weight.is_meta:
            nn.init.kaiming_normal_(self.squeeze.weight)
            nn.init.kaiming_normal_(self.excite.weight)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x``: ``(B, C, T)``; ``mask``: ``(B, T)`` bool of valid steps or None → ``(B, C, T)``."""
        pooled = masked_mean(x, mask)  # (B, C)
        gate = torch.sigmoid(self.excite(torch.relu(self.squeeze(pooled))))  # (B, C)
        return x * gate.unsqueeze(-1)
