"""A tiny sweep on a real local Ray (2 CPUs, one session for the module): 3 cut UCR datasets ×
LSTM-FCN × 8 and 16 cells × seed 0, 3 epochs.

The table is complete and its selection is the validation's; a rerun trains nothing and does not
even need the data; a sweep stopped after its first unit (its worker killed mid-training) and run
again gives the same table, to the last digit, as one run straight through.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import ray

from lstmfcn.checkpoint import load_checkpoint
from lstmfcn.cli import main
from lstmfcn.data import load_dataset
from lstmfcn.evaluation import evaluate
from lstmfcn.explain import class_activation_maps
from lstmfcn.inputs import model_input
from lstmfcn.sweep import store
from lstmfcn.sweep.plan import archive_datasets
from lstmfcn.sweep.runner import SweepPlan, connect, run_sweep
from lstmfcn.sweep.selection import choose_cells
from lstmfcn.sweep.unit import UnitSettings
from tests.helpers.sweeps import TINY, TINY_EPOCHS, write_tiny_archive

pytestmark = [pytest.mark.slow, pytest.mark.ray]
CELLS = [8, 16]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray with 2 CPUs for the whole module (starting one takes seconds)."""
    started = connect(num_cpus=2)
    yield
    if started:
        ray.shutdown()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_tiny_archive(tmp_path_factory.mktemp("archive"))


def _plan(archive) -> SweepPlan:
    return SweepPlan(archive_datasets(archive), ["lstmfcn"], CELLS, [0], UnitSettings(epochs=TINY_EPOCHS))


@pytest.fixture(scope="module")
def straight(local_ray, archive, tmp_path_factory):
    """A sweep run straight through: ``(folder, outcome, results)``."""
    out = tmp_path_factory.mktemp("straight")
    outcome = run_sweep(_plan(archive), out, report=lambda line: None)
    return out, outcome, store.results_table(store.finished_metrics(out))


def test_the_table_is_complete_and_selected_on_validation(straight):
    out, outcome, table = straight
    n_sets = len(TINY)
    assert not outcome.failed and len(outcome.trained) == n_sets * (len(CELLS) + 1)
    assert len(table) == n_sets * (len(CELLS) + 1)
    for col in ("dataset", "model", "cells", "seed", "val_accuracy", "test_accuracy", "selected"):
        assert table[col].notna().all(), col
    for name, _, n_test in TINY:
        rows = table[table["dataset"] == name]
        cand, sel = rows[~rows["selected"]], rows[rows["selected"]]
        assert sorted(cand["cells"]) == CELLS and len(sel) == 1
        chosen = choose_cells(dict(zip(cand["cells"], cand["val_accuracy"], strict=True)))
        assert int(sel["cells"].iloc[0]) == chosen  # chosen on validation, never on test
        assert sel["val_accuracy"].iloc[0] == cand[cand["cells"] == chosen]["val_accuracy"].iloc[0]
        assert (rows["n_test"] == n_test).all()
        assert (cand["n_fit"] + cand["n_val"] == sel["n_fit"].iloc[0]).all()  # validation cut from train


def test_each_unit_holds_its_checkpoint_and_test_cam(straight, archive):
    out, _, table = straight
    row = table[table["selected"]].iloc[0]
    model, meta = load_checkpoint(out / row["checkpoint"])
    ds = load_dataset(archive / row["dataset"])
    a = model_input(model, ds, "test")
    assert evaluate(model, a.X, a.y, a.lengths).accuracy == pytest.approx(row["test_accuracy"], abs=1e-6)
    with np.load(out / row["checkpoint"].replace(store.CHECKPOINT, store.CAM)) as cam:
        expected = class_activation_maps(model, a.X, a.lengths)
        assert cam["cam"].shape == (len(a.y), ds.n_classes, ds.length)
        np.testing.assert_allclose(cam["cam"], expected.cam, rtol=1e-4, atol=1e-5)
    assert meta["sweep"]["stage"] == "refit" and meta["training"]["val_accuracy"] == row["val_accuracy"]


def test_a_rerun_skips_every_unit_without_loading_any_data(straight, archive, tmp_path):
    out, _, table = straight
    plan = _plan(archive)  # planned while the data is there …
    hidden = archive.with_name(archive.name + "-hidden")
    archive.rename(hidden)  # … then gone: loading any of it would fail the unit
    try:
        outcome = run_sweep(plan, out, report=lambda line: None)
    finally:
        hidden.rename(archive)
    assert outcome.trained == [] and outcome.failed == {}
    assert sorted(outcome.skipped) == sorted(store.finished_keys(out))
    assert len(outcome.skipped) == len(table)


def test_a_sweep_stopped_after_its_first_unit_resumes_to_the_same_table(straight, archive, tmp_path, capsys):
    out = tmp_path / "interrupted"

    def stop(metrics):
        raise KeyboardInterrupt  # what Ctrl-C does: the unit in flight is cancelled (its worker killed)

    with pytest.raises(KeyboardInterrupt):
        run_sweep(_plan(archive), out, report=lambda line: None, on_finished=stop)
    kept = len(store.finished_metrics(out))
    # The finished unit is kept; the one in flight was stopped (unless it finished in the same instant).
    assert 1 <= kept <= 2

    # Resumed through the command line, on the same Ray.
    args = ["sweep", "--archive", str(archive), "--models", "lstmfcn", "--cells", "8,16", "--epochs", str(TINY_EPOCHS)]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr()
    # The unit in flight may still write its metrics after the interrupt returns (Ray's forced
    # cancel is asynchronous): the resumed run skips every unit finished by then, 1 or 2 of them.
    skipped = re.search(r"(\d+) skipped \(already finished\)", printed.out)
    assert skipped and kept <= int(skipped.group(1)) <= 2, printed.out[-500:]
    straight_out = straight[0]
    from lstmfcn.sweep.outputs import write_outputs

    write_outputs(straight_out)
    assert (out / store.RESULTS).read_text() == (straight_out / store.RESULTS).read_text()
    assert (out / "comparison.html").is_file() and (out / "summary.txt").read_text().startswith("9 units trained")


def test_another_epoch_count_in_the_same_folder_is_refused(straight, archive, capsys):
    out = straight[0]
    args = ["sweep", "--archive", str(archive), "--models", "lstmfcn", "--cells", "8,16", "--epochs", "7"]
    assert main([*args, "--out", str(out)]) == 2
    assert "epochs 3 (now 7)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--datasets", "NoSuchSet"], "'NoSuchSet' is not an embedded dataset"),
        (["--datasets", "Chinatown", "--models", "resnet"], "unknown model 'resnet'"),
        (["--datasets", "Chinatown", "--cells", "8,x"], "'x' is not a valid value"),
        (["--datasets", "Chinatown", "--val-fraction", "1.5"], "--val-fraction 1.5"),
        ([], "no datasets given"),
    ],
)
def test_bad_input_is_one_line_before_ray_starts(extra, message, tmp_path, capsys, monkeypatch):
    from lstmfcn.sweep import runner

    monkeypatch.setattr(runner, "connect", lambda *a, **k: pytest.fail("Ray started for a bad command"))
    assert main(["sweep", *extra, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_comparison_holds_the_published_numbers(straight):
    from lstmfcn.sweep.compare import comparison_table
    from lstmfcn.sweep.published import published_accuracy

    table = straight[2]
    comp = comparison_table(table)
    # Chinatown is not in the authors' 85-dataset table; the two others are.
    assert sorted(comp["dataset"]) == ["Coffee", "ItalyPowerDemand"]
    row = comp[comp["dataset"] == "ItalyPowerDemand"].iloc[0]
    assert row["theirs"] == published_accuracy("ItalyPowerDemand", "lstmfcn") == 0.9621
    assert row["difference"] == pytest.approx(row["ours"] - row["theirs"])
    assert row["ours"] == table[table["selected"] & (table["dataset"] == "ItalyPowerDemand")]["test_accuracy"].iloc[0]
