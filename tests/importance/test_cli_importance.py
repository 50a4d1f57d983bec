"""``lstmfcn importance`` on a shipped checkpoint: the JSON it promises, the library's numbers, clear refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn import load_dataset, load_model
from lstmfcn.cli import main
from lstmfcn.importance.on_dataset import importance_on, split_sample
from lstmfcn.zoo import PRETRAINED_DIR

CHECKPOINT = str(PRETRAINED_DIR / "GunPoint__lstmfcn.safetensors")
QUICK = ["--samples", "24", "--repeats", "2", "--maps", "none", "--window", "30"]


@pytest.mark.slow
def test_the_json_is_the_library_s_result(capsys):
    assert main(["importance", "--checkpoint", CHECKPOINT, "--dataset", "GunPoint", *QUICK, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["variables"] == ["right-hand centroid X"] or len(out["variables"]) == 1
    assert out["windows"] == [[0, 30], [30, 60], [60, 90], [90, 120], [120, 150]]
    assert out["samples"] == 24 and out["repeats"] == 2 and out["metric"] == "accuracy"
    model = load_model(CHECKPOINT)
    sample = split_sample(model, load_dataset("GunPoint"), "test", 24)
    expected = importance_on(sample, model, window=30, repeats=2).to_json("accuracy")
    assert out["sample_indices"] == expected["sample_indices"]
    np.testing.assert_allclose(
        np.array(out["overall"]["window"]["importance"], float),
        np.array(expected["overall"]["window"]["importance"], float),
    )
    assert set(out["classes"]) == set(expected["classes"]) and len(out["classes"]) == 2
    assert out["sentences"]["overall"].startswith("Over all classes, ")


def test_the_text_output_says_each_class_and_prints_the_grid(capsys):
    assert main(["importance", "--checkpoint", CHECKPOINT, "--dataset", "GunPoint", *QUICK]) == 0
    out = capsys.readouterr().out
    assert out.startswith("GunPoint test: 24 series, 2 repeats, mode permute")
    assert "Over all classes, " in out and out.count("For ") == 2
    assert "overall accuracy lost, with 95% intervals" in out and "0-29" in out


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--samples", "0"], "--samples must be at least 1"),
        (["--samples", "some"], "--samples must be a number or 'all'"),
        (["--window", "400"], "longer than the series"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--maps", "nonsense"], "nonsense"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, flags, said):
    assert main(["importance", "--checkpoint", CHECKPOINT, "--dataset", "GunPoint", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and said in err and "\n" not in err
