"""Checkpoint metadata is checked against the weights' shapes and sane bounds before any model is
built (issue #31): a forged ``cells`` is one sentence in milliseconds, on the CLI (exit 2) and in the
dashboard (the previous model kept), never a 25.6 GB allocation or minutes of work."""

from __future__ import annotations

import time

import pytest
import torch

from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.cli import main
from lstmfcn.errors import CheckpointError
from lstmfcn.models import ModelConfig, build_model
from tests.helpers.forged import with_model_field
from tests.helpers.shipped import LSTMFCN_MODEL


@pytest.fixture(scope="module")
def gunpoint_bytes(shipped_models) -> bytes:
    return (shipped_models / f"{LSTMFCN_MODEL}.safetensors").read_bytes()


@pytest.mark.parametrize("cells", [40000, 8000])
def test_a_forged_cell_count_is_refused_in_milliseconds_in_one_sentence(gunpoint_bytes, cells):
    forged = with_model_field(gunpoint_bytes, cells=cells)
    start = time.perf_counter()
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint_bytes(forged, "forged.safetensors")
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    assert "\n" not in message and message.startswith("forged.safetensors: its metadata does not match its weights")
    assert "'lstm.weight_ih_l0' is (32, 150) in the file" in message and f"{cells} cells" in message


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("length", 10**9, "length = 1000000000 is beyond 100,000"),  # no weight records it: shuffle off
        ("dropout", 1.5, "dropout = 1.5 is outside [0.0, 1.0)"),
        ("bn_eps", float("nan"), "bn_eps = nan is outside"),
        ("cells", 10**12, "cells = 1000000000000 is beyond 1,000,000"),
        ("lstm_layers", 10**6, "lstm_layers = 1000000 is beyond 64"),  # a million modules, even without storage
    ],
)
def test_fields_no_weight_records_are_bounded(field, value, words):
    model = build_model(ModelConfig("lstmfcn", 1, 20, 2, shuffle=False)).eval()
    data = with_model_field(checkpoint_bytes(model, {"classes": ["a", "b"]}), **{field: value})
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint_bytes(data, "m.safetensors")
    assert str(caught.value).startswith(f"m.safetensors: the metadata's {words}")


def test_an_honest_checkpoint_of_every_shape_still_loads():
    torch.manual_seed(0)
    for config in (
        ModelConfig("malstmfcn", 3, 17, 4, cells=64, shuffle=False),
        ModelConfig("mlstmfcn", 2, 9, 2),
        ModelConfig("lstmfcn", 2, 9, 2, lstm_layers=3, bidirectional=True, lstm_readout="last_step"),
    ):
        loaded, _ = load_checkpoint_bytes(
            checkpoint_bytes(build_model(config).eval(), {"classes": list(range(4))[: config.n_classes]})
        )
        assert loaded.config == config


@pytest.mark.parametrize("command", ["evaluate", "explain", "report"])
def test_the_cli_refuses_the_forged_checkpoint_with_exit_2_and_one_line(tmp_path, capsys, gunpoint_bytes, command):
    path = tmp_path / "GunPoint__lstmfcn.safetensors"
    path.write_bytes(with_model_field(gunpoint_bytes, cells=40000))
    argv = [command, "--checkpoint", str(path), "--dataset", "GunPoint"]
    out = tmp_path / ("out.npz" if command == "explain" else "out.html")
    argv += ["--out", str(out)] if command != "evaluate" else []
    import lstmfcn.report  # noqa: F401 - the time measured is the refusal's, not the first import of plotly & co.

    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("error: GunPoint__lstmfcn.safetensors: its metadata does not match its weights")
    assert elapsed < 1.0
    assert not out.exists()


def test_the_dashboard_refuses_the_forged_upload_and_keeps_the_model(app, gunpoint_bytes):
    at = app()
    forged = with_model_field(gunpoint_bytes, cells=40000)
    start = time.perf_counter()
    at.file_uploader(key="_upload_model").set_value(("forged.safetensors", forged, "application/octet-stream")).run()
    assert time.perf_counter() - start < 10  # a rerun of the page, not 85 s of server work
    assert not at.exception, [e.value for e in at.exception]
    assert any("its metadata does not match its weights" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["model"] == LSTMFCN_MODEL and at.session_state["dataset"] == "GunPoint"
