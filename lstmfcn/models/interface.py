"""What explainers, pages and commands use of a model: the declared interface.

Every consumer of a model goes through these names and nothing else of its inside: a network that
provides them, with the documented shapes, is explained like :class:`~lstmfcn.models.LSTMFCN`
(imported models are LSTMFCNs: the importers map foreign weights onto it). Checked with
``isinstance(model, ExplainableModel)`` (names only; the shapes are the docstrings' contract).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch
    from torch import nn

    from .config import ModelConfig
    from .lstm_fcn import ForwardDetails


@runtime_checkable
class ExplainableModel(Protocol):
    """An LSTM-FCN-family classifier as the explainers see it; ``x`` is ``(B, V, T)``, ``lengths``
    ``(B,)`` valid steps or None.

    Attributes:
        config: its architecture (:class:`~lstmfcn.models.ModelConfig`; ``config.attention`` says
            whether it attends, ``config.shuffle`` over what).
        metadata: its checkpoint's metadata (classes, preprocessing, provenance).
        head: the final Linear on ``concat[LSTM features, pooled conv maps]``.
        block1, block2, block3: the conv blocks (Conv1d → BatchNorm → ReLU), whose filters the
            Filters page shows.
    """

    config: ModelConfig
    metadata: dict
    head: nn.Linear
    block1: nn.Module
    block2: nn.Module
    block3: nn.Module

    def __call__(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(B, K)``."""

    def forward_details(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> ForwardDetails:
        """Logits, last conv maps ``(B, C, T)``, LSTM features ``(B, H)``, mask, attention."""

    def branch_logits(self, x: torch.Tensor, lengths: torch.Tensor | None = None, *, branch: str) -> torch.Tensor:
        """One branch's share ``(B, K)`` of the logits (``"lstm"`` or ``"conv"``); the two add up to them."""

    def conv_block_outputs(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, *, upto: int = 3
    ) -> list[torch.Tensor]:
        """Outputs ``(B, C_b, T)`` of conv blocks 1..``upto``."""

    @property
    def last_conv(self) -> nn.Module:
        """The block whose output class activation maps are made of."""

    @property
    def head_conv_weight(self) -> torch.Tensor:
        """``(K, C)`` head rows on the pooled conv maps."""

    @property
    def head_lstm_weight(self) -> torch.Tensor:
        """``(K, H)`` head rows on the LSTM features."""
