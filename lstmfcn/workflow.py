"""Dataset-level workflows shared by the CLI, the dashboard and the model zoo."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import torch

from .checkpoint import save_checkpoint
from .data import load_dataset
from .data.dataset import Dataset
from .data.names import names_for_dataset
from .data.overlap import digest_record
from .device import cpu_model
from .evaluation import evaluate
from .inputs import model_inputs
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
    names: Mapping[str, Mapping] | None = None,
) -> tuple[LSTMFCN, dict]:
    """Train ``arch`` on ``ds``'s training split; returns ``(model, checkpoint metadata)``.

    The model is trained on ``ds``'s own preparation, which becomes the model's preprocessing
    record (``model.metadata`` is set too). Train and test accuracy are then measured on the model's
    input path (:func:`~lstmfcn.inputs.model_input`), as every later use will see them; test
    accuracy is measured once, after training, and recorded; nothing is selected on it.

    The metadata also carries ``class_names`` (aligned with ``classes``) and ``variable_names``
    (one per variable): the catalog's where the archive states them, overridden by ``names``, a
    user's renames ``{"classes": {label: name}, "variables": {index: name}}`` (see
    :func:`lstmfcn.data.names.names_for_dataset`; invalid renames raise ``DataError`` before
    any training). ``train_series`` records digests of the training series
    (:func:`lstmfcn.data.overlap.digest_record`), so that scoring the model on any of them later is
    recognised.
    """
    class_names, variable_names = names_for_dataset(ds, names)  # validated before a long run
    cfg = config or TrainConfig()
    model, result = fit(
        ds.X_train,
        ds.y_train,
        ds.lengths_train,
        model_config_for(ds, arch, cells, shuffle),
        cfg,
        progress=progress,
        should_stop=should_stop,
        state_path=state_path,
        resume=resume,
    )
    model.metadata = {
        "classes": list(ds.classes),
        "class_names": class_names,
        "variable_names": variable_names,
        "preprocessing": ds.preprocessing,
        "dataset": dataset_summary(ds),
    }
    if ds.raw_train is not None:  # so that a page can tell when it scores the model on what it learnt from
        model.metadata["train_series"] = digest_record(ds.raw_train.X)
    inputs = model_inputs(model, ds)  # both splits from one replay of the record
    train_acc, test_acc = (_accuracy(model, inputs[split]) for split in ("train", "test"))
    training = result.to_dict()
    training.update(
        train_accuracy=train_acc,
        test_accuracy=test_acc,
        seed=cfg.seed,
        torch_version=torch.__version__,
        platform=platform.platform(),
        cpu=cpu_model(),
    )
    model.metadata = metadata = {**model.metadata, "training": training}
    return model, metadata


class TrainedCheckpoint(NamedTuple):
    """What :func:`train_and_save` made: the model, its checkpoint metadata and the file written."""

    model: LSTMFCN
    metadata: dict
    path: Path | None  # None when ``should_stop`` ended the run before its last epoch


def train_and_save(
    dataset: str | os.PathLike,
    arch: str,
    out: str | os.PathLike,
    *,
    normalize: str = "per_sample",
    cells: int = 8,
    shuffle: bool = True,
    config: TrainConfig | None = None,
    half: bool = False,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    state_path: str | os.PathLike | None = None,
    resume: bool = False,
) -> TrainedCheckpoint:
    """Load a dataset, train ``arch`` on it and save the checkpoint to ``out``.

    The command line's ``train`` and the zoo's ``train`` and ``retrain`` are this one function.

    Args:
        dataset: an embedded dataset name or a file path, loaded with ``normalize``
            (:func:`~lstmfcn.data.load_dataset`).
        arch, cells, shuffle, config, progress: as for :func:`train_on_dataset`.
        out: the checkpoint to write (``.safetensors``); written atomically, so an interrupted
            run never leaves half a file.
        half: store the weights as float16.
        should_stop: polled after every epoch; a run it stops writes no checkpoint (``path`` is
            None) and, with ``state_path``, continues from there when run again with ``resume``.
        state_path, resume: where the resumable state is saved every ``config.save_every``
            epochs, and whether to continue from it; the state file is removed once the
            checkpoint is written.

    Returns:
        ``(model, metadata, path)``; ``path`` is None when the run was stopped.
    """
    ds = load_dataset(dataset, normalize=normalize)
    model, meta = train_on_dataset(
        ds,
        arch,
        cells=cells,
        shuffle=shuffle,
        config=config,
        progress=progress,
        should_stop=should_stop,
        state_path=state_path,
        resume=resume,
    )
    if meta["training"]["stopped"]:
        return TrainedCheckpoint(model, meta, None)
    path = save_checkpoint(out, model, meta, half=half)
    if state_path is not None:
        Path(state_path).unlink(missing_ok=True)
    return TrainedCheckpoint(model, meta, path)


def _accuracy(model: LSTMFCN, inputs) -> float | None:
    """Accuracy on a split prepared by the model's input path; None for an empty split."""
    return evaluate(model, inputs.X, inputs.y, inputs.lengths).accuracy if len(inputs.y) else None


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
