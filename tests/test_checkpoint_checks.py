"""Checkpoint metadata is checked against the weights' shapes and sane bounds before any model is
built (issue #31): a forged ``cells`` is one sentence in milliseconds, on the CLI (exit 2) and in the
dashboard (the previous model kept), never a 25.6 GB allocation or minutes of work: the refusal comes
before any tensor is read or any model is built (counted, not timed: ``lstmfcn.bench.quick_paths``
times it)."""

from __future__ import annotations

import pytest
import torch

import lstmfcn.checkpoint as checkpoint_module
from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.cli import main
from lstmfcn.errors import CheckpointError
from lstmfcn.models import ModelConfig, build_model
from tests.helpers.forged import with_model_field
from tests.helpers.shipped import LSTMFCN_MODEL


@pytest.fixture
def heavy_work(monkeypatch) -> list[str]:
    """The names of the slow steps of a load that ran (tensors read, a model built with storage), in order."""
    ran: list[str] = []

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            ran.append(name)
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        checkpoint_module, "load_safetensors_bytes", counted("read", checkpoint_module.load_safetensors_bytes)
    )
    monkeypatch.setattr(checkpoint_module, "build_model", counted("build", checkpoint_module.build_model))
    return ran


@pytest.fixture(scope="module")
def gunpoint_bytes(shipped_models) -> bytes:
    return (shipped_models / f"{LSTMFCN_MODEL}.safetensors").read_bytes()


@pytest.mark.parametrize("cells", [40000, 8000])
def test_a_forged_cell_count_is_refused_before_any_work_in_one_sentence(gunpoint_bytes, cells, heavy_work):
    forged = with_model_field(gunpoint_bytes, cells=cells)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint_bytes(forged, "forged.safetensors")
    assert heavy_work == []
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
def test_the_cli_refuses_the_forged_checkpoint_with_exit_2_and_one_line(
    tmp_path, capsys, gunpoint_bytes, command, heavy_work
):
    path = tmp_path / "GunPoint__lstmfcn.safetensors"
    path.write_bytes(with_model_field(gunpoint_bytes, cells=40000))
    argv = [command, "--checkpoint", str(path), "--dataset", "GunPoint"]
    out = tmp_path / ("out.npz" if command == "explain" else "out.html")
    argv += ["--out", str(out)] if command != "evaluate" else []
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("error: GunPoint__lstmfcn.safetensors: its metadata does not match its weights")
    assert heavy_work == [] and not out.exists()


def test_the_dashboard_refuses_the_forged_upload_and_keeps_the_model(app, gunpoint_bytes, heavy_work):
    at = app()
    forged = with_model_field(gunpoint_bytes, cells=40000)
    before = len(heavy_work)  # the page's own model may be loaded while the script runs
    at.file_uploader(key="_upload_model").set_value(("forged.safetensors", forged, "application/octet-stream")).run()
    assert heavy_work[before:] == []  # a rerun of the page, not 85 s of server work on the forged file
    assert not at.exception, [e.value for e in at.exception]
    assert any("its metadata does not match its weights" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["model"] == LSTMFCN_MODEL and at.session_state["dataset"] == "GunPoint"
