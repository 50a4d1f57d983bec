"""The authors' Keras LSTM-FCN family (LSTM-FCN, ALSTM-FCN, MLSTM-FCN, MALSTM-FCN) as :class:`~lstmfcn.models.LSTMFCN`.

The file is read as arrays by :mod:`.keras_file` (never as Keras objects: no layer code runs);
this module maps its layers onto the library's model and refuses what does not fit.

The authors' network, for input ``(V, T)``: ``Masking → LSTM(8)`` (or their ``AttentionLSTM``) reads
``V`` steps of ``T`` features, ``Dropout(0.8)``; ``Permute → 3 × [Conv1D("same", he_uniform) →
BatchNormalization (eps 1e-3) → ReLU (→ squeeze-excite after the first two: GAP → Dense(C/16, relu,
no bias) → Dense(C, sigmoid, no bias) → multiply)] → GAP``; ``concatenate([lstm, conv]) →
Dense(K, softmax)``. The imported model gives the Dense's pre-softmax values: logits.

Keras stores kernels input-major: ``Conv1D`` ``(k, C_in, C_out)``, ``Dense`` and LSTM ``(in, out)``,
gates in the order i, f, c, o as PyTorch's; one LSTM bias (PyTorch's second bias is zero).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import CheckpointError
from ..models.config import architecture_key
from ._mapping import Converted, conv_chain, lstm_reads, refuse, se_reduction
from .keras_file import KerasFile, Layer

#: Layers without weights that change nothing the mapping assumes (their configuration is checked
#: where it matters: Activation must be ReLU). Any other layer, Lambda included, is refused.
_WEIGHTLESS = {
    "InputLayer", "Masking", "Dropout", "SpatialDropout1D", "Permute", "Activation", "GlobalAveragePooling1D",
    "Reshape", "Multiply", "Concatenate",
    "NotEqual", "Any",  # Keras 3 writes Masking's mask (input != 0, any over features) as these two ops
}  # fmt: skip
_WEIGHTED = {"Conv1D", "BatchNormalization", "LSTM", "Dense", "AttentionLSTM"}
#: The authors' ``AttentionLSTM`` weights, in the order their ``build`` creates them.
_ATTENTION_ORDER = (
    "kernel", "recurrent_kernel", "attention_kernel", "attention_W", "attention_U", "bias", "attention_b", "attention_v",
)  # fmt: skip


def convert(
    kf: KerasFile, name: str, n_vars: int, length: int, shuffle: bool | None, gates: str | None = None
) -> Converted:
    """Map the authors' Keras network; ``n_vars``, ``length``: the dataset's ``V``, ``T``.

    ``gates`` (``"sigmoid"`` or ``"hard_sigmoid"``) is the user's word on the LSTM's gates where the
    file has no configuration (the authors' Keras 2.0-2.2 weights: hard_sigmoid); a configuration
    that says otherwise wins over it, and is refused only if they disagree.
    """
    kinds: dict[str, list[Layer]] = {k: [] for k in _WEIGHTED}
    notes: list[str] = []
    for layer in kf.layers:
        cls = _kind(layer, name)
        if cls in _WEIGHTED:
            kinds[cls].append(layer)
        elif cls == "Activation" and layer.config.get("activation", "relu") != "relu":
            raise refuse(name, f"a Keras Activation '{layer.config.get('activation')}' (the family uses ReLU)")
        elif cls == "Masking":
            notes.append(
                "Keras' Masking skips LSTM steps whose values are all 0 (with the dimension shuffle: a variable that is"
                " 0 throughout); this model reads them, so the logits differ only on such series"
            )
        elif cls not in _WEIGHTLESS and cls is not None:
            raise refuse(name, f"a Keras {cls} layer ('{layer.name}'; no layer code is ever run here)")
    convs, bns, denses = kinds["Conv1D"], kinds["BatchNormalization"], kinds["Dense"]
    recurrent = kinds["LSTM"] + kinds["AttentionLSTM"]
    if len(recurrent) != 1:
        raise refuse(name, f"a Keras model with {len(recurrent)} recurrent layers")
    if len(convs) != 3 or len(bns) != 3:
        raise refuse(name, f"a Keras model with {len(convs)} Conv1D and {len(bns)} BatchNormalization layers")
    state: dict[str, torch.Tensor] = {}

    kernels = []
    for b, (conv, bn) in enumerate(zip(convs, bns, strict=False), start=1):
        _check_conv(conv, name)
        kernel = _named(conv, ("kernel", "bias"), name)
        weight = torch.from_numpy(kernel["kernel"]).permute(2, 1, 0).contiguous()  # (k, in, out) → (out, in, k)
        kernels.append(weight)
        state[f"block{b}.conv.weight"] = weight
        state[f"block{b}.conv.bias"] = _tensor(kernel.get("bias"), weight.shape[0])
        stats = _named(bn, ("gamma", "beta", "moving_mean", "moving_variance"), name)
        if stats["gamma"].shape[0] != weight.shape[0]:
            raise refuse(
                name, f"a BatchNormalization of {stats['gamma'].shape[0]} channels after a conv of {weight.shape[0]}"
            )
        for theirs, ours in (
            ("gamma", "weight"),
            ("beta", "bias"),
            ("moving_mean", "running_mean"),
            ("moving_variance", "running_var"),
        ):
            state[f"block{b}.bn.{ours}"] = torch.from_numpy(stats[theirs])
    filters, kernel_sizes = conv_chain(kernels, n_vars, name)
    eps = {float(bn.config.get("epsilon", 1e-3)) for bn in bns}
    if len(eps) != 1:
        raise refuse(name, f"BatchNormalization layers with different epsilons {sorted(eps)}")

    cell = recurrent[0]
    attention = cell in kinds["AttentionLSTM"]
    input_size, cells = (_attention_lstm if attention else _lstm)(cell, state, name)
    shuffle, how = lstm_reads(input_size, n_vars, length, shuffle, True, name)
    lstm_gates = _gates(cell, kf, gates, attention, name)

    head = [d for d in denses if len(d.weights) == 2]
    se_layers = [d for d in denses if len(d.weights) == 1]
    if len(head) != 1 or len(se_layers) not in (0, 4):
        raise refuse(name, f"a Keras model with {len(head)} Dense head layer(s) and {len(se_layers)} bias-free Dense")
    reduction = 16
    if se_layers:
        pairs = []
        for i, (squeeze, excite) in enumerate((se_layers[0:2], se_layers[2:4]), start=1):
            _check_activation(squeeze, "relu", name)
            _check_activation(excite, "sigmoid", name)
            sq, ex = squeeze.weights[0][1], excite.weights[0][1]  # (C, C/r), (C/r, C)
            if sq.shape[0] != filters[i - 1] or ex.shape != sq.shape[::-1]:
                raise refuse(name, f"a squeeze-and-excite block of shapes {sq.shape}, {ex.shape} after conv {i}")
            state[f"se{i}.squeeze.weight"] = torch.from_numpy(sq.T.copy())
            state[f"se{i}.excite.weight"] = torch.from_numpy(ex.T.copy())
            pairs.append((filters[i - 1], sq.shape[1]))
        reduction = se_reduction(pairs, name)
    out = _named(head[0], ("kernel", "bias"), name)
    activation = head[0].config.get("activation", "softmax")
    if activation not in ("softmax", "linear"):
        raise refuse(name, f"a Dense head with activation '{activation}'")
    if out["kernel"].shape[0] != cells + filters[2] or out["kernel"].shape[1] < 2:
        raise refuse(
            name, f"a Dense head of shape {out['kernel'].shape} (not LSTM {cells} + conv {filters[2]} → classes)"
        )
    state["head.weight"] = torch.from_numpy(out["kernel"].T.copy())
    state["head.bias"] = torch.from_numpy(out["bias"])

    arch_name = architecture_key(attention=attention, squeeze_excite=bool(se_layers))
    n_classes = int(out["kernel"].shape[1])
    config = dict(
        arch=arch_name, n_vars=n_vars, n_classes=n_classes, cells=cells, shuffle=shuffle, filters=filters,
        kernels=kernel_sizes, se_reduction=reduction, bn_eps=eps.pop(), bn_momentum=0.01, lstm_readout="state",
        lstm_gates=lstm_gates,
    )  # fmt: skip
    if shuffle:
        config["length"] = input_size
    read = [
        f"{arch_name}: {'AttentionLSTM' if attention else 'LSTM'} of {cells} cells",
        f"dimension shuffle {'on (V steps of T)' if shuffle else 'off (T steps of V)'}, from {how}",
        f"conv filters {list(filters)}, kernel sizes {list(kernel_sizes)}"
        + (f", squeeze-and-excite ratio {reduction}" if se_layers else ""),
        f"{n_classes} classes",
    ]
    if lstm_gates != "sigmoid":
        read.append(f"LSTM gates: {lstm_gates} (from {'the configuration' if cell.config else 'your --lstm-gates'})")
    if kf.has_config:
        read.append(f"BatchNorm eps {config['bn_eps']:g}, 'same' padding, activations (from the file's configuration)")
        assumed = []
    else:
        assumed = [
            "BatchNorm eps 1e-3, Conv1D padding 'same', ReLU after each BatchNorm (Keras defaults: a weights-only"
            " file does not store them)",
            "layer order from the layers' names (conv1d, conv1d_1, ...: the order Keras made them in)",
        ]
        if gates is None:
            assumed.append(
                "LSTM gates sigmoid (Keras 2.3 and later); the authors' Keras 2.0-2.2 weights need --lstm-gates hard_sigmoid"
            )
    assumed.append("the head reads [LSTM, pooled conv] in that order (concatenate([x, y]) as in the authors' code)")
    if attention:
        assumed.append("AttentionLSTM by the authors' equations, tanh energies (its code is never run)")
    assumed.append(f"the final Dense's {activation} is left out: the model gives logits")
    assumed += notes[:1]
    return Converted(config, state, read, assumed, kf.version, kf.file_format)


def _kind(layer: Layer, name: str) -> str | None:
    """The layer's class: from the configuration (custom attention LSTMs by name), else from its arrays."""
    cls = layer.cls
    if cls:
        if "attention" in cls.lower() and "lstm" in cls.lower():
            return "AttentionLSTM"
        if cls in {"GRU", "SimpleRNN", "CuDNNGRU"}:
            raise refuse(name, f"a Keras {cls} cell")
        if cls == "CuDNNLSTM":
            raise refuse(name, "a CuDNNLSTM (two biases per gate)")
        if cls not in _WEIGHTED and layer.weights:
            raise refuse(name, f"a Keras {cls} layer with weights ('{layer.name}')")
        return cls
    shapes = [a.shape for _, a in layer.weights]
    if not shapes:
        return None
    if len(shapes[0]) == 3 and len(shapes) <= 2:
        return "Conv1D"
    if len(shapes) == 4 and all(len(s) == 1 and s == shapes[0] for s in shapes):
        return "BatchNormalization"
    if len(shapes) == 8:
        return "AttentionLSTM"
    if len(shapes) == 3 and len(shapes[1]) == 2:
        units, width = shapes[1]
        if width == 4 * units:
            return "LSTM"
        raise refuse(name, "a GRU or SimpleRNN cell" if width in (3 * units, units) else f"the layer '{layer.name}'")
    if len(shapes[0]) == 2 and len(shapes) <= 2:
        return "Dense"
    raise refuse(name, f"the layer '{layer.name}' with arrays of shapes {shapes}")


def _named(layer: Layer, order: tuple[str, ...], name: str) -> dict[str, np.ndarray]:
    """A layer's arrays by role: by stored name where the file has names, else in Keras' creation order."""
    names = [n for n, _ in layer.weights]
    if None not in names and set(names) <= set(order):
        found = dict(layer.weights)
        return {n: found[n] for n in order if n in found}
    if len(layer.weights) > len(order):
        raise refuse(name, f"the layer '{layer.name}' with {len(layer.weights)} arrays")
    return {role: a for role, (_, a) in zip(order, layer.weights, strict=False)}


def _tensor(a: np.ndarray | None, size: int) -> torch.Tensor:
    return torch.zeros(size) if a is None else torch.from_numpy(a)


def _check_conv(conv: Layer, name: str) -> None:
    c = conv.config
    if not c:
        return
    problems = []
    if c.get("padding", "same") != "same":
        problems.append(f"padding '{c.get('padding')}'")
    if list(np.ravel(c.get("strides", [1]))) != [1] or list(np.ravel(c.get("dilation_rate", [1]))) != [1]:
        problems.append("strides or dilation other than 1")
    if c.get("activation", "linear") != "linear":
        problems.append(f"activation '{c.get('activation')}' inside the convolution (before BatchNorm)")
    if c.get("data_format", "channels_last") != "channels_last" or c.get("groups", 1) != 1:
        problems.append("channels first or grouped")
    if problems:
        raise refuse(name, f"a Conv1D ('{conv.name}') with {', '.join(problems)}")


def _check_activation(layer: Layer, expected: str, name: str) -> None:
    got = layer.config.get("activation", expected)
    if got != expected:
        raise refuse(name, f"a squeeze-and-excite Dense '{layer.name}' with activation '{got}' (not {expected})")


def _gates(cell: Layer, kf: KerasFile, stated: str | None, attention: bool, name: str) -> str:
    """The LSTM's gate activation (a :data:`~lstmfcn.models.config.LSTM_GATES` name): the
    configuration's, else the user's, else sigmoid. Keras' hard sigmoid changed slope in Keras 3."""
    said = cell.config.get("recurrent_activation")
    if said is not None and stated is not None and said != stated:
        raise CheckpointError(f"{name}: the file's LSTM has {said} gates, not {stated} as --lstm-gates says")
    gates = said or stated or "sigmoid"
    if gates == "sigmoid":
        return "sigmoid"
    if gates != "hard_sigmoid":
        raise refuse(
            name, f"an {'AttentionLSTM' if attention else 'LSTM'} with {gates} gates (sigmoid and hard_sigmoid are)"
        )
    return "hard_sigmoid_keras3" if (kf.version or "").startswith("3") else "hard_sigmoid_keras2"


def _check_gates(layer: Layer, name: str) -> None:
    c = layer.config
    act = c.get("activation", "tanh")
    if act != "tanh":
        raise refuse(name, f"an LSTM with {act} activation (the family's is tanh)")
    for flag in ("return_sequences", "go_backwards", "stateful"):
        if c.get(flag):
            raise refuse(name, f"an LSTM with {flag}=True")
    if c.get("use_bias") is False:
        raise refuse(name, "an LSTM without bias")


def _lstm(layer: Layer, state: dict, name: str) -> tuple[int, int]:
    _check_gates(layer, name)
    w = _named(layer, ("kernel", "recurrent_kernel", "bias"), name)
    kernel, recurrent = w["kernel"], w["recurrent_kernel"]  # (F, 4H), (H, 4H)
    cells = recurrent.shape[0]
    if "bias" not in w or w["bias"].shape != (4 * cells,):
        raise refuse(name, f"an LSTM whose bias is not (4 × {cells},)")
    state["lstm.weight_ih_l0"] = torch.from_numpy(kernel.T.copy())
    state["lstm.weight_hh_l0"] = torch.from_numpy(recurrent.T.copy())
    state["lstm.bias_ih_l0"] = torch.from_numpy(w["bias"])
    state["lstm.bias_hh_l0"] = torch.zeros(4 * cells)
    return int(kernel.shape[0]), int(cells)


def _attention_lstm(layer: Layer, state: dict, name: str) -> tuple[int, int]:
    """The authors' AttentionLSTM: ``e = v · tanh(x W + b + h U)``, context into the gates by ``attention_kernel``."""
    _check_gates(layer, name)
    w = _named(layer, _ATTENTION_ORDER, name)
    if len(w) != 8:
        raise refuse(name, f"an AttentionLSTM with {len(w)} arrays (the authors' has 8)")
    F, H = w["attention_W"].shape
    shapes = {
        "kernel": (F, 4 * H), "recurrent_kernel": (H, 4 * H), "attention_kernel": (F, 4 * H), "attention_U": (H, H),
        "bias": (4 * H,), "attention_b": (H,), "attention_v": (H, 1),
    }  # fmt: skip
    for role, shape in shapes.items():
        if w[role].shape != shape:
            raise refuse(name, f"an AttentionLSTM whose {role} is {w[role].shape}, not {shape}")
    t = {k: torch.from_numpy(np.ascontiguousarray(v.T)) for k, v in w.items()}
    state.update({
        "lstm.input_gates.weight": t["kernel"], "lstm.input_gates.bias": torch.from_numpy(w["bias"]),
        "lstm.hidden_gates.weight": t["recurrent_kernel"], "lstm.context_gates.weight": t["attention_kernel"],
        "lstm.att_input.weight": t["attention_W"], "lstm.att_input.bias": torch.from_numpy(w["attention_b"]),
        "lstm.att_hidden.weight": t["attention_U"], "lstm.att_score.weight": t["attention_v"],
    })  # fmt: skip
    return int(F), int(H)
