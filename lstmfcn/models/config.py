"""The architecture's hyperparameters: exactly what a checkpoint's metadata stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..errors import UserInputError


@dataclass(frozen=True)
class Architecture:
    """One member of the family: its key (in checkpoints and on the command line), its name as the
    papers write it, and the two parts that tell the members apart."""

    key: str
    name: str
    attention: bool  # an attention LSTM (ALSTM-FCN, MALSTM-FCN)
    squeeze_excite: bool  # squeeze-and-excite after conv blocks 1 and 2 (MLSTM-FCN, MALSTM-FCN)


#: The architecture table: every "which kind is it?" is answered here. LSTM-FCN, ALSTM-FCN (Karim
#: et al. 2017); MLSTM-FCN, MALSTM-FCN (Karim et al. 2018).
ARCHITECTURE_TABLE = {
    a.key: a
    for a in (
        Architecture("lstmfcn", "LSTM-FCN", attention=False, squeeze_excite=False),
        Architecture("alstmfcn", "ALSTM-FCN", attention=True, squeeze_excite=False),
        Architecture("mlstmfcn", "MLSTM-FCN", attention=False, squeeze_excite=True),
        Architecture("malstmfcn", "MALSTM-FCN", attention=True, squeeze_excite=True),
    )
}
ARCHITECTURES = tuple(ARCHITECTURE_TABLE)
#: How the papers write each architecture's name, for people.
ARCH_NAMES = {key: a.name for key, a in ARCHITECTURE_TABLE.items()}


def attends(arch: str) -> bool:
    """Whether the architecture keyed ``arch`` has an attention LSTM (False for a key not in the
    table, as in a foreign checkpoint's metadata): the table answers, never the key's spelling."""
    entry = ARCHITECTURE_TABLE.get(arch)
    return bool(entry and entry.attention)


def architecture_key(*, attention: bool, squeeze_excite: bool) -> str:
    """The table's key of the first member with (or without) an attention LSTM and squeeze-and-excite:
    how an importer names what it found in a foreign model's layers (the papers' four come first)."""
    for key, a in ARCHITECTURE_TABLE.items():
        if a.attention == bool(attention) and a.squeeze_excite == bool(squeeze_excite):
            return key
    raise UserInputError(f"no architecture has attention={attention} and squeeze-and-excite={squeeze_excite}")


#: What the head may read of a plain LSTM (see :class:`ModelConfig`).
LSTM_READOUTS = ("state", "last_step")
#: The gate activations of a plain LSTM: the logistic sigmoid, or Keras' hard sigmoids (slope 0.2 in
#: Keras 2, 1/6 in Keras 3; see :mod:`lstmfcn.models.hard_gate_lstm`).
LSTM_GATES = ("sigmoid", "hard_sigmoid_keras2", "hard_sigmoid_keras3")


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of one LSTM-FCN-family network.

    Args:
        arch: one of :data:`ARCHITECTURES`. ``a…`` variants use an attention LSTM, ``m…``
            variants add squeeze-and-excite blocks after conv blocks 1 and 2.
        n_vars: number of input variables ``V``.
        length: series length ``T`` the model was built for (the LSTM reads ``T`` features per
            step when ``shuffle`` is on, so ``T`` is part of the architecture).
        n_classes: number of classes ``K``.
        cells: LSTM hidden units (8, 64 and 128 in the papers).
        shuffle: dimension shuffle: the LSTM reads ``V`` steps of ``T`` features (papers'
            default); off: ``T`` steps of ``V`` features.
        dropout: dropout after the LSTM branch (0.8 in the papers).
        filters: output channels of the three conv blocks.
        kernels: kernel sizes of the three conv blocks.
        se_reduction: squeeze-and-excite reduction ratio (``m…`` variants).
        bn_eps: BatchNorm epsilon (Keras default 1e-3).
        bn_momentum: PyTorch BatchNorm momentum (Keras momentum 0.99 is PyTorch 0.01).
        lstm_layers: stacked LSTM layers (1 in the papers; tsai's ``rnn_layers``).
        bidirectional: the LSTM also reads the steps backwards; its features are then
            ``2 * cells`` wide, forward half first (tsai's ``bidirectional``).
        lstm_readout: which LSTM output the head reads. ``"state"``: the final hidden state of the
            last layer (Keras, sktime and the papers); ``"last_step"``: the output at the last step
            (tsai's ``output[:, -1]``). They differ only when bidirectional: the backward half of the
            last step has read one step, the backward final state all of them.
        lstm_gates: the gates' activation, one of :data:`LSTM_GATES` (the authors' Keras 2 models:
            ``"hard_sigmoid_keras2"``, the attention LSTM's too); a hard-sigmoid LSTM has one layer
            and one direction.

    Plain (non-attention) LSTMs only may be stacked or bidirectional: the attention LSTM is the
    papers' one-layer cell.
    """

    arch: str
    n_vars: int
    length: int
    n_classes: int
    cells: int = 8
    shuffle: bool = True
    dropout: float = 0.8
    filters: tuple[int, int, int] = (128, 256, 128)
    kernels: tuple[int, int, int] = (8, 5, 3)
    se_reduction: int = 16
    bn_eps: float = 1e-3
    bn_momentum: float = 0.01
    lstm_layers: int = 1
    bidirectional: bool = False
    lstm_readout: str = "state"
    lstm_gates: str = "sigmoid"

    def __post_init__(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise UserInputError(f"unknown architecture {self.arch!r}; expected one of {', '.join(ARCHITECTURES)}")
        for name in ("n_vars", "length", "cells", "lstm_layers"):
            if int(getattr(self, name)) < 1:
                raise UserInputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if int(self.n_classes) < 2:
            raise UserInputError(f"a classifier needs at least 2 classes, got {self.n_classes}")
        if len(self.filters) != 3 or len(self.kernels) != 3:
            raise UserInputError("filters and kernels must have three entries, one per conv block")
        if self.lstm_readout not in LSTM_READOUTS:
            raise UserInputError(f"lstm_readout must be one of {', '.join(LSTM_READOUTS)}, got {self.lstm_readout!r}")
        if self.lstm_gates not in LSTM_GATES:
            raise UserInputError(f"lstm_gates must be one of {', '.join(LSTM_GATES)}, got {self.lstm_gates!r}")
        if self.attention and (self.lstm_layers != 1 or self.bidirectional):
            raise UserInputError("the attention LSTM has one layer and one direction")
        if self.lstm_gates != "sigmoid" and (self.lstm_layers != 1 or self.bidirectional):
            raise UserInputError("a hard-sigmoid LSTM has one layer and one direction")
        # JSON round trips turn tuples into lists; keep the config hashable and comparable.
        object.__setattr__(self, "filters", tuple(int(f) for f in self.filters))
        object.__setattr__(self, "kernels", tuple(int(k) for k in self.kernels))

    @property
    def attention(self) -> bool:
        """Whether the LSTM branch is an attention LSTM (ALSTM-FCN, MALSTM-FCN)."""
        return ARCHITECTURE_TABLE[self.arch].attention

    @property
    def lstm_features(self) -> int:
        """Width of the LSTM branch's output, which the head reads before the pooled conv maps."""
        return self.cells * (2 if self.bidirectional else 1)

    @property
    def squeeze_excite(self) -> bool:
        """Whether squeeze-and-excite blocks follow conv blocks 1 and 2 (MLSTM-FCN, MALSTM-FCN)."""
        return ARCHITECTURE_TABLE[self.arch].squeeze_excite

    def to_dict(self) -> dict:
        """A JSON-serialisable dict; :meth:`from_dict` inverts it."""
        d = asdict(self)
        d["filters"], d["kernels"] = list(self.filters), list(self.kernels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """Build a config from :meth:`to_dict`'s output; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise UserInputError(f"unknown model config fields: {', '.join(sorted(unknown))}")
        return cls(**d)
