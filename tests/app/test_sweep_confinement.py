"""Issue #31: the Sweep page reads only what the operator configured (``LSTMFCN_SWEEP_DIR``), picked
from a list; every path resolved and confined (symlinks too); one sentence for every refusal; a
large ``results.csv`` refused in bounded memory; and a forged unit CAM never reaches the shared cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from lstmfcn.dashboard import sweeps
from lstmfcn.errors import DataError
from lstmfcn.sweep import store
from tests.helpers.sweeps import sweep_page, tiny_sweep_folder


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    return tiny_sweep_folder(tmp_path_factory.mktemp("sweep"))


def _click(at, row):
    at.session_state["sweep_rows"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
def test_only_configured_roots_and_their_sweep_folders_are_offered(sweep_folder, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(sweep_folder, root / "a")
    (root / "not-a-sweep").mkdir()
    (root / "ssh").symlink_to("/root/.ssh")  # a link out of the root: never offered
    (root / "gone").symlink_to("/nonexistent")
    outside = tmp_path / "outside"
    shutil.copytree(sweep_folder, outside)
    (root / "linked").symlink_to(outside)
    env = {sweeps.ENV: os.pathsep.join([str(root), "/root/.ssh", "/nonexistent", str(tmp_path / "file")])}
    (tmp_path / "file").write_text("x")
    roots = sweeps.configured_roots(env)
    assert roots[0] == root.resolve() and not {"/nonexistent", str(tmp_path / "file")} & set(map(str, roots))
    offered = sweeps.offered_folders([root.resolve()])
    assert [f.label for f in offered] == ["root/a"]
    assert sweeps.configured_roots({}) == []


@pytest.mark.parametrize("probe", ["/root/.ssh", "/nonexistent", "/etc", "../..", "root/a/../../outside", ""])
def test_every_refusal_is_the_same_sentence(sweep_folder, tmp_path, probe):
    root = tmp_path / "root"
    shutil.copytree(sweep_folder, root / "a")
    offered = sweeps.offered_folders([root.resolve()])
    with pytest.raises(DataError) as err:
        sweeps.offered_folder(probe, offered)
    assert str(err.value) == sweeps.REFUSED


def test_probing_paths_through_the_page_tells_nothing(app, monkeypatch, tmp_path):
    said = []
    for probe in ("/root/.ssh", "/nonexistent"):
        at = sweep_page(app, monkeypatch, [probe])
        said.append([i.value for i in at.info] + [e.value for e in at.error])
        assert all(t.key != "sweep_folder" for t in at.text_input)  # nothing to type a path into
    assert said[0] == said[1] and "No sweep folders are offered" in said[0][0]


def test_a_symlinked_units_folder_pointing_outside_is_refused(app, monkeypatch, sweep_folder, tmp_path):
    root = tmp_path / "root"
    evil = root / "evil"
    evil.mkdir(parents=True)
    for name in (store.RESULTS, store.SETTINGS):
        shutil.copy(sweep_folder / name, evil / name)
    (evil / "units").symlink_to(sweep_folder / "units")  # the models live outside the root
    at = sweep_page(app, monkeypatch, [root])
    model_before = at.session_state["model"]
    _click(at, 2)
    assert any(sweeps.UNIT_REFUSED in e.value for e in at.error)
    assert at.session_state["model"] == model_before  # nothing opened, nothing lost


def test_a_results_csv_linked_from_outside_is_not_offered(sweep_folder, tmp_path):
    root = tmp_path / "root"
    (root / "b").mkdir(parents=True)
    (root / "b" / store.RESULTS).symlink_to(sweep_folder / store.RESULTS)
    assert sweeps.offered_folders([root.resolve()]) == []


def test_a_huge_results_csv_is_a_sentence(app, monkeypatch, tmp_path):
    big = tmp_path / "root" / "big"
    big.mkdir(parents=True)
    with open(big / store.RESULTS, "wb") as f:  # sparse: 300 MB on paper, nothing on disk
        f.write(b"dataset,model,cells,seed,val_accuracy,test_accuracy,selected\n")
        f.truncate(300 << 20)
    at = sweep_page(app, monkeypatch, [tmp_path / "root"])
    assert any("over 8 MB" in e.value for e in at.error)


@pytest.mark.slow
def test_a_results_csv_at_the_bound_is_read_in_bounded_memory(tmp_path):
    """The largest table the page accepts (8 MB, 50,000 rows), read in a fresh process: its peak
    allocation (tracemalloc: pandas' and numpy's buffers included) stays within tens of MB, where the
    issue's unbounded read of a 265 MB table took the server to 3.7 GB."""
    folder = tmp_path / "root" / "s"
    folder.mkdir(parents=True)
    head = "ItalyPowerDemand,lstmfcn,8,0,candidate,False,0.9,0.9,0.9,20,4,60,3,2,units/"
    n = sweeps.MAX_RESULTS_ROWS
    width = (sweeps.MAX_RESULTS_BYTES - 1000) // n - len(head) - len("/model.safetensors\n")
    row = f"{head}{'k' * width}/model.safetensors\n"
    (folder / store.RESULTS).write_text(",".join(store.RESULT_COLUMNS) + "\n" + row * n)
    assert 0.99 * sweeps.MAX_RESULTS_BYTES < (folder / store.RESULTS).stat().st_size <= sweeps.MAX_RESULTS_BYTES
    code = textwrap.dedent(f"""
        import tracemalloc
        from pathlib import Path
        from lstmfcn.dashboard import sweeps
        f = sweeps.offered_folders([Path({str(folder.parent.resolve())!r})])[0]
        tracemalloc.start()
        assert len(sweeps.sweep_results(f)) == {n}
        print(tracemalloc.get_traced_memory()[1])
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    peak_mb = int(out) / 2**20
    print(f"results.csv of {sweeps.MAX_RESULTS_BYTES / 2**20:.0f} MB ({n} rows): peak allocation {peak_mb:.0f} MB")
    assert peak_mb < 120


def _forged_folder(root, shipped_models, forge=lambda a: a[:, ::-1].copy()):
    """A sweep folder whose one row points at a byte copy of the shipped GunPoint model, with the
    library's CAM of its test split passed through ``forge`` (default: the class axis reversed, the
    issue's poisoning)."""
    from lstmfcn.checkpoint import load_checkpoint
    from lstmfcn.data import load_dataset
    from lstmfcn.sweep.unit import test_cam

    unit = root / "forged" / "units" / "u"
    unit.mkdir(parents=True)
    shutil.copy(shipped_models / "GunPoint__lstmfcn.safetensors", unit / store.CHECKPOINT)
    model, _ = load_checkpoint(unit / store.CHECKPOINT)
    true = test_cam(model, load_dataset("GunPoint"))
    store.write_npz_atomic(unit / store.CAM, {k: forge(a) for k, a in true.items()})
    row = {c: None for c in store.RESULT_COLUMNS} | {
        "dataset": "GunPoint", "model": "lstmfcn", "cells": 8, "seed": 0, "stage": "refit", "selected": True,
        "val_accuracy": 1.0, "test_accuracy": 1.0, "n_test": 150, "checkpoint": "units/u/model.safetensors",
    }  # fmt: skip
    pd.DataFrame([row]).to_csv(root / "forged" / store.RESULTS, index=False)
    return true


def test_a_forged_cam_beside_a_shipped_model_never_reaches_the_shared_cache(app, monkeypatch, shipped_models, tmp_path):
    true = _forged_folder(tmp_path / "root", shipped_models)
    at = _click(sweep_page(app, monkeypatch, [tmp_path / "root"]), 0)
    assert at.session_state["model"].startswith("sweep:")  # the model opens; its maps are set aside
    assert any("set aside" in w.value and "logits are not the model's" in w.value for w in at.warning)

    st.cache_data.clear()  # a restart: only the disk cache remains
    wrong_by_library = int((true["logits"].argmax(1) != _gunpoint_labels(shipped_models)).sum())
    shipped = app(dataset="GunPoint", model="GunPoint__lstmfcn")
    shipped.switch_page("pages/cam.py").run()
    assert not shipped.exception, [e.value for e in shipped.exception]
    said = " ".join(m.value for m in shipped.markdown) + " ".join(s.value for s in shipped.success)
    if wrong_by_library:
        assert f"**Misclassified samples** ({wrong_by_library})" in said
    else:
        assert "No misclassified sample" in said and "Misclassified samples" not in said


def test_a_unit_cam_that_passes_the_check_never_replaces_an_entry_on_disk(app, monkeypatch, shipped_models, tmp_path):
    """The shipped model's maps computed first (on disk); a unit beside its byte copy whose maps are
    the model's up to float noise opens without a warning and leaves every entry on disk as it was."""
    shipped = app(dataset="GunPoint", model="GunPoint__lstmfcn")
    shipped.switch_page("pages/cam.py").run()
    assert not shipped.exception, [e.value for e in shipped.exception]
    cache = Path(os.environ["LSTMFCN_CACHE_DIR"])
    before = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    _forged_folder(tmp_path / "root", shipped_models, forge=lambda a: a * np.float32(1 + 1e-5))
    at = _click(sweep_page(app, monkeypatch, [tmp_path / "root"]), 0)
    assert at.session_state["model"].startswith("sweep:") and not at.warning
    assert {p: p.read_bytes() for p in before if p.is_file()} == before


def _gunpoint_labels(shipped_models):
    from lstmfcn.checkpoint import load_checkpoint
    from lstmfcn.data import load_dataset
    from lstmfcn.inputs import model_input

    model, _ = load_checkpoint(shipped_models / "GunPoint__lstmfcn.safetensors")
    return model_input(model, load_dataset("GunPoint"), "test").y


def test_the_cam_check_catches_every_forgery_and_passes_the_real_maps(shipped_models):
    from lstmfcn.checkpoint import load_checkpoint
    from lstmfcn.dashboard.explanations import cam_chunk
    from lstmfcn.data import load_dataset
    from lstmfcn.inputs import model_input
    from lstmfcn.sweep.unit import test_cam

    model, _ = load_checkpoint(shipped_models / "GunPoint__lstmfcn.safetensors")
    ds = load_dataset("GunPoint")
    a = model_input(model, ds, "test")
    true = test_cam(model, ds)

    def check(arrays):
        return sweeps.check_unit_cam(
            arrays, true["logits"], a.lengths, a.X.shape[-1], lambda i: cam_chunk(model, a.X[i], a.lengths[i])
        )

    assert check(true) is None
    assert "logits" in check({k: v[:, ::-1] for k, v in true.items()})  # classes swapped
    assert "not the model's" in check({**true, "cam": true["cam"][:, :, ::-1].copy()})  # same means, moved in time
    assert "shaped" in check({**true, "cam": true["cam"][:10]})
    nan = true["cam"].copy()
    nan[3, 0, 5] = np.nan
    assert "finite" in check({**true, "cam": nan})
    assert "add up" in check({**true, "offset": true["offset"] + 1.0})
