"""LSTM-FCN, ALSTM-FCN, MLSTM-FCN and MALSTM-FCN in one module (Karim et al. 2017, 2018).

    x (B, V, T) ─┬─ [dimension shuffle] → LSTM or attention LSTM → dropout 0.8 ─┐
                 └─ conv 128/8 → [SE] → conv 256/5 → [SE] → conv 128/3 → GAP ────┴─ concat → Linear → logits

Each conv block is Conv1d(padding="same") → BatchNorm → ReLU, so every feature map has length
``T`` and lines up with the input samples (class activation maps need that). In eval mode the
BatchNorm is folded into the convolution (the same function, one layer fewer to run).

Padded variable-length input: pass ``lengths`` ``(B,)``. Every conv block's output is zeroed on
the padded steps, so the next block sees exactly the zeros its "same" padding would give the
unpadded series; padded steps are left out of global average pooling and the squeeze-and-excite
means, get no attention, and do not update the LSTM state when it reads time steps (shuffle off,
``pack_padded_sequence``). In eval mode a padded series therefore gets the same logits as the
series alone (tested) — stricter than the papers' Keras masking, which the conv branch ignored.
With the shuffle on the LSTM reads the zero-padded series as ``T`` features, as in the papers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .attention_lstm import AttentionLSTM
from .config import ModelConfig
from .hard_gate_lstm import HARD_SLOPES, HardGateLSTM
from .masking import length_mask, masked_mean
from .squeeze_excite import SqueezeExcite1d


class ConvBlock(nn.Module):
    """Conv1d(padding="same") → BatchNorm1d → ReLU: ``(B, C_in, T)`` → ``(B, C_out, T)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, eps: float, momentum: float) -> None:
        super().__init__()
        # Keras' "same" padding: (k - 1) // 2 zeros before, the rest after. Padding explicitly
        # avoids the extra copy PyTorch's padding="same" makes for even kernels.
        self.pad = ((kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2)
        self.conv = nn.Conv1d(in_channels, out_channels, kernel)
        self.bn = nn.BatchNorm1d(out_channels, eps=eps, momentum=momentum)
        self.relu = nn.ReLU()
        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")  # Keras he_uniform
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bn.training:  # batch statistics: the layers as they are
            return self.relu(self.bn(self.conv(nn.functional.pad(x, self.pad))))
        return self.relu(self._folded_conv(x))

    def _folded_conv(self, x: torch.Tensor) -> torch.Tensor:
        """Conv → BatchNorm with running statistics, as one convolution.

        ``BN(W * x + b) = (γ/σ)·W * x + (γ/σ)·(b − μ) + β`` with ``σ = √(var + ε)``: the same
        function up to float rounding, and in eval mode every caller (CAM, Captum, the gradient
        passes) sees this one. BatchNorm's backward and the explicit pad's (a zero-filled copy of
        the whole gradient) were a quarter of the conv branch's forward + input gradient at
        (32, 128-256, 150). A symmetric "same" padding (odd kernels) goes to the convolution
        itself, which pads without a copy. The folded weights are formed at each call (≈ 0.1 M
        multiplications), so they always follow the parameters.
        """
        scale = self.bn.weight * torch.rsqrt(self.bn.running_var + self.bn.eps)  # (C_out,)
        weight = self.conv.weight * scale[:, None, None]
        bias = (self.conv.bias - self.bn.running_mean) * scale + self.bn.bias
        before, after = self.pad
        if before == after:
            return nn.functional.conv1d(x, weight, bias, padding=before)
        return nn.functional.conv1d(nn.functional.pad(x, self.pad), weight, bias)


@dataclass
class ForwardDetails:
    """Everything one forward pass computes that an explanation needs.

    Attributes:
        logits: ``(B, K)``.
        conv_maps: ``(B, C, T)`` output of the last conv block (after BN and ReLU), padded steps zeroed.
        lstm_features: ``(B, H)`` LSTM branch output (after dropout, i.e. as the head sees it).
        mask: ``(B, T)`` bool of valid steps, or None for equal-length input.
        attention: ``(B, S, S)`` attention weights (row = step, column = attended input step), or None.
        contexts: ``(B, S, F)`` context vectors, or None.
    """

    logits: torch.Tensor
    conv_maps: torch.Tensor
    lstm_features: torch.Tensor
    mask: torch.Tensor | None
    attention: torch.Tensor | None = None
    contexts: torch.Tensor | None = None


class LSTMFCN(nn.Module):
    """The LSTM-FCN family; which member is set by ``config.arch``.

    Args:
        config: the architecture's hyperparameters (:class:`ModelConfig`).

    Example:
        >>> model = LSTMFCN(ModelConfig("lstmfcn", n_vars=1, length=150, n_classes=2))
        >>> model(torch.randn(4, 1, 150)).shape
        torch.Size([4, 2])
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        #: The checkpoint's metadata (classes, preprocessing, dataset, training) once loaded or
        #: trained; empty for a network built in code.
        self.metadata: dict = {}
        cfg = config
        f1, f2, f3 = cfg.filters
        k1, k2, k3 = cfg.kernels
        self.block1 = ConvBlock(cfg.n_vars, f1, k1, cfg.bn_eps, cfg.bn_momentum)
        self.block2 = ConvBlock(f1, f2, k2, cfg.bn_eps, cfg.bn_momentum)
        self.block3 = ConvBlock(f2, f3, k3, cfg.bn_eps, cfg.bn_momentum)
        self.se1 = SqueezeExcite1d(f1, cfg.se_reduction) if cfg.squeeze_excite else None
        self.se2 = SqueezeExcite1d(f2, cfg.se_reduction) if cfg.squeeze_excite else None

        lstm_input = cfg.length if cfg.shuffle else cfg.n_vars
        if cfg.attention:
            self.lstm: nn.Module = AttentionLSTM(lstm_input, cfg.cells, HARD_SLOPES.get(cfg.lstm_gates))
        elif cfg.lstm_gates != "sigmoid":
            self.lstm = HardGateLSTM(lstm_input, cfg.cells, cfg.lstm_gates)
            _keras_lstm_init(self.lstm)
        else:
            self.lstm = nn.LSTM(
                lstm_input, cfg.cells, num_layers=cfg.lstm_layers, bidirectional=cfg.bidirectional, batch_first=True
            )
            _keras_lstm_init(self.lstm)
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.lstm_features + f3, cfg.n_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @property
    def last_conv(self) -> nn.Module:
        """The last conv block, whose output ``(B, C, T)`` class activation maps are made of."""
        return self.block3

    @property
    def head_conv_weight(self) -> torch.Tensor:
        """``(K, C)`` rows of the final Linear that act on the pooled conv features (not the LSTM's)."""
        return self.head.weight[:, self.config.lstm_features :]

    @property
    def head_lstm_weight(self) -> torch.Tensor:
        """``(K, H)`` rows of the final Linear that act on the LSTM branch (``H = 2 * cells`` when bidirectional)."""
        return self.head.weight[:, : self.config.lstm_features]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``x``: ``(B, V, T)``; ``lengths``: ``(B,)`` valid steps or None → logits ``(B, K)``."""
        return self.forward_details(x, lengths).logits

    def forward_details(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> ForwardDetails:
        """Forward pass that also returns the conv maps, LSTM features and attention."""
        mask = length_mask(lengths, x.shape[-1])
        lstm_features, attention, contexts = self._lstm_branch(x, lengths, mask)
        conv_maps = self._fcn_branch(x, mask)  # (B, C, T)
        pooled = masked_mean(conv_maps, mask)  # (B, C)
        logits = self.head(torch.cat([lstm_features, pooled], dim=1))  # (B, K)
        return ForwardDetails(logits, conv_maps, lstm_features, mask, attention, contexts)

    def branch_logits(self, x: torch.Tensor, lengths: torch.Tensor | None = None, *, branch: str) -> torch.Tensor:
        """One branch's share of the logits ``(B, K)``: ``"lstm"``: ``W_lstm · lstm(x)``; ``"conv"``:
        ``W_conv · GAP(fcn(x)) + bias``.

        The head is linear and in eval mode the branches share nothing but ``x`` (dropout is the
        identity), so the two shares add up to :meth:`forward`'s logits (up to float rounding) and
        their input gradients to the logits' input gradient: each branch can run in passes of the
        size that suits it (:mod:`lstmfcn.explain.branch_gradients`).
        """
        mask = length_mask(lengths, x.shape[-1])
        if branch == "lstm":
            return self._lstm_branch(x, lengths, mask)[0] @ self.head_lstm_weight.t()
        if branch == "conv":
            pooled = masked_mean(self._fcn_branch(x, mask), mask)  # (B, C)
            return torch.addmm(self.head.bias, pooled, self.head_conv_weight.t())
        raise ValueError(f"branch must be 'lstm' or 'conv', got {branch!r}")

    def conv_block_outputs(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, *, upto: int = 3
    ) -> list[torch.Tensor]:
        """Outputs ``(B, C_b, T)`` of conv blocks 1..``upto`` (after BN and ReLU, before
        squeeze-and-excite), padded steps zeroed: what the branch computes, without hooks.

        Nothing is registered on the model, so threads sharing it cannot see each other's values.
        """
        return self._conv_blocks(x, length_mask(lengths, x.shape[-1]), upto)

    def _fcn_branch(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self._conv_blocks(x, mask, 3)[-1]  # (B, C, T)

    def _conv_blocks(self, x: torch.Tensor, mask: torch.Tensor | None, upto: int) -> list[torch.Tensor]:
        keep = None if mask is None else mask.unsqueeze(1).to(x.dtype)  # (B, 1, T)
        outputs: list[torch.Tensor] = []
        h = x
        for block, se in ((self.block1, self.se1), (self.block2, self.se2), (self.block3, None))[:upto]:
            h = _zero_padding(block(h), keep)  # (B, C_b, T)
            outputs.append(h)
            if se is not None:
                h = se(h, mask)
        return outputs

    def _lstm_branch(
        self, x: torch.Tensor, lengths: torch.Tensor | None, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        # Shuffle on: V steps of T features (x as is). Off: T steps of V features.
        seq = x if self.config.shuffle else x.transpose(1, 2)  # (B, S, F)
        step_mask = None if self.config.shuffle else mask
        if isinstance(self.lstm, AttentionLSTM):
            h, attention, contexts = self.lstm(seq, step_mask)
            return self.dropout(h), attention, contexts
        if isinstance(self.lstm, HardGateLSTM):  # in the weights' precision, as the plain LSTM below
            with torch.autocast(seq.device.type, enabled=False):
                return self.dropout(self.lstm(seq.to(self.lstm.weight_ih_l0.dtype), step_mask)), None, None
        # In float32 even under autocast (train --amp): oneDNN has no bfloat16 LSTM on every CPU (an
        # AVX2 EPYC refuses it), and a cell of 8-128 units gains nothing from half precision.
        if torch.is_autocast_enabled(seq.device.type):  # the conv half's bfloat16 back to the weights' float32
            seq = seq.to(self.lstm.weight_ih_l0.dtype)
        with torch.autocast(seq.device.type, enabled=False):
            if step_mask is not None:
                packed = pack_padded_sequence(seq, lengths.cpu(), batch_first=True, enforce_sorted=False)
                out, (h_n, _) = self.lstm(packed)
            else:
                out, (h_n, _) = self.lstm(seq)
        return self.dropout(self._readout(out, h_n, lengths if step_mask is not None else None)), None, None

    def _readout(self, out, h_n: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """What the head reads of the plain LSTM ``(B, H)``, ``H = cells`` or ``2 * cells`` (see
        :class:`ModelConfig`'s ``lstm_readout``); ``out`` is the LSTM's output (packed where
        ``lengths`` is given), ``h_n`` its final states ``(layers * directions, B, cells)``."""
        if not self.config.bidirectional:
            return h_n[-1]  # the forward output at the last (valid) step is the final state
        forward = h_n[-2]  # the last layer's forward direction, after the last valid step
        if self.config.lstm_readout == "state":
            return torch.cat([forward, h_n[-1]], dim=1)
        # "last_step": the backward direction's output at the last valid step, after one step.
        if lengths is None:
            backward = out[:, -1, self.config.cells :]
        else:
            padded, _ = pad_packed_sequence(out, batch_first=True)  # (B, T_max, 2 * cells)
            last = (lengths.to(padded.device) - 1).view(-1, 1, 1).expand(-1, 1, padded.shape[-1])
            backward = padded.gather(1, last).squeeze(1)[:, self.config.cells :]
        return torch.cat([forward, backward], dim=1)


def _zero_padding(h: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
    return h if keep is None else h * keep


def _keras_lstm_init(lstm: nn.LSTM | HardGateLSTM) -> None:
    """Glorot input weights, orthogonal recurrent weights, forget-gate bias 1 (Keras defaults).

    Layer by layer, direction by direction, in the order of the one-layer model's random draws,
    so that seeded training of the papers' models is unchanged.
    """
    H = lstm.hidden_size
    for layer in range(lstm.num_layers):
        for suffix in ("", "_reverse")[: 2 if lstm.bidirectional else 1]:
            weight_ih, weight_hh, bias_ih, bias_hh = (
                getattr(lstm, f"{name}_l{layer}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            nn.init.xavier_uniform_(weight_ih)
            for k in range(4):
                nn.init.orthogonal_(weight_hh.data[k * H : (k + 1) * H])
            nn.init.zeros_(bias_ih)
            nn.init.zeros_(bias_hh)
            nn.init.ones_(bias_ih.data[H : 2 * H])


def build_model(config: ModelConfig) -> LSTMFCN:
    """A freshly initialised model for ``config``."""
    return LSTMFCN(config)
