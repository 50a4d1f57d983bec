"""Checkpoints: one ``.safetensors`` file holding the weights and JSON metadata. Never a pickle.

The metadata (``__metadata__["lstmfcn"]``, a JSON string) holds::

    {"format": "lstmfcn-checkpoint", "version": 2,
     "model": ModelConfig.to_dict(), "classes": [...], "preprocessing": {...},
     "class_names": [...], "variable_names": [...],  # display only; optional, see data/names.py
     "dataset": {"name": ..., "source": ..., "n_train": ..., ...},
     "train_series": {"scheme": ..., "digests": [...]},  # optional, see data/overlap.py
     "training": TrainResult.to_dict() + accuracies, "weights_dtype": "float32" | "float16"}

The per-epoch training history (``training["history"]``: loss, accuracy, learning rate, 2000
values each for the papers' recipe) is stored as float32 tensors named ``history.<name>`` rather
than as JSON text: a third of the bytes, which keeps the shipped zoo within its size budget.
:func:`load_checkpoint` puts it back into the metadata as lists. Version 1 files kept it in the
JSON; they still load.

Loading parses the 8-byte header length and the JSON header ourselves before handing the bytes
to safetensors, so a file that is not a checkpoint gets a sentence, not a stack trace.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from .checkpoint_checks import check_against_weights
from .errors import CheckpointError
from .models import LSTMFCN, ModelConfig, build_model

FORMAT = "lstmfcn-checkpoint"
VERSION = 2
HISTORY_PREFIX = "history."
_MAX_HEADER = 10 * 1024 * 1024  # a real header is a few kB; refuse absurd claims early


def checkpoint_bytes(model: LSTMFCN, metadata: dict, *, half: bool = False) -> bytes:
    """Serialise ``model`` and ``metadata`` to checkpoint bytes (for downloads and files).

    Args:
        model: the trained model.
        metadata: JSON-serialisable dict (classes, preprocessing, dataset, training, …); the
            model config, format and version are added here.
        half: store floating-point weights as float16 (half the size; loading casts back).
    """
    meta = dict(metadata)
    meta.update(format=FORMAT, version=VERSION, model=model.config.to_dict())
    meta["weights_dtype"] = "float16" if half else "float32"
    tensors = {}
    if isinstance(meta.get("training"), dict) and isinstance(meta["training"].get("history"), dict):
        training = dict(meta["training"])
        for k, values in training.pop("history").items():
            tensors[HISTORY_PREFIX + k] = torch.tensor([float(v) for v in values], dtype=torch.float32)
        meta["training"] = training
    for k, v in model.state_dict().items():
        v = v.detach().cpu().contiguous()
        tensors[k] = v.half() if half and v.is_floating_point() else v
    return save_safetensors_bytes(tensors, metadata={"lstmfcn": json.dumps(meta)})


def save_checkpoint(path: str | os.PathLike, model: LSTMFCN, metadata: dict, *, half: bool = False) -> Path:
    """Write a checkpoint file (atomically: written beside ``path`` and renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(checkpoint_bytes(model, metadata, half=half))
    os.replace(tmp, path)
    return path


def read_metadata(data: bytes, name: str = "checkpoint") -> dict:
    """The ``lstmfcn`` metadata of checkpoint bytes, validated; raises :class:`CheckpointError`."""
    if len(data) < 8:
        raise CheckpointError(f"{name}: not a safetensors checkpoint (the file is {len(data)} bytes long)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > min(_MAX_HEADER, len(data) - 8):
        raise CheckpointError(
            f"{name}: not a safetensors checkpoint (its first bytes do not describe a safetensors header;"
            " pickled PyTorch files such as .pt/.pth are refused on purpose)"
        )
    try:
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
        meta = json.loads(header.get("__metadata__", {}).get("lstmfcn", "null"))
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise CheckpointError(f"{name}: not a safetensors checkpoint (unreadable header: {exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{name}: a safetensors file, but not an LSTM-FCN checkpoint (no '{FORMAT}' metadata)")
    if meta.get("version", 0) > VERSION:
        raise CheckpointError(
            f"{name}: checkpoint format version {meta['version']} is newer than this program ({VERSION})"
        )
    for key in ("model", "classes"):
        if key not in meta:
            raise CheckpointError(f"{name}: checkpoint metadata lacks the '{key}' field")
    return meta


def load_checkpoint_bytes(data: bytes, name: str = "checkpoint") -> tuple[LSTMFCN, dict]:
    """Build the model stored in checkpoint bytes; returns ``(model in eval mode, metadata)``."""
    meta = read_metadata(data, name)
    try:
        config = ModelConfig.from_dict(meta["model"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{name}: invalid model configuration in metadata: {exc}") from exc
    if len(meta["classes"]) != config.n_classes:
        raise CheckpointError(
            f"{name}: metadata lists {len(meta['classes'])} classes but the model has {config.n_classes} outputs"
        )
    # Before any tensor is read or model built: a forged "cells": 40000 would allocate 25.6 GB.
    check_against_weights(data, config, name, skip_prefix=HISTORY_PREFIX)
    try:
        tensors = load_safetensors_bytes(data)
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
        raise CheckpointError(f"{name}: the weights cannot be read ({exc})") from exc
    history = {k[len(HISTORY_PREFIX) :]: tensors.pop(k) for k in [k for k in tensors if k.startswith(HISTORY_PREFIX)]}
    if history and isinstance(meta.get("training"), dict):
        meta["training"]["history"] = {k: v.reshape(-1).tolist() for k, v in history.items()}
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{name}: weights do not match a {config.arch} model"
            f" (missing: {', '.join(missing[:5]) or 'none'}; unexpected: {', '.join(unexpected[:5]) or 'none'})"
        )
    for k, v in tensors.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(
                f"{name}: weight '{k}' has shape {tuple(v.shape)}, expected {tuple(expected[k].shape)}"
            )
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{name}: weight '{k}' contains NaN or infinite values")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in tensors.items()})
    model.eval()
    model.metadata = meta
    return model, meta


def load_checkpoint(path: str | os.PathLike) -> tuple[LSTMFCN, dict]:
    """Load a checkpoint file; returns ``(model in eval mode, metadata)``.

    Raises:
        CheckpointError: the file is missing, not safetensors, or not an LSTM-FCN checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    return load_checkpoint_bytes(path.read_bytes(), path.name)


def load_model(path: str | os.PathLike) -> LSTMFCN:
    """The model of a checkpoint, in eval mode; ``model.metadata`` holds its metadata."""
    return load_checkpoint(path)[0]
