"""A checkpoint's model configuration checked against its weights' shapes *before* any model exists.

The metadata is text anyone can edit: with ``cells`` set to 40000 in the GunPoint checkpoint,
building the model first allocated 25.6 GB (an uncaught error) and 8000 cost 85 s before the
weights were compared. Here the shapes the configuration implies come from the model built on
PyTorch's ``meta`` device (shapes only, no storage: milliseconds for any size, and always the
architecture's own layers, whatever options it gains) and are compared with the shapes the
safetensors header states; safetensors then refuses a header whose shapes disagree with its bytes.
Fields that no weight records (the series length when the LSTM reads variables, dropout, the
BatchNorm constants) get sane bounds instead.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import fields

import torch

from .errors import CheckpointError
from .models import ModelConfig, build_model

#: Longest series a model may claim to read (the longest UCR/UEA series has 17,984 points).
MAX_LENGTH = 100_000
#: Largest value any other integer field may hold: far above any real model, small enough that the
#: shapes it implies stay countable (a 10**12-cell LSTM overflows a tensor's element count).
MAX_SIZE = 1_000_000
#: Fields that count modules rather than sizes: even without storage, each module costs time to build.
MAX_COUNT = {"lstm_layers": 64}
#: Float fields that no weight records, with the half-open interval each must lie in.
FLOAT_BOUNDS = {"dropout": (0.0, 1.0), "bn_eps": (1e-12, 1.0), "bn_momentum": (0.0, 1.0)}


def check_against_weights(data: bytes, config: ModelConfig, name: str, skip_prefix: str) -> None:
    """Raise :class:`CheckpointError` (one sentence) unless ``config`` is within bounds and every
    weight in the header of checkpoint ``data`` has the shape ``config`` implies.

    Args:
        data: the checkpoint's bytes (the 8-byte length and the header suffice).
        config: the model configuration read from its metadata.
        name: the file's name, for the message.
        skip_prefix: tensors that are not weights (the training history).
    """
    check_bounds(config, name)
    stated = {k: v for k, v in header_shapes(data, name).items() if not k.startswith(skip_prefix)}
    implied = implied_shapes(config, name)
    missing, unexpected = sorted(set(implied) - set(stated)), sorted(set(stated) - set(implied))
    if missing or unexpected:
        raise CheckpointError(
            f"{name}: weights do not match a {config.arch} model"
            f" (missing: {', '.join(missing[:5]) or 'none'}; unexpected: {', '.join(unexpected[:5]) or 'none'})"
        )
    for key, shape in implied.items():  # in the model's order: the first layer that differs is named
        if stated[key] != shape:
            raise CheckpointError(
                f"{name}: its metadata does not match its weights: '{key}' is {stated[key]} in the file but"
                f" {shape} in the model the metadata describes ({_config_words(config)})"
            )


def check_bounds(config: ModelConfig, name: str) -> None:
    """Refuse values no real model has, before any shape is computed from them."""
    for field in fields(config):
        value = getattr(config, field.name)
        values = value if isinstance(value, tuple) else (value,)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            limit = MAX_LENGTH if field.name == "length" else MAX_COUNT.get(field.name, MAX_SIZE)
            if any(v > limit for v in values):
                raise CheckpointError(f"{name}: the metadata's {field.name} = {value} is beyond {limit:,}")
    for key, (low, high) in FLOAT_BOUNDS.items():
        value = getattr(config, key, None)
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value) and low <= value < high):
            raise CheckpointError(f"{name}: the metadata's {key} = {value!r} is outside [{low}, {high})")


def header_shapes(data: bytes, name: str) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor the safetensors header of ``data`` lists, read from the header alone."""
    try:
        (header_len,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
        return {k: tuple(int(n) for n in v["shape"]) for k, v in header.items() if k != "__metadata__"}
    except (struct.error, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CheckpointError(f"{name}: the safetensors header does not list the weights' shapes ({exc})") from exc


def implied_shapes(config: ModelConfig, name: str) -> dict[str, tuple[int, ...]]:
    """The shape of each weight of the model ``config`` describes, from a model without storage."""
    try:
        with torch.device("meta"):
            model = build_model(config)
        return {k: tuple(v.shape) for k, v in model.state_dict().items()}
    except (RuntimeError, ValueError, TypeError, OverflowError) as exc:
        raise CheckpointError(f"{name}: the metadata's model configuration cannot be built ({exc})") from exc


def _config_words(config: ModelConfig) -> str:
    """The fields a reader can compare with what they expected: "lstmfcn, 40000 cells, 1 variable(s) …"."""
    return (
        f"{config.arch}, {config.cells} cells, {config.n_vars} variable(s), length {config.length},"
        f" {config.n_classes} classes, filters {list(config.filters)}"
    )
