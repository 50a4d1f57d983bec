"""The Sweep page on a real (tiny) sweep folder: its table is the folder's results, the comparison is
the library's, a bad folder is a sentence; and the sweep's files are read safely."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.dashboard import sweeps
from lstmfcn.errors import CheckpointError
from lstmfcn.sweep import store
from lstmfcn.sweep.compare import comparison_table
from tests.helpers.sweeps import sweep_page, tiny_sweep_folder


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """ItalyPowerDemand × LSTM-FCN × 8 and 16 cells × seed 0, 3 epochs (a few seconds)."""
    return tiny_sweep_folder(tmp_path_factory.mktemp("sweep"))


def _one(folder):
    return sweeps.offered_folders([folder.resolve()])[0]


def test_the_page_shows_the_folders_results_and_comparison(app, sweep_folder, monkeypatch):
    at = sweep_page(app, monkeypatch, [sweep_folder])
    assert at.selectbox(key="sweep_folder").value == sweep_folder.name  # the only one: picked
    results = store.read_results(sweep_folder)
    shown = next(d.value for d in at.dataframe if "val_accuracy" in d.value.columns)
    assert len(shown) == len(results) == 3
    np.testing.assert_allclose(shown["test_accuracy"], results["test_accuracy"])
    assert list(shown["selected"]) == [False, False, True]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Units trained"] == "3" and metrics["Selected models"] == "1"
    comp = comparison_table(results)
    t = {k: int((comp["outcome"] == k).sum()) for k in ("win", "draw", "loss")}
    assert metrics["Wins / draws / losses"] == f"{t['win']} / {t['draw']} / {t['loss']}"
    table = next(d.value for d in at.dataframe if "theirs" in d.value.columns)
    assert table["theirs"].tolist() == [0.9621]  # the authors' ItalyPowerDemand LSTM-FCN
    assert table["ours"].iloc[0] == pytest.approx(results[results["selected"]]["test_accuracy"].iloc[0])
    assert any("train_loss_old_datasets.csv" in c.value for c in at.caption)


@pytest.mark.slow
def test_a_units_checkpoint_is_only_read_inside_its_folder(sweep_folder):
    folder = _one(sweep_folder)
    results = sweeps.sweep_results(folder)
    row = results[results["selected"]].iloc[0]
    name, data, meta = sweeps.unit_checkpoint(folder, row["checkpoint"])
    assert name == "ItalyPowerDemand__lstmfcn__c8__s0__refit.safetensors".replace("c8", f"c{int(row['cells'])}")
    assert sweeps.embedded_dataset_of(meta) == "ItalyPowerDemand"
    cam = sweeps.unit_cam(folder, row["checkpoint"])
    assert cam["cam"].shape == (1029, 2, 24) and cam["logits"].shape == (1029, 2)
    for bad in ("../../etc/passwd", "units/../sweep.json", "units/x/other.safetensors", "/etc/model.safetensors"):
        with pytest.raises(CheckpointError, match=sweeps.UNIT_REFUSED):
            sweeps.unit_checkpoint(folder, bad)
    assert sweeps.offered_folders([(sweep_folder / "units").resolve()]) == []


def test_a_row_opens_its_model_on_every_page_with_its_cam_ready(app, sweep_folder, monkeypatch):
    at = sweep_page(app, monkeypatch, [sweep_folder])
    results = store.read_results(sweep_folder)
    i = int(np.flatnonzero(results["selected"])[0])
    at.session_state["sweep_rows"] = {"selection": {"rows": [i], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    model_id = at.session_state["model"]
    assert model_id.startswith("sweep:") and at.session_state["dataset"] == "ItalyPowerDemand"
    assert any("Opened" in s.value for s in at.success) and not at.warning  # its maps passed the check

    # The CAM page finds the unit's maps on disk: computing them now would fail.
    from lstmfcn.dashboard import explanations

    computed = []
    real = explanations.cam_chunk
    monkeypatch.setattr(explanations, "cam_chunk", lambda *a: computed.append(len(a[1])) or real(*a))
    at.switch_page("pages/cam.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert computed == []  # every chunk of the test split was found on disk
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any(t.startswith("Test sample #0: CAM of class") for t in titles), titles
    assert at.session_state["model"] == model_id
    assert any(model_id.startswith("sweep:") and "sweep" in s.value for s in at.sidebar.caption)


def test_without_a_configured_root_the_page_says_who_configures_it(app, monkeypatch):
    at = sweep_page(app, monkeypatch, [])
    assert not at.error and all(t.key != "sweep_folder" for t in at.text_input)  # nothing to type a path into
    assert any("No sweep folders are offered" in i.value and sweeps.ENV in i.value for i in at.info)
