"""A one-layer LSTM whose gates are Keras' hard sigmoid: the LSTM of the authors' Keras 2 models.

Keras 2 before 2.3 made every LSTM with ``recurrent_activation="hard_sigmoid"``, so the weights the
LSTM-FCN authors published (and any model trained with that Keras) expect
``σ_hard(x) = clip(slope · x + 0.5, 0, 1)`` on the input, forget and output gates: slope 0.2 in
Keras 2, 1/6 in Keras 3 (``relu6(x + 3) / 6``). ``nn.LSTM`` has only the logistic sigmoid, so this
cell is written out, step by step; it reads few steps (``V`` with the dimension shuffle), and
autograd gives the explanations' gradients. Its parameters carry ``nn.LSTM``'s names and layout
(gates i, f, g, o), so the same mapping and initialisation apply.
"""

from __future__ import annotations

import torch
from torch import nn

#: Slope of the hard sigmoid of each gate activation name (see :class:`~lstmfcn.models.ModelConfig`).
HARD_SLOPES = {"hard_sigmoid_keras2": 0.2, "hard_sigmoid_keras3": 1 / 6}


class HardGateLSTM(nn.Module):
    """One-layer, one-direction LSTM with hard-sigmoid gates.

    Args:
        input_size: features per step ``F``; hidden_size: units ``H``.
        gates: a key of :data:`HARD_SLOPES`.
    """

    num_layers, bidirectional = 1, False  # what the shared Keras initialisation asks of an LSTM

    def __init__(self, input_size: int, hidden_size: int, gates: str) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.slope = input_size, hidden_size, HARD_SLOPES[gates]
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, seq: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``seq`` ``(B, S, F)``, ``mask`` ``(B, S)`` bool of valid steps or None → final ``h`` ``(B, H)``.

        A padded step leaves the state as it was, so ``h`` is the state after the last valid step
        (as Keras' masking and ``pack_padded_sequence`` give it).
        """
        H = self.hidden_size
        x_gates = torch.addmm(self.bias_ih_l0 + self.bias_hh_l0, seq.flatten(0, 1), self.weight_ih_l0.t())
        x_gates = x_gates.view(seq.shape[0], seq.shape[1], 4 * H)  # (B, S, 4H): the part that needs no h
        h = seq.new_zeros(seq.shape[0], H)
        c = seq.new_zeros(seq.shape[0], H)
        for t in range(seq.shape[1]):
            gates = torch.addmm(x_gates[:, t], h, self.weight_hh_l0.t())  # (B, 4H)
            i, f, g, o = gates.split(H, dim=1)
            i, f, o = (torch.clamp(self.slope * z + 0.5, 0.0, 1.0) for z in (i, f, o))
            c_new = f * c + i * torch.tanh(g)
            h_new = o * torch.tanh(c_new)
            if mask is None:
                h, c = h_new, c_new
            else:
                keep = mask[:, t : t + 1]
                h, c = torch.where(keep, h_new, h), torch.where(keep, c_new, c)
        return h
