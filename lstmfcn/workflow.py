"""Dataset-level workflows shared by the CLI, the dashboard and the model zoo."""

from __future__ import annotations

import os
import platform

import torch

from .compat import AlignedSplit, align_split
from .data.dataset import Dataset
from .evaluation import evaluate
from .models import LSTMFCN, ModelConfig
from .training import ProgressFn, StopFn, TrainConfig, fit


def model_config_for(ds: Dataset, arch: str, cells: int = 8, shuffle: bool = True) -> ModelConfig:
    """The :class:`ModelConfig` of an ``arch`` network sized for ``ds``."""
    return ModelConfig(
        arch=arch, n_vars=ds.n_vars, length=ds.length, n_classes=ds.n_classes, cells=cells, shuffle=shuffle
    )


def train_on_dataset(
    ds: Dataset,
    arch: str = "lstmfcn",
    *,
    cells: int = 8,
    shuffle: bool = True,
    config: TrainConfig | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    state_path: str | os.PathLike | None = None,
    resume: bool = False,
) -> tuple[LSTMFCN, dict]:
    """Train ``arch`` on ``ds``'s training split; returns ``(model, checkpoint metadata)``.

    Test accuracy is measured once, after training, and recorded; nothing is selected on it.
    """
    cfg = config or TrainConfig()
    model, result = fit(
        ds.X_train, ds.y_train, ds.lengths_train, model_config_for(ds, arch, cells, shuffle), cfg,
        progress=progress, should_stop=should_stop, state_path=state_path, resume=resume,
    )  # fmt: skip
    train_acc = evaluate(model, ds.X_train, ds.y_train, ds.lengths_train).accuracy
    test_acc = evaluate(model, ds.X_test, ds.y_test, ds.lengths_test).accuracy if len(ds.y_test) else None
    training = result.to_dict()
    training.update(
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        seed=cfg.seed,
        torch_version=torch.__version__,
        platform=platform.platform(),
    )
    metadata = {
        "classes": list(ds.classes),
        "preprocessing": ds.preprocessing,
        "dataset": dataset_summary(ds),
        "training": training,
    }
    return model, metadata


def dataset_summary(ds: Dataset) -> dict:
    """Name, source and sizes of ``ds``, as recorded in checkpoints."""
    return {
        "name": ds.name,
        "source": ds.source,
        "n_train": int(len(ds.y_train)),
        "n_test": int(len(ds.y_test)),
        "length": ds.length,
        "n_vars": ds.n_vars,
        "n_classes": ds.n_classes,
    }


def aligned_split(model: LSTMFCN, ds: Dataset, split: str = "test", *, fix_length: bool = False) -> AlignedSplit:
    """``ds``'s split checked against and mapped to a loaded model (see :func:`align_split`)."""
    return align_split(model.config, model_classes(model), ds, split, fix_length=fix_length)


def model_classes(model: LSTMFCN) -> list[str]:
    """Class names in the model's output order (from its checkpoint metadata, else ``"0"…``)."""
    return getattr(model, "metadata", {}).get("classes") or [str(i) for i in range(model.config.n_classes)]
