"""A sweep folder as the dashboard reads it: its results, its comparison with the published numbers,
and each unit's checkpoint and precomputed test-split CAM (see :mod:`lstmfcn.sweep.store`).

A unit's model becomes a source like an upload: its checkpoint bytes go into the session's
:class:`~lstmfcn.dashboard.blobs.BlobStore` under ``"sweep:<digest>"``, so every page opens it.
Paths come from the folder's own table and are only followed inside the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from lstmfcn.checkpoint import read_metadata
from lstmfcn.data.catalog import find_entry
from lstmfcn.errors import CheckpointError, DataError
from lstmfcn.sweep import store
from lstmfcn.sweep.compare import comparison_table, tally

#: Columns of the page's table, in order (the rest of ``results.csv`` stays in the download).
SHOWN = ["dataset", "model", "cells", "seed", "stage", "selected", "val_accuracy", "test_accuracy", "n_test"]


def sweep_results(folder: str | os.PathLike) -> pd.DataFrame:
    """The folder's ``results.csv`` (raises :class:`DataError` with a sentence when it holds none)."""
    path = Path(str(folder).strip()).expanduser()
    if not path.is_dir():
        raise DataError(f"{path} is not a folder; expected the --out folder of `python -m lstmfcn sweep`")
    df = store.read_results(path)
    df["selected"] = df["selected"].astype(str).str.lower().isin(("true", "1"))
    return df


def sweep_comparison(results: pd.DataFrame, table: str = "training_loss") -> tuple[pd.DataFrame, dict[str, int]]:
    """Ours (selected) against a published table, and the tally of wins, draws and losses."""
    comp = comparison_table(results, table)
    return comp, tally(comp)


def unit_checkpoint(folder: str | os.PathLike, checkpoint: str) -> tuple[str, bytes, dict]:
    """``(file name, bytes, metadata)`` of a unit's checkpoint named by the table.

    Raises:
        CheckpointError: the path leaves the folder's ``units/``, or the file is missing or not ours.
    """
    root = (Path(folder).expanduser() / "units").resolve()
    path = (Path(folder).expanduser() / str(checkpoint)).resolve()
    if not path.is_relative_to(root) or path.name != store.CHECKPOINT:
        raise CheckpointError(f"'{checkpoint}' is not a unit checkpoint of this sweep folder")
    try:
        data = path.read_bytes()
    except OSError:
        raise CheckpointError(f"{path} is missing; was the unit's folder moved or removed?") from None
    return f"{path.parent.name}.safetensors", data, read_metadata(data, path.name)


def unit_cam(folder: str | os.PathLike, checkpoint: str) -> dict[str, np.ndarray] | None:
    """The unit's precomputed CAM of its test split (``cam`` (N, K, T), ``offset``, ``logits`` (N, K)),
    or None when it is missing or unreadable (the page then computes it)."""
    path = Path(folder).expanduser() / Path(str(checkpoint)).parent / store.CAM
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in ("cam", "offset", "logits")}
    except (OSError, ValueError, KeyError):
        return None


def embedded_dataset_of(meta: dict) -> str | None:
    """The catalog name of the dataset a checkpoint was trained on, or None for a user's own files
    (an ``--archive`` sweep: the dashboard then needs those files uploaded)."""
    info = meta.get("dataset") or {}
    entry = find_entry(str(info.get("name", "")))
    if entry is None or entry.name != info.get("name") or info.get("source") != entry.source:
        return None
    return entry.name
