"""The command line: a newcomer's path (train → evaluate) and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lstmfcn.checkpoint import save_checkpoint
from lstmfcn.cli import main
from tests.helpers.fake_streamlit import FakeStreamlit


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_lists_the_catalog(capsys):
    code, out, _ = run(capsys, "datasets", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and len(rows) > 55
    assert rows["GunPoint"]["n_train"] == 50 and rows["JapaneseVowels"]["n_vars"] == 12


def test_describe(capsys):
    code, out, _ = run(capsys, "describe", "BasicMotions", "--json")
    info = json.loads(out)
    assert code == 0 and info["n_vars"] == 6 and info["n_classes"] == 4 and sum(info["train_counts"]) == 40


@pytest.mark.slow
def test_train_then_evaluate_a_user_file(capsys, tmp_path, gunpoint):
    """Train from the shell on the user's own .tsv pair, then evaluate: the README's path."""
    for split, X, y in (("TRAIN", gunpoint.X_train, gunpoint.y_train), ("TEST", gunpoint.X_test, gunpoint.y_test)):
        rows = np.column_stack([np.array(gunpoint.classes)[y].astype(float), X[:, 0, :]])
        np.savetxt(tmp_path / f"Mine_{split}.tsv", rows, delimiter="\t", fmt="%.6f")
    ckpt = tmp_path / "mine.safetensors"
    code, out, err = run(
        capsys,
        "train",
        "--dataset",
        str(tmp_path / "Mine_TRAIN.tsv"),
        "--epochs",
        "30",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        str(ckpt),
    )
    assert code == 0, err
    assert "test accuracy" in out and ckpt.is_file()
    code, out, err = run(capsys, "evaluate", "--checkpoint", str(ckpt), "--dataset", str(tmp_path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert 0.0 <= result["accuracy"] <= 1.0 and result["n"] == 150
    assert np.array(result["confusion"]).sum() == 150


def test_evaluate_reports_the_recorded_accuracy(capsys, tmp_path, trained_lstmfcn):
    model, meta = trained_lstmfcn
    ckpt = save_checkpoint(tmp_path / "gp.safetensors", model, meta)
    code, out, _ = run(capsys, "evaluate", "--checkpoint", str(ckpt), "--dataset", "GunPoint", "--json")
    assert code == 0
    assert json.loads(out)["accuracy"] == pytest.approx(meta["training"]["test_accuracy"])


@pytest.mark.parametrize(
    "argv,message",
    [
        (["describe", "GunPiont"], "Did you mean 'GunPoint'"),
        (["describe", "/nonexistent/file.tsv"], "neither an embedded dataset nor an existing file"),
        (["evaluate", "--checkpoint", "/nonexistent.safetensors", "--dataset", "GunPoint"], "no such checkpoint"),
        (["train", "--dataset", "GunPoint", "--out", "model.pt"], "must end in .safetensors"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_internal_bug_is_a_traceback_not_bad_input(monkeypatch):
    # A ValueError the code did not raise about the user's input is a bug: it must not read as
    # "error: …" with exit 2 (the user would look for a mistake of theirs), but surface as itself.
    import lstmfcn.data

    def broken():
        raise ValueError("operands could not be broadcast together")  # what a bug in numpy code says

    monkeypatch.setattr(lstmfcn.data, "list_datasets", broken)
    with pytest.raises(ValueError, match="could not be broadcast"):
        main(["datasets"])


def test_an_internal_bug_exits_1_with_its_traceback_from_a_real_shell():
    # The same through `python -m lstmfcn`: the interpreter's exit status 1 and the traceback.
    code = (
        "import sys, lstmfcn.data; from lstmfcn.cli import main;"
        "lstmfcn.data.list_datasets = lambda: int('one');"  # a ValueError from a bug, not from input
        "sys.exit(main(['datasets']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "invalid literal for int()" in proc.stderr
    assert "error: invalid literal" not in proc.stderr


def test_a_value_out_of_range_is_user_input(capsys, tmp_path):
    # The library's checks of an option's value are UserInputError: still one line and exit 2.
    out = tmp_path / "m.safetensors"
    code, _, err = run(capsys, "train", "--dataset", "GunPoint", "--cells", "0", "--epochs", "1", "--out", str(out))
    assert code == 2 and "cells must be at least 1" in err and len(err.strip().splitlines()) == 1


def test_mismatched_checkpoint_is_explained(capsys, tmp_path, trained_lstmfcn):
    model, meta = trained_lstmfcn
    ckpt = save_checkpoint(tmp_path / "gp.safetensors", model, meta)
    code, _, err = run(capsys, "evaluate", "--checkpoint", str(ckpt), "--dataset", "BasicMotions")
    assert code == 2 and "expects 1 variable(s)" in err and "has 6" in err
    code, _, err = run(capsys, "evaluate", "--checkpoint", str(ckpt), "--dataset", "Coffee")
    # Coffee's length differs too, but its classes ("0", "1") are not GunPoint's: resampling would
    # give a meaningless score, so the refusal names the classes and offers no flag.
    assert code == 2 and "class(es) 0 that the model does not know" in err and "--resample" not in err


@pytest.mark.slow
def test_malformed_file_from_a_real_shell(tmp_path):
    bad = tmp_path / "Broken_TRAIN.tsv"
    bad.write_text("1\t0.5\t0.7\n2\tabc\t0.1\n")
    proc = subprocess.run([sys.executable, "-m", "lstmfcn", "describe", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Broken_TRAIN.tsv" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["datasets", "--colour"])
    assert exit_.value.code == 2 and "unrecognized arguments: --colour" in capsys.readouterr().err


def test_fix_length_still_means_resample():
    from lstmfcn.cli import build_parser

    for command in ("evaluate", "explain", "faithfulness"):
        argv = [command, "--checkpoint", "m.safetensors", "--dataset", "GunPoint", "--fix-length"]
        args, _ = build_parser().parse_known_args([*argv, "--out", "x.npz"] if command == "explain" else argv)
        assert args.resample is True, command


def test_dashboard_runs_the_app_with_the_port_and_streamlits_own_options(monkeypatch, capsys):
    from pathlib import Path

    import lstmfcn.cli.dashboard as dashboard

    monkeypatch.setattr(dashboard.subprocess, "Popen", FakeStreamlit)
    assert main(["dashboard", "--server.address", "0.0.0.0", "--port", "8502", "--theme.base=dark"]) == 0
    app = Path(__file__).resolve().parents[2] / "app.py"
    assert FakeStreamlit.argv == [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        "8502",
        "--server.address",
        "0.0.0.0",
        "--theme.base=dark",
    ]
    code, _, err = run(capsys, "dashboard", "--port", "70000")
    assert code == 2 and err.strip() == "error: --port must be between 1 and 65535, got 70000"


@pytest.mark.slow
def test_training_into_a_log_prints_lines_not_a_redrawn_bar(tmp_path):
    """stderr is a pipe here, as in a log file: one line per 100 epochs, no carriage returns."""
    out = tmp_path / "china.safetensors"
    cmd = [sys.executable, "-m", "lstmfcn", "train", "--dataset", "Chinatown", "--epochs", "200", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "epoch " in line]
    assert [line.split("epoch ")[1].split(",")[0] for line in lines] == ["100/200", "200/200"]


def test_evaluate_says_when_the_test_split_is_the_models_own_training_data(capsys, tmp_path):
    """Issue #26: a shipped model scored on its own training file is not a test, and says so."""
    from lstmfcn.data.catalog import dataset_files, find_entry
    from lstmfcn.zoo import pretrained_path

    shipped = next(p for p in dataset_files(find_entry("BasicMotions")) if "TRAIN" in p.name)
    train_file = tmp_path / shipped.name  # alone: beside its TEST file it would be read as the pair
    train_file.write_bytes(shipped.read_bytes())
    ckpt = str(pretrained_path("BasicMotions__mlstmfcn"))
    code, out, _ = run(capsys, "evaluate", "--checkpoint", ckpt, "--dataset", str(train_file))
    assert code == 0 and out.startswith("warning: 12 of 12 series of this test split are in the data the model")
    assert "its test numbers here are not a test." in out.splitlines()[0]
    code, out, _ = run(capsys, "evaluate", "--checkpoint", ckpt, "--dataset", "BasicMotions", "--json")
    assert code == 0 and json.loads(out)["warnings"] == []  # its own test split: a real test
