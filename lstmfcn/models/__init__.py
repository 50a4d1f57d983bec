"""Network definitions of the LSTM-FCN family; they know nothing of optimisers or data files."""

from .attention_lstm import AttentionLSTM
from .config import ARCHITECTURES, ModelConfig
from .lstm_fcn import LSTMFCN, ForwardDetails, build_model

__all__ = ["ARCHITECTURES", "AttentionLSTM", "ForwardDetails", "LSTMFCN", "ModelConfig", "build_model"]
