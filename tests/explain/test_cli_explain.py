"""``python -m lstmfcn explain`` and ``faithfulness``: files, keys, shapes and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.checkpoint import save_checkpoint
from lstmfcn.cli import main


@pytest.fixture(scope="module")
def checkpoint(trained_lstmfcn, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "gunpoint.safetensors"
    save_checkpoint(path, *trained_lstmfcn)
    return str(path)


def test_explain_writes_the_documented_npz(checkpoint, tmp_path, capsys):
    out = tmp_path / "maps.npz"
    argv = ["explain", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--limit", "5", "--methods",
            "cam,attention,ig,occlusion", "--ig-steps", "8", "--target", "true", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    with np.load(out, allow_pickle=False) as f:
        assert f["x"].shape == (5, 1, 150)
        assert f["y_true"].shape == f["target"].shape == f["ig_delta"].shape == (5,)
        np.testing.assert_array_equal(f["target"], f["y_true"])
        assert f["logits"].shape == f["cam_offset"].shape == (5, 2)
        for name in ("cam", "ig", "occlusion"):
            assert f[name].shape == (5, 1, 150)
        assert "attention" not in f.files  # LSTM-FCN has no attention: a note instead
    captured = capsys.readouterr()
    assert "no attention" in captured.err and "saved" in captured.out


def test_explain_all_classes_adds_a_class_axis(checkpoint, tmp_path):
    out = tmp_path / "all.npz"
    assert main(["explain", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--limit", "3",
                 "--methods", "cam,saliency", "--target", "all", "--out", str(out)]) == 0  # fmt: skip
    with np.load(out) as f:
        assert f["cam"].shape == f["saliency"].shape == (3, 2, 1, 150)
        assert f["target"].shape == (3, 2)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--methods", "cam,lime"], "valid methods are"),
        (["--target", "7"], "0..1"),
        (["--limit", "0"], "--limit"),
    ],
)
def test_explain_bad_input_exits_2_with_one_line(checkpoint, tmp_path, capsys, extra, message):
    argv = ["explain", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--out", str(tmp_path / "x.npz"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_faithfulness_prints_aopc_and_sanity_as_json(checkpoint, capsys):
    argv = ["faithfulness", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--limit", "12",
            "--methods", "cam,gradcam", "--steps", "5", "--random-seeds", "1", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 12
    assert set(out["faithfulness"]["methods"]) == {"cam", "gradcam"}
    assert {"aopc_deletion", "aopc_insertion"} <= set(out["faithfulness"]["random"])
    assert set(out["sanity"]["cam"]) == {"head", "all"}


def test_faithfulness_table(checkpoint, capsys):
    argv = ["faithfulness", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--limit", "10",
            "--methods", "cam", "--steps", "4", "--random-seeds", "1", "--no-sanity"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "AOPC deletion" in text and "random (1 seeds)" in text
