"""Checkpoints: identical logits after a round trip, float16 storage, and refusal of anything else."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import torch
from safetensors.torch import save as st_save

from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint, load_checkpoint_bytes, load_model, save_checkpoint
from lstmfcn.errors import CheckpointError
from lstmfcn.evaluation import predict_logits
from lstmfcn.models import ARCHITECTURES, ModelConfig, build_model


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_round_trip_gives_identical_logits(arch, tmp_path):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch, 2, 40, 3, shuffle=arch.startswith("a"))).eval()
    path = save_checkpoint(tmp_path / "m.safetensors", model, {"classes": ["a", "b", "c"], "note": "ü"})
    loaded = load_model(path)
    x = np.random.default_rng(0).normal(size=(7, 2, 40)).astype(np.float32)
    np.testing.assert_array_equal(predict_logits(loaded, x), predict_logits(model, x))
    assert loaded.metadata["classes"] == ["a", "b", "c"] and loaded.metadata["note"] == "ü"
    assert not loaded.training


def test_training_history_travels_as_tensors_and_comes_back(tmp_path):
    torch.manual_seed(0)
    model = build_model(ModelConfig("lstmfcn", 1, 30, 2)).eval()
    history = {"loss": [0.1 * i + 1 / 3 for i in range(2000)], "accuracy": [0.5] * 2000, "lr": [1e-3] * 2000}
    data = checkpoint_bytes(model, {"classes": ["a", "b"], "training": {"history": history, "seed": 0}})
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    assert "history" not in json.loads(header["__metadata__"]["lstmfcn"])["training"]
    assert header["history.loss"]["shape"] == [2000] and header["history.loss"]["dtype"] == "F32"
    assert header_len < 10_000  # 6000 epoch values as JSON text would be ~70 kB of header
    _, meta = load_checkpoint_bytes(data)
    assert meta["training"]["seed"] == 0
    for k, values in history.items():  # float32 round trip
        np.testing.assert_array_equal(meta["training"]["history"][k], np.float32(values).tolist())


def test_version_1_checkpoint_with_json_history_still_loads():
    torch.manual_seed(0)
    model = build_model(ModelConfig("lstmfcn", 1, 30, 2)).eval()
    meta = {
        "format": "lstmfcn-checkpoint",
        "version": 1,
        "classes": ["a", "b"],
        "model": model.config.to_dict(),
        "training": {"history": {"loss": [0.5, 0.25]}},
    }
    data = st_save({k: v.contiguous() for k, v in model.state_dict().items()}, metadata={"lstmfcn": json.dumps(meta)})
    loaded, got = load_checkpoint_bytes(data)
    assert got["training"]["history"] == {"loss": [0.5, 0.25]}
    x = np.zeros((1, 1, 30), np.float32)
    np.testing.assert_array_equal(predict_logits(loaded, x), predict_logits(model, x))


def test_float16_storage_keeps_logits_close(trained_lstmfcn, gunpoint):
    model, meta = trained_lstmfcn
    full = load_checkpoint_bytes(checkpoint_bytes(model, meta))[0]
    half_bytes = checkpoint_bytes(model, meta, half=True)
    half = load_checkpoint_bytes(half_bytes)[0]
    assert len(half_bytes) < 0.6 * len(checkpoint_bytes(model, meta))
    ref = predict_logits(full, gunpoint.X_test)
    got = predict_logits(half, gunpoint.X_test)
    # float16 keeps ~3 significant digits per weight: logits move by a few 1e-3 of their scale (more
    # than the 1e-3 the zoo allows, so the zoo ships float32), and no prediction changes.
    assert np.abs(got - ref).max() < 5e-3 * np.abs(ref).max()
    np.testing.assert_array_equal(got.argmax(1), ref.argmax(1))


class _Payload:
    def __reduce__(self):
        return (open, ("/tmp/lstmfcn_pwned", "w"))


def test_pickle_payload_is_refused_and_never_runs(tmp_path):
    import os

    marker = "/tmp/lstmfcn_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    evil = tmp_path / "model.safetensors"
    evil.write_bytes(pickle.dumps({"state_dict": _Payload()}))
    with pytest.raises(CheckpointError, match="not a safetensors checkpoint"):
        load_checkpoint(evil)
    assert not os.path.exists(marker)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "bytes long"),
        (b"\x00" * 4, "bytes long"),
        (b"garbage that is not a checkpoint at all", "not a safetensors checkpoint"),
        (struct.pack("<Q", 5) + b"{oops", "unreadable header"),
        (st_save({"w": torch.zeros(2)}), "not an LSTM-FCN checkpoint"),
    ],
)
def test_invalid_files_get_a_sentence(data, message):
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint_bytes(data, "upload.safetensors")


def test_wrong_weights_are_named():
    meta = {
        "format": "lstmfcn-checkpoint",
        "version": 1,
        "classes": ["x", "y"],
        "model": ModelConfig("lstmfcn", 1, 10, 2).to_dict(),
    }
    data = st_save({"head.weight": torch.zeros(2, 136)}, metadata={"lstmfcn": json.dumps(meta)})
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint_bytes(data)
    broken = build_model(ModelConfig("lstmfcn", 1, 10, 2))
    with torch.no_grad():
        broken.head.weight[0, 0] = float("nan")
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint_bytes(checkpoint_bytes(broken, {"classes": ["x", "y"]}))


def test_missing_file_and_bad_config(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "absent.safetensors")
    meta = {"format": "lstmfcn-checkpoint", "version": 1, "classes": ["x"], "model": {"arch": "nope"}}
    data = st_save({"w": torch.zeros(1)}, metadata={"lstmfcn": json.dumps(meta)})
    with pytest.raises(CheckpointError, match="invalid model configuration"):
        load_checkpoint_bytes(data)
