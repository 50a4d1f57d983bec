"""LSTM-FCN Explorer: LSTM-FCN-family classifiers for time series and why they decide what they decide.

Arrays are ``(N, V, T)`` everywhere: samples, variables, time steps.

>>> from lstmfcn import load_dataset, load_model, model_input
>>> ds = load_dataset("GunPoint")
>>> ds.X_train.shape
(50, 1, 150)
>>> x = model_input(load_model("lstmfcn/pretrained/GunPoint__lstmfcn.safetensors"), ds, "test").X  # as the model sees it

Names are imported on first use, so ``python -m lstmfcn datasets`` does not pay for torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ARCHITECTURES": "lstmfcn.models",
    "LSTMFCN": "lstmfcn.models",
    "ModelConfig": "lstmfcn.models",
    "build_model": "lstmfcn.models",
    "Dataset": "lstmfcn.data",
    "list_datasets": "lstmfcn.data",
    "load_dataset": "lstmfcn.data",
    "load_dataset_from_bytes": "lstmfcn.data",
    "CheckpointError": "lstmfcn.errors",
    "DataError": "lstmfcn.errors",
    "LstmFcnError": "lstmfcn.errors",
    "MismatchError": "lstmfcn.errors",
    "TrainingError": "lstmfcn.errors",
    "load_checkpoint": "lstmfcn.checkpoint",
    "load_model": "lstmfcn.checkpoint",
    "save_checkpoint": "lstmfcn.checkpoint",
    "model_input": "lstmfcn.inputs",
    "evaluate": "lstmfcn.evaluation",
    "predict_logits": "lstmfcn.evaluation",
    "TrainConfig": "lstmfcn.training",
    "train": "lstmfcn.training",
    "train_on_dataset": "lstmfcn.workflow",
    "explain": "lstmfcn.explain",
    "import_model": "lstmfcn.importers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'lstmfcn' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


# ``lstmfcn.explain`` is both a package and the README's function. Python binds a package to its
# parent's name when it is first imported, which would hide the function from ``from lstmfcn import
# explain`` ever after. Importing the package here (cheap: its names load on first use) makes that
# binding happen now, once; dropping it leaves the name to ``__getattr__``, which gives the function.
importlib.import_module("lstmfcn.explain")
del globals()["explain"]


if TYPE_CHECKING:  # for type checkers and IDEs
    from .checkpoint import load_checkpoint, load_model, save_checkpoint
    from .data import Dataset, list_datasets, load_dataset, load_dataset_from_bytes
    from .errors import CheckpointError, DataError, LstmFcnError, MismatchError, TrainingError
    from .evaluation import evaluate, predict_logits
    from .explain import explain
    from .importers import import_model
    from .inputs import model_input
    from .models import ARCHITECTURES, LSTMFCN, ModelConfig, build_model
    from .training import TrainConfig, train
    from .workflow import train_on_dataset
