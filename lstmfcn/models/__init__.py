"""Network definitions of the LSTM-FCN family; they know nothing of optimisers or data files."""

from .attention_lstm import AttentionLSTM
from .config import ARCH_NAMES, ARCHITECTURE_TABLE, ARCHITECTURES, Architecture, ModelConfig, architecture_key, attends
from .interface import ExplainableModel
from .lstm_fcn import LSTMFCN, ForwardDetails, build_model

__all__ = [
    "ARCH_NAMES",
    "ARCHITECTURES",
    "ARCHITECTURE_TABLE",
    "Architecture",
    "AttentionLSTM",
    "ExplainableModel",
    "ForwardDetails",
    "LSTMFCN",
    "ModelConfig",
    "architecture_key",
    "attends",
    "build_model",
]
