"""Training one unit of a sweep: a plain function (the Ray task in :mod:`.runner` only calls it).

A unit trains with the papers' recipe (:func:`lstmfcn.workflow.train_on_dataset`), keeps the
training's resumable state in its folder while it runs, then writes, each atomically and in this
order: the checkpoint, every class's CAM of the test split (so the dashboard opens it at once),
and the metrics, whose presence marks the unit finished.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmfcn.checkpoint import save_checkpoint
from lstmfcn.data import load_dataset
from lstmfcn.data.subsets import chunks
from lstmfcn.evaluation import evaluate
from lstmfcn.inputs import model_input
from lstmfcn.training import TrainConfig
from lstmfcn.workflow import dataset_summary, train_on_dataset

from . import store
from .plan import CANDIDATE, Unit
from .selection import validation_dataset


@dataclass(frozen=True)
class UnitSettings:
    """What every unit of a sweep shares: epochs, the validation fraction, the training device."""

    epochs: int = 2000
    val_fraction: float = 0.2
    device: str = "cpu"
    save_every: int = 200

    def record(self) -> dict:
        """The settings a sweep folder is tied to (the device is not one: results do not depend on it)."""
        return {"epochs": self.epochs, "val_fraction": self.val_fraction}


def run_unit(unit: Unit, out: str | os.PathLike, settings: UnitSettings, val_accuracy: float | None = None) -> dict:
    """Train ``unit`` and write its files under ``out``; returns its metrics (as written).

    Args:
        unit: a candidate (trained on the fit part, scored on validation and, for the record, on
            test) or a refit (trained on the whole training split, scored on test).
        val_accuracy: for a refit, the validation accuracy of the candidate it was chosen as.
    """
    folder = store.unit_dir(out, unit)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    ds = load_dataset(unit.location)
    config = TrainConfig(epochs=settings.epochs, seed=unit.seed, device=settings.device, save_every=settings.save_every)
    state = folder / store.STATE
    if unit.stage == CANDIDATE:
        train_on, split = validation_dataset(ds, settings.val_fraction, unit.seed)
    else:
        train_on, split = ds, None
    model, meta = train_on_dataset(train_on, unit.model, cells=unit.cells, config=config, state_path=state, resume=True)
    training = meta["training"]
    if unit.stage == CANDIDATE:
        val_accuracy = training["test_accuracy"]  # the validation part stood in for the test split
        test = model_input(model, ds, "test")
        training["val_accuracy"] = val_accuracy
        training["test_accuracy"] = evaluate(model, test.X, test.y, test.lengths).accuracy
    else:
        training["val_accuracy"] = val_accuracy
    meta["dataset"] = dataset_summary(ds)
    meta["sweep"] = {**unit.to_dict(), "validation_split": split, "n_fit": int(len(train_on.y_train))}
    model.metadata = meta
    save_checkpoint(folder / store.CHECKPOINT, model, meta)
    store.write_npz_atomic(folder / store.CAM, test_cam(model, ds))
    metrics = {
        **unit.to_dict(),
        "key": unit.key,
        "val_accuracy": val_accuracy,
        "test_accuracy": training["test_accuracy"],
        "train_accuracy": training["train_accuracy"],
        "n_fit": int(len(train_on.y_train)),
        "n_val": int(len(train_on.y_test)) if unit.stage == CANDIDATE else None,
        "n_test": int(len(ds.y_test)),
        "epochs": training["epochs_run"],
        "best_epoch": training["best_epoch"],
        "checkpoint": str(Path("units") / unit.key / store.CHECKPOINT),
        "training_s": training["wall_time_s"],
        "unit_s": time.perf_counter() - started,
        "device": training["device"],
    }
    store.write_json_atomic(folder / store.METRICS, metrics)
    state.unlink(missing_ok=True)
    return metrics


def test_cam(model, ds) -> dict[str, np.ndarray]:
    """Every class's CAM of ``ds``'s test split on the model's input path, chunk by chunk as the
    dashboard computes it (:func:`lstmfcn.data.subsets.chunks`), so both give the same numbers:
    ``cam`` ``(N, K, T)``, ``offset`` ``(N, K)``, ``logits`` ``(N, K)``."""
    from lstmfcn.explain import class_activation_maps  # Captum & co. load only once a unit computes

    a = model_input(model, ds, "test")
    parts = [class_activation_maps(model, a.X[s:e], a.lengths[s:e]) for s, e in chunks(len(a.y))]
    return {k: np.concatenate([getattr(p, k) for p in parts]) for k in ("cam", "offset", "logits")}
