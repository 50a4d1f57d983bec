"""The attention LSTM of ALSTM-FCN / MALSTM-FCN (Karim et al. 2017, after Bahdanau et al. 2015).

At every step ``t`` the cell scores each of the ``S`` input steps against its previous hidden
state, ``e[t, j] = v · tanh(U x_j + b + W h_{t-1})``, turns the scores into attention weights
``α[t] = softmax_j e[t, j]`` and reads the context vector ``c_t = Σ_j α[t, j] x_j``. The context
feeds every gate, next to the step's own input and the previous hidden state:

    gates = W_x x_t + W_h h_{t-1} + W_c c_t + bias      (i, f, g, o)

This is the cell of the papers' Keras ``AttentionLSTM`` (with the logistic sigmoid on the gates
rather than Keras 2's hard sigmoid). ``α`` for all steps is the alignment matrix ``(S, S)``.

The module holds the weights and computes the projections that do not depend on ``h``; the loop
over time is :class:`~lstmfcn.models.attention_recurrence.AttentionRecurrence`, one autograd node
with a hand-written backward (tested against these equations written out with autograd).
"""

from __future__ import annotations

import torch
from torch import nn

from .attention_recurrence import AttentionRecurrence


class AttentionLSTM(nn.Module):
    """One-layer LSTM whose gates also read an attention context over the whole input sequence.

    Args:
        input_size: features per step ``F``.
        hidden_size: hidden units ``H``; the attention's inner size is ``H`` too, as in the papers.
        gate_slope: None for the logistic sigmoid on the gates; else Keras' hard sigmoid
            ``clip(slope·x + 0.5, 0, 1)`` (0.2 in Keras 2, the authors' layer's default; 1/6 in Keras 3).
    """

    def __init__(self, input_size: int, hidden_size: int, gate_slope: float | None = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        #: None: sigmoid gates; else Keras' hard sigmoid of this slope (the authors' Keras 2 layer's default).
        self.gate_slope = gate_slope
        self.input_gates = nn.Linear(input_size, 4 * hidden_size)
        self.hidden_gates = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        self.context_gates = nn.Linear(input_size, 4 * hidden_size, bias=False)
        self.att_input = nn.Linear(input_size, hidden_size)
        self.att_hidden = nn.Linear(hidden_size, hidden_size, bias=False)
        self.att_score = nn.Linear(hidden_size, 1, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keras' LSTM initialisation: Glorot for inputs, orthogonal recurrence, forget bias 1."""
        for lin in (self.input_gates, self.context_gates, self.att_input, self.att_hidden, self.att_score):
            nn.init.xavier_uniform_(lin.weight)
        for k in range(4):
            nn.init.orthogonal_(self.hidden_gates.weight[k * self.hidden_size : (k + 1) * self.hidden_size])
        nn.init.zeros_(self.input_gates.bias)
        nn.init.ones_(self.input_gates.bias[self.hidden_size : 2 * self.hidden_size])
        nn.init.zeros_(self.att_input.bias)

    def forward(
        self, seq: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run the cell over a sequence.

        Args:
            seq: ``(B, S, F)`` input steps.
            mask: ``(B, S)`` bool, True on valid steps, or None. Padded steps get no attention and
                do not update the state, so the final state is the one after the last valid step.

        Returns:
            ``h``: ``(B, H)`` final hidden state; ``alphas``: ``(B, S, S)`` attention weights,
            row ``t`` over the ``S`` input steps; ``contexts``: ``(B, S, F)`` context vectors.
        """
        # softmax is shift-invariant and v·tanh(z) = 2v·σ(2z) − Σv, so scoring with 2v·σ(2z)
        # gives the same α. On the CPU torch's sigmoid is vectorised and tanh is not (10× slower
        # at (32, 1024, 8)), and this (B, S, H) map is the loop's cost: O(S²) over the sequence.
        keys = 2 * self.att_input(seq)  # (B, S, H): 2·(U x_j + b), the same at every step
        score = 2 * self.att_score.weight.squeeze(0)  # (H,)
        # One matmul per step for both uses of h: the gates' W_h and the attention's W.
        w_h = torch.cat([self.hidden_gates.weight, 2 * self.att_hidden.weight])  # (5H, H)
        x_gates = self.input_gates(seq)  # (B, S, 4H), the same at every step
        inputs = (keys, x_gates, seq, w_h, self.context_gates.weight, score)
        device = seq.device.type
        if not torch.is_autocast_enabled(device):
            return AttentionRecurrence.apply(*inputs, mask, self.gate_slope)
        # Mixed precision: the projections above ran in low precision; the recurrence, written
        # with explicit kernels, runs in the weights' precision on one dtype throughout.
        dtype = self.hidden_gates.weight.dtype
        with torch.autocast(device, enabled=False):
            return AttentionRecurrence.apply(*(x.to(dtype) for x in inputs), mask, self.gate_slope)
