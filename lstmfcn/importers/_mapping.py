"""What every importer returns, and the decisions they share (which axis the LSTM reads, SE ratio)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..errors import CheckpointError, MismatchError

#: The one sentence every refusal of an architecture ends with.
SUPPORTED = (
    "supported are LSTM-FCN, MLSTM-FCN (tsai LSTM_FCN/MLSTM_FCN, any layers or direction), sktime's"
    " LSTMFCNNetworkTorch without attention, and the authors' Keras LSTM-FCN, ALSTM-FCN, MLSTM-FCN and MALSTM-FCN:"
    " three conv blocks, one LSTM or AttentionLSTM, one Linear/Dense head"
)


@dataclass
class Converted:
    """A foreign network in this package's terms.

    Attributes:
        config: :class:`~lstmfcn.models.ModelConfig` fields except ``length`` when the weights do
            not fix it (``shuffle`` off: the dataset's length is used).
        state: the weights under this package's names (:class:`~lstmfcn.models.LSTMFCN`'s state
            dict), float32, without ``num_batches_tracked``.
        read: what the weights determined, in words.
        assumed: what they cannot tell, taken from the library's defaults, in words.
        library_version: the library's version where the file records it.
        file_format: the file's layout (``"safetensors"``, ``"keras zip"``, ...).
    """

    config: dict
    state: dict[str, torch.Tensor]
    read: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    library_version: str | None = None
    file_format: str = ""


def refuse(name: str, what: str) -> CheckpointError:
    """The refusal of an architecture that cannot be mapped: ``what`` it is, then what is supported."""
    return CheckpointError(f"{name}: {what} cannot be mapped to the LSTM-FCN family here; {SUPPORTED}")


def lstm_reads(
    input_size: int, n_vars: int, length: int, shuffle: bool | None, default: bool, name: str
) -> tuple[bool, str]:
    """Whether the LSTM reads ``V`` steps of ``T`` features (shuffle on), from its input size.

    ``shuffle`` is the user's word where the weights cannot tell (``V == T``); ``default`` is the
    library's default then. Returns ``(shuffle, how it was decided)``.

    Raises:
        MismatchError: the input size is neither the dataset's ``T`` nor its ``V``.
    """
    reads_t, reads_v = input_size == length, input_size == n_vars
    if not (reads_t or reads_v):
        raise MismatchError(
            f"{name}: the LSTM reads {input_size} features per step, but the dataset has {n_vars} variable(s)"
            f" and series of length {length}: the model was trained on data of another shape"
        )
    if reads_t and reads_v:
        chosen = default if shuffle is None else shuffle
        how = (
            "your --shuffle option" if shuffle is not None else "the library's default (the weights cannot tell: V = T)"
        )
        return chosen, how
    if shuffle is not None and shuffle != reads_t:
        raise MismatchError(
            f"{name}: the LSTM reads {input_size} features per step, so its dimension shuffle is"
            f" {'on' if reads_t else 'off'}, not as the --shuffle option says"
        )
    return reads_t, "the LSTM's input size"


def se_reduction(pairs: list[tuple[int, int]], name: str) -> int:
    """The squeeze-and-excite ratio ``r`` with ``max(1, C // r) == hidden`` for every ``(C, hidden)``."""
    candidates = [16, *range(1, max(c for c, _ in pairs) + 1)]
    for r in candidates:
        if all(max(1, c // r) == h for c, h in pairs):
            return r
    raise refuse(name, f"a squeeze-and-excite block with bottlenecks {pairs} (channels, units)")


def conv_chain(
    kernels: list[torch.Tensor], n_vars: int, name: str
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """``(filters, kernel sizes)`` of three conv weights ``(C_out, C_in, k)`` that read ``n_vars`` variables."""
    if len(kernels) != 3:
        raise refuse(name, f"a convolutional branch of {len(kernels)} conv layers")
    if kernels[0].shape[1] != n_vars:
        raise MismatchError(
            f"{name}: the first convolution reads {kernels[0].shape[1]} variable(s) but the dataset has {n_vars}"
        )
    for a, b in zip(kernels, kernels[1:], strict=False):
        if b.shape[1] != a.shape[0]:
            raise refuse(name, "conv layers that do not feed one another in order")
    return tuple(int(k.shape[0]) for k in kernels), tuple(int(k.shape[2]) for k in kernels)
