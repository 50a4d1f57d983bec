"""sktime's ``LSTMFCNNetworkTorch`` (what ``LSTMFCNClassifierTorch`` trains) as :class:`~lstmfcn.models.LSTMFCN`.

sktime's network reads ``(N, T, V)``: its one-layer ``lstm`` reads ``T`` steps of ``V`` features
(no dimension shuffle) and the head reads ``h_n[-1]``; ``conv_layers`` (``Conv1d`` with bias,
``padding="same"``: PyTorch pads ``(k - 1) // 2`` before) → ``bn_layers`` (``BatchNorm1d``, eps
1e-5) → the hidden activation, which the weights do not store: the classifier builds ReLU
(``activation_hidden="ReLU"``), assumed here; ``fc`` reads ``[lstm, GAP(conv)]``. The variant with
``attention=True`` (a multi-head attention before the LSTM) has no counterpart and is refused.
"""

from __future__ import annotations

import torch

from ..errors import MismatchError
from ._mapping import Converted, conv_chain, lstm_reads, refuse

_BN = ("weight", "bias", "running_mean", "running_var")


def convert(tensors: dict[str, torch.Tensor], name: str, n_vars: int, length: int, shuffle: bool | None) -> Converted:
    """Map an ``LSTMFCNNetworkTorch`` state dict; ``n_vars``, ``length``: the dataset's ``V``, ``T``."""
    t = {k: v.float() for k, v in tensors.items() if not k.endswith("num_batches_tracked")}
    if any(k.startswith("attention_layer.") for k in t):
        raise refuse(name, "sktime's multi-head-attention variant (attention=True)")
    if "lstm.weight_ih_l0" not in t or "fc.weight" not in t:
        raise refuse(name, "a state dict without sktime's 'lstm' and 'fc' layers (is it LSTMFCNNetworkTorch?)")
    n_conv = len({k.split(".")[1] for k in t if k.startswith("conv_layers.")})
    if n_conv != 3:
        raise refuse(name, f"an sktime network with {n_conv} conv layers")
    lstm_keys = {f"lstm.{k}_l0" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    expected = lstm_keys | {"fc.weight", "fc.bias"}
    expected |= {f"conv_layers.{i}.{p}" for i in range(3) for p in ("weight", "bias")}
    expected |= {f"bn_layers.{i}.{p}" for i in range(3) for p in _BN}
    if set(t) != expected:
        odd = sorted(set(t) ^ expected)
        raise refuse(name, f"an sktime network with other layers ({', '.join(odd[:4])})")
    cells = t["lstm.weight_hh_l0"].shape[1]
    if t["lstm.weight_ih_l0"].shape[0] != 4 * cells:
        raise refuse(name, "a recurrent cell that is not an LSTM")
    if shuffle:
        raise MismatchError(f"{name}: sktime's LSTM reads time steps (no dimension shuffle); drop --shuffle")
    reads, _ = lstm_reads(t["lstm.weight_ih_l0"].shape[1], n_vars, length, False, False, name)
    if reads:  # T features per step where V was expected: sktime's LSTM always reads variables
        raise refuse(name, f"an sktime LSTM reading {length} features per step (it reads the {n_vars} variables)")

    state = {f"lstm.{k}_l0": t[f"lstm.{k}_l0"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    convs = [t[f"conv_layers.{i}.weight"] for i in range(3)]
    filters, kernels = conv_chain(convs, n_vars, name)
    for i in range(3):
        state[f"block{i + 1}.conv.weight"] = convs[i]
        state[f"block{i + 1}.conv.bias"] = t[f"conv_layers.{i}.bias"]
        for p in _BN:
            state[f"block{i + 1}.bn.{p}"] = t[f"bn_layers.{i}.{p}"]
    head = t["fc.weight"]
    if head.shape[0] < 2:
        raise refuse(name, "a regression head (one output)")
    state["head.weight"], state["head.bias"] = head, t["fc.bias"]
    config = dict(
        arch="lstmfcn", n_vars=n_vars, length=length, n_classes=int(head.shape[0]), cells=int(cells), shuffle=False,
        filters=filters, kernels=kernels, bn_eps=1e-5, bn_momentum=0.1, lstm_readout="state",
    )  # fmt: skip
    read = [
        f"LSTMFCNNetworkTorch: LSTM of {cells} cells reading T steps of V features (sktime has no dimension shuffle)",
        f"conv filters {list(filters)}, kernel sizes {list(kernels)}",
        f"{int(head.shape[0])} classes",
    ]
    assumed = [
        "hidden activation ReLU (what LSTMFCNClassifierTorch builds; the network does not store it)",
        "BatchNorm eps 1e-5 (PyTorch's default, which sktime keeps)",
        "the head reads the LSTM's final state h_n[-1]; no output activation (logits)",
        f"series length {length}, the dataset's (an LSTM over time steps does not fix it)",
    ]
    return Converted(config, state, read, assumed)
