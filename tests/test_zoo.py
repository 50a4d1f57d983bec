"""Every shipped checkpoint loads, fits its dataset and reproduces its recorded test accuracy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lstmfcn import zoo
from lstmfcn.checkpoint import load_checkpoint
from lstmfcn.cli import main
from lstmfcn.data import load_dataset
from lstmfcn.evaluation import evaluate
from lstmfcn.inputs import model_input

ENTRIES = zoo.list_pretrained()


def test_the_dashboard_default_is_shipped():
    names = {e.name for e in ENTRIES}
    assert "GunPoint__lstmfcn" in names and "GunPoint__alstmfcn__noshuffle" in names


def test_pretrained_folder_stays_small():
    total = sum(e.path.stat().st_size for e in ENTRIES)
    assert total < 64 * 1024 * 1024, f"{total / 2**20:.1f} MiB"  # the budget: 64 MiB


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_checkpoint_reproduces_its_recorded_accuracy(entry):
    model, meta = load_checkpoint(entry.path)
    ds = load_dataset(entry.dataset)  # the catalog's own preparation: the model's path re-prepares it
    assert meta["classes"] == list(ds.classes)
    assert (model.config.n_vars, model.config.n_classes) == (ds.n_vars, ds.n_classes)
    split = model_input(model, ds, "test")
    assert split.warnings == ()
    trained_on = load_dataset(entry.dataset, normalize=meta["preprocessing"]["normalize"])
    np.testing.assert_array_equal(split.X, trained_on.X_test)  # bit for bit what the model was trained to see
    if meta["preprocessing"]["normalize"] == "per_dataset":
        assert meta["preprocessing"]["mean"] == trained_on.preprocessing["mean"]  # the statistics travel with it
    acc = evaluate(model, split.X, split.y, split.lengths).accuracy
    assert acc == entry.test_accuracy  # exactly: same weights, same data, same arithmetic
    t = meta["training"]
    for key in ("train_accuracy", "test_accuracy", "epochs_run", "wall_time_s", "device", "seed"):
        assert key in t
    assert t["config"]["epochs"] == 2000 and t["epochs_run"] == 2000


def test_zoo_cli_lists_and_tabulates(capsys):
    assert main(["zoo", "--json"]) == 0
    import json

    listed = json.loads(capsys.readouterr().out)
    assert {e["name"] for e in listed} == {e.name for e in ENTRIES}
    assert main(["zoo", "table"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n") >= len(ENTRIES) + 1 and "| GunPoint |" in table


def test_retrain_settings_are_the_shipped_ones():
    s = zoo.retrain_settings("GunPoint__lstmfcn")
    assert s["dataset"] == "GunPoint" and s["arch"] == "lstmfcn" and s["shuffle"] is True
    assert s["train_config"]["epochs"] == 2000 and s["train_config"]["seed"] == 0
    assert np.isclose(s["train_config"]["lr_factor"], 2 ** (-1 / 3))


def test_readme_table_is_the_generated_one():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = zoo.accuracy_table(ENTRIES)
    assert zoo.replace_table(text, table) == text, (
        "README's zoo table is stale: run 'python -m lstmfcn zoo table --write README.md'"
    )


# Bit-for-bit reproduction holds where the arithmetic is the same: the shipped entry was trained
# with torch 2.13.0's CPU kernels for AVX-512 on an AMD EPYC (checked there with 1 and 2 threads).
# An Intel Xeon with AVX-512 takes other kernel paths: same accuracy, other last bits (measured).
SHIPPED_ON = ("2.13.0", "AVX512", "AMD EPYC")


@pytest.mark.slow
def test_retrain_reproduces_a_shipped_entry(tmp_path, capsys, request):
    """The documented retrain command, end to end, on the cheapest entry (2000 epochs, ~20 s on CPU).

    Everywhere: the retrained model scores the shipped accuracy (within 0.05). Where torch and the
    CPU are the shipped entry's (``SHIPPED_ON``): the same accuracy and the same weights, bit for
    bit. The test passes either way and says which check ran: a ``reproduction`` user property (in
    ``--junitxml``'s report) and, where only the accuracy could be checked, a warning in pytest's summary.
    """
    import torch

    from lstmfcn.device import cpu_model

    out = tmp_path / "again.safetensors"
    assert main(["zoo", "retrain", "--device", "cpu", "Chinatown__lstmfcn", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    shipped, shipped_meta = load_checkpoint(zoo.PRETRAINED_DIR / "Chinatown__lstmfcn.safetensors")
    again, meta = load_checkpoint(out)
    assert meta["training"]["epochs_run"] == 2000 and meta["training"]["seed"] == 0
    assert meta["training"]["cpu"] == cpu_model()  # recorded, so a later reader knows where it was made
    a, b = shipped.state_dict(), again.state_dict()
    assert a.keys() == b.keys()
    recorded = shipped_meta["training"]["test_accuracy"]
    assert abs(meta["training"]["test_accuracy"] - recorded) < 0.05, printed

    cpu = "AMD EPYC" if cpu_model().startswith("AMD EPYC") else cpu_model()
    here = (torch.__version__.split("+")[0], torch.backends.cpu.get_cpu_capability(), cpu)
    if here != SHIPPED_ON:  # other kernels round differently; 2000 epochs amplify it
        request.node.user_properties.append(("reproduction", f"accuracy only: {here} is not {SHIPPED_ON}"))
        warnings.warn(
            f"retrain checked the accuracy only ({printed.strip()}): bit-for-bit needs torch/CPU {SHIPPED_ON}, "
            f"this is {here}",
            stacklevel=1,
        )
        return
    request.node.user_properties.append(("reproduction", f"accuracy and bit for bit on {here}"))
    assert f"test accuracy {recorded:.4f} (shipped: {recorded:.4f})" in printed
    assert meta["training"]["test_accuracy"] == recorded
    for k in a:
        assert (a[k] == b[k]).all(), k  # the same seed and settings give the same weights, not merely close ones


def test_zoo_names_may_follow_options(capsys):
    assert main(["zoo", "retrain", "--device", "cpu", "NoSuchEntry"]) == 2
    assert "no pretrained model 'NoSuchEntry'" in capsys.readouterr().err


def test_zoo_training_reports_progress_every_hundred_epochs(capsys):
    from lstmfcn.cli.zoo import _progress_line
    from lstmfcn.training import EpochReport

    report = _progress_line("X__lstmfcn")
    for epoch in (99, 100, 101, 2000):
        report(EpochReport(epoch, 2000, 0.5, 0.75, 1e-3, 0.4, 90.0))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "X__lstmfcn: epoch 100/2000, loss 0.5000, train accuracy 0.750, 1.5 min",
        "X__lstmfcn: epoch 2000/2000, loss 0.5000, train accuracy 0.750, 1.5 min",
    ]
