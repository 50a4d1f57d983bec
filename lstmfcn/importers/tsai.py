"""tsai's ``LSTM_FCN`` and ``MLSTM_FCN`` (``tsai.models.RNN_FCN``) as :class:`~lstmfcn.models.LSTMFCN`.

tsai's network, for ``x`` ``(N, V, T)``: ``rnn`` (an ``nn.LSTM``, ``rnn_layers`` layers, maybe
bidirectional) reads ``V`` steps of ``T`` features (``shuffle=True``, its default) or ``T`` steps of
``V``; the head reads ``output[:, -1]``, the LSTM's output at the last step (not ``h_n``: the
backward half differs when bidirectional). ``convblock1..3`` are ``Conv1d`` (no bias: BatchNorm
follows; ``padding="same"``, an even kernel through ``conv1d_same``, both padding ``(k - 1) // 2``
before) → ``BatchNorm1d`` (eps 1e-5) → ReLU; ``se1``/``se2`` (MLSTM_FCN) are ``Linear(C, C // r)``
→ ReLU → ``Linear(C // r, C)`` → sigmoid, both without bias; ``fc`` reads ``[lstm, GAP(conv)]``.

GRU and plain-RNN cells (``GRU_FCN``, ``MGRU_FCN``, ``RNN_FCN``, ...) have other gates and are
refused, as is anything else in the file.
"""

from __future__ import annotations

import re

import torch

from ..models.config import architecture_key
from ._mapping import Converted, conv_chain, lstm_reads, refuse, se_reduction

_RNN_KEY = re.compile(r"rnn\.(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$")


def convert(tensors: dict[str, torch.Tensor], name: str, n_vars: int, length: int, shuffle: bool | None) -> Converted:
    """Map a tsai ``LSTM_FCN``/``MLSTM_FCN`` state dict; ``n_vars``, ``length``: the dataset's ``V``, ``T``."""
    t = {k: v.float() for k, v in tensors.items() if not k.endswith("num_batches_tracked")}
    used: set[str] = set()

    def take(key: str) -> torch.Tensor:
        used.add(key)
        return t[key]

    if "rnn.weight_ih_l0" not in t:
        raise refuse(name, "a state dict without tsai's 'rnn' layer (is it a tsai RNN_FCN model?)")
    hh = t["rnn.weight_hh_l0"]
    cells, gates = hh.shape[1], t["rnn.weight_ih_l0"].shape[0] // hh.shape[1]
    if gates != 4:
        cell = {3: "a GRU cell (tsai GRU_FCN, MGRU_FCN)", 1: "a plain RNN cell (tsai RNN_FCN, MRNN_FCN)"}
        raise refuse(name, cell.get(gates, f"a recurrent cell with {gates} gates"))
    layers = 1 + max(int(m.group(2)) for k in t if (m := _RNN_KEY.match(k)))
    bidirectional = "rnn.weight_ih_l0_reverse" in t
    shuffle, how = lstm_reads(t["rnn.weight_ih_l0"].shape[1], n_vars, length, shuffle, True, name)

    state: dict[str, torch.Tensor] = {}
    for layer in range(layers):
        for suffix in ("", "_reverse")[: 2 if bidirectional else 1]:
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                key = f"rnn.{kind}_l{layer}{suffix}"
                ours = f"lstm.{kind}_l{layer}{suffix}"
                if key in t:
                    state[ours] = take(key)
                elif kind.startswith("bias"):  # tsai's bias=False: no bias is a zero bias
                    state[ours] = torch.zeros(4 * cells)
                else:
                    raise refuse(name, f"a recurrent layer without '{key}'")

    convs = []
    for b in (1, 2, 3):
        key = next((k for k in (f"convblock{b}.0.weight", f"convblock{b}.0.conv1d_same.weight") if k in t), None)
        if key is None:
            raise refuse(name, f"a state dict without conv block {b}")
        convs.append(take(key))
        used.update({f"convblock{b}.0.weight", f"convblock{b}.0.conv1d_same.weight"} & set(t))
        for bias in (f"convblock{b}.0.bias", f"convblock{b}.0.conv1d_same.bias"):
            if bias in t:
                state[f"block{b}.conv.bias"] = take(bias)
        state.setdefault(f"block{b}.conv.bias", torch.zeros(convs[-1].shape[0]))  # tsai: no bias before BN
        state[f"block{b}.conv.weight"] = convs[-1]
        for theirs, ours in (
            ("weight", "weight"),
            ("bias", "bias"),
            ("running_mean", "running_mean"),
            ("running_var", "running_var"),
        ):
            state[f"block{b}.bn.{ours}"] = take(f"convblock{b}.1.{theirs}")
    filters, kernels = conv_chain(convs, n_vars, name)

    se = "se1.fc.0.weight" in t
    reduction = 16
    if se:
        pairs = []
        for i in (1, 2):
            state[f"se{i}.squeeze.weight"] = take(f"se{i}.fc.0.weight")
            state[f"se{i}.excite.weight"] = take(f"se{i}.fc.2.weight")
            pairs.append((filters[i - 1], state[f"se{i}.squeeze.weight"].shape[0]))
        reduction = se_reduction(pairs, name)
    features = cells * (2 if bidirectional else 1)
    head = take("fc.weight")
    if head.shape[1] != features + filters[2]:
        raise refuse(name, f"a head reading {head.shape[1]} features (not LSTM {features} + conv {filters[2]})")
    state["head.weight"], state["head.bias"] = head, take("fc.bias")
    extra = sorted(set(t) - used)
    if extra:
        raise refuse(name, f"a tsai model with more layers than LSTM-FCN ({', '.join(extra[:4])})")

    config = dict(
        arch=architecture_key(attention=False, squeeze_excite=bool(se)), n_vars=n_vars, n_classes=int(head.shape[0]), cells=int(cells),
        shuffle=shuffle, filters=filters, kernels=kernels, se_reduction=reduction, bn_eps=1e-5, bn_momentum=0.1,
        lstm_layers=layers, bidirectional=bidirectional, lstm_readout="last_step",
    )  # fmt: skip
    if shuffle:
        config["length"] = int(t["rnn.weight_ih_l0"].shape[1])
    read = [
        f"{'MLSTM_FCN' if se else 'LSTM_FCN'}: LSTM of {cells} cells, {layers} layer(s),"
        f" {'bidirectional' if bidirectional else 'one direction'}",
        f"dimension shuffle {'on (V steps of T)' if shuffle else 'off (T steps of V)'}, from {how}",
        f"conv filters {list(filters)}, kernel sizes {list(kernels)}"
        + (f", squeeze-and-excite ratio {reduction}" if se else ""),
        f"{int(head.shape[0])} classes",
    ]
    assumed = [
        "the head reads the LSTM's output at the last step (tsai's output[:, -1])",
        "BatchNorm eps 1e-5 and ReLU activations (tsai's ConvBlock defaults)",
        "'same' padding: (k - 1) // 2 zeros before, the rest after (tsai's Pad1d)",
    ]
    return Converted(config, state, read, assumed)
