"""The attention LSTM's equations as the papers write them, step by step with autograd: the
reference the fast cell (:mod:`lstmfcn.models.attention_recurrence`) is checked against."""

from __future__ import annotations

import torch


def attention_lstm_by_the_equations(cell, seq, mask, gate=torch.sigmoid):
    """``(h, alphas, contexts)`` of ``cell`` on ``seq`` ``(B, S, F)``: tanh energies, separate
    matmuls, the context through ``W_c`` after averaging, masked attention and state updates;
    ``gate`` is the gates' activation (Keras' hard sigmoid for the authors' Keras 2 layer)."""
    p = dict(cell.named_parameters())
    B, S, _ = seq.shape
    h = c = seq.new_zeros(B, cell.hidden_size)
    keys = seq @ p["att_input.weight"].T + p["att_input.bias"]
    alphas, contexts = [], []
    for t in range(S):
        energy = torch.tanh(keys + (h @ p["att_hidden.weight"].T)[:, None]) @ p["att_score.weight"][0]
        if mask is not None:
            energy = energy.masked_fill(~mask, float("-inf"))
        alpha = torch.softmax(energy, -1)
        context = (alpha[:, :, None] * seq).sum(1)
        gates = seq[:, t] @ p["input_gates.weight"].T + p["input_gates.bias"]
        gates = gates + h @ p["hidden_gates.weight"].T + context @ p["context_gates.weight"].T
        i, f, g, o = gates.chunk(4, -1)
        c_new = gate(f) * c + gate(i) * torch.tanh(g)
        h_new = gate(o) * torch.tanh(c_new)
        if mask is not None:
            valid = mask[:, t : t + 1]
            h_new, c_new = torch.where(valid, h_new, h), torch.where(valid, c_new, c)
        h, c = h_new, c_new
        alphas.append(alpha)
        contexts.append(context)
    return h, torch.stack(alphas, 1), torch.stack(contexts, 1)
