"""Floating-point work of one input-gradient pass, counted with torch's FlopCounterMode.

The counter sees convolutions and matrix products (the attention LSTM's included) but not the
fused kernels of torch's recurrent layers (``nn.LSTM``, and any other ``nn.RNNBase``: a GRU), which
are added analytically: ``2 · GH(F + H)`` per step forward for ``G`` gates (an LSTM's 4, a GRU's 3,
read from the layer's weights) and twice that backward (the gradients of its input and hidden state).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def _lstm_flops(model: nn.Module, n_vars: int, total: int) -> float:
    per_point = 0.0
    for m in model.modules():
        if isinstance(m, nn.RNNBase):  # a fused kernel the counter does not see
            steps = n_vars if model.config.shuffle else total
            gate_rows = m.weight_ih_l0.shape[0]  # G·H: 4H for an LSTM, 3H for a GRU
            per_point += 3 * steps * 2 * gate_rows * (m.input_size + m.hidden_size)
    return per_point


def gradient_flops(model: nn.Module, n_vars: int, total: int) -> tuple[float, float]:
    """``(forward, forward + input-gradient backward)`` FLOPs of one series ``(1, V, T)`` through ``model``.

    ``model`` should not require gradients for its parameters (the explanations' private copy),
    so that no weight gradient is counted.
    """
    x = torch.zeros(2, n_vars, total, requires_grad=True)
    with FlopCounterMode(display=False) as fwd:
        out = model(x)
    with FlopCounterMode(display=False) as bwd:
        torch.autograd.grad(out[:, 0].sum(), x)
    lstm = _lstm_flops(model, n_vars, total)
    f = fwd.get_total_flops() / 2 + lstm / 3
    return f, f + bwd.get_total_flops() / 2 + 2 * lstm / 3
