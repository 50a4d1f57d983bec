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
    argv = [
        "explain",
        "--checkpoint",
        checkpoint,
        "--dataset",
        "GunPoint",
        "--limit",
        "5",
        "--methods",
        "cam,attention,ig,occlusion",
        "--ig-steps",
        "8",
        "--target",
        "true",
        "--out",
        str(out),
    ]
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
    assert (
        main(
            [
                "explain",
                "--checkpoint",
                checkpoint,
                "--dataset",
                "GunPoint",
                "--limit",
                "3",
                "--methods",
                "cam,saliency",
                "--target",
                "all",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with np.load(out) as f:
        assert f["cam"].shape == f["saliency"].shape == (3, 2, 1, 150)
        assert f["target"].shape == (3, 2)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--methods", "cam,lime"], "valid methods are"),
        (["--target", "7"], "0..1"),
        (["--limit", "0"], "--limit"),
        (["--ig-tolerance", "0"], "--ig-tolerance must be positive"),
    ],
)
def test_explain_bad_input_exits_2_with_one_line(checkpoint, tmp_path, capsys, extra, message):
    argv = ["explain", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--out", str(tmp_path / "x.npz"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


@pytest.mark.parametrize(("rule", "steps"), [("riemann_middle", "4"), ("clenshaw_curtis", "9")])
def test_explain_adaptive_ig_meets_its_tolerance(checkpoint, tmp_path, rule, steps):
    out = tmp_path / "ig.npz"
    argv = ["explain", "--checkpoint", checkpoint, "--dataset", "GunPoint", "--limit", "3", "--methods", "ig"]
    assert main([*argv, "--ig-steps", steps, "--ig-tolerance", "0.01", "--ig-rule", rule, "--out", str(out)]) == 0
    with np.load(out) as f:
        attr, delta = f["ig"], f["ig_delta"]
    change = attr.sum(axis=(1, 2)) - delta  # f(x) - f(baseline)
    assert (np.abs(delta) <= 0.01 * np.abs(change) + 1e-4).all()


def test_faithfulness_prints_aopc_and_sanity_as_json(checkpoint, capsys):
    argv = [
        "faithfulness",
        "--checkpoint",
        checkpoint,
        "--dataset",
        "GunPoint",
        "--limit",
        "12",
        "--methods",
        "cam,gradcam",
        "--steps",
        "5",
        "--random-seeds",
        "1",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 12
    assert set(out["faithfulness"]["methods"]) == {"cam", "gradcam"}
    assert {"aopc_deletion", "aopc_insertion"} <= set(out["faithfulness"]["random"])
    assert set(out["sanity"]["cam"]) == {"head", "all"}


def test_faithfulness_table(checkpoint, capsys):
    argv = [
        "faithfulness",
        "--checkpoint",
        checkpoint,
        "--dataset",
        "GunPoint",
        "--limit",
        "10",
        "--methods",
        "cam",
        "--steps",
        "4",
        "--random-seeds",
        "1",
        "--no-sanity",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "AOPC deletion" in text and "random (1 seeds)" in text


# ---------------------------------------------------------------------------------------------
# Multivariate: occlusion and ablation per variable or all together, as the flags say


@pytest.fixture(scope="module")
def planted_files(planted_variable, tmp_path_factory):
    """``(checkpoint, dataset file)`` of the three-variable planted-burst model and its data."""
    model, X, y, Xt, yt, _ = planted_variable
    folder = tmp_path_factory.mktemp("planted")
    data = folder / "planted.npz"
    np.savez(data, X_train=X, y_train=y, X_test=Xt, y_test=yt)
    ckpt = folder / "planted.safetensors"
    save_checkpoint(ckpt, model, {"classes": ["0", "1"], "preprocessing": {"normalize": "none"}})
    return str(ckpt), str(data)


def run_explain(planted_files, tmp_path, *flags) -> dict:
    ckpt, data = planted_files
    out = tmp_path / "maps.npz"
    argv = [
        "explain",
        "--checkpoint",
        ckpt,
        "--dataset",
        data,
        "--limit",
        "4",
        "--methods",
        "cam,occlusion,ablation",
        "--out",
        str(out),
        *flags,
    ]
    assert main(argv) == 0
    with np.load(out, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.slow
def test_explain_perturbs_one_variable_at_a_time_by_default_and_says_so(planted_files, tmp_path, capsys):
    default = run_explain(planted_files, tmp_path)
    variants = json.loads(str(default["variants"]))
    assert variants["occlusion"]["per_variable"] and variants["ablation"]["per_variable"]
    assert variants["occlusion"]["forward_passes_per_sample"] == 3 * 21  # T = 64: windows of 6, stride 3
    assert not variants["cam"]["variable_axis"]
    out = capsys.readouterr().out
    assert "occlusion: per variable: 3 variables × 21 windows = 63 forward passes per sample" in out
    assert "cam: one value per time step, the same in every variable" in out
    occ = default["occlusion"]
    assert not np.allclose(occ[:, 0], occ[:, 1])  # a map per variable

    flags = ["--all-variables", "--window", "8", "--stride", "4", "--segments", "8"]
    together = run_explain(planted_files, tmp_path, *flags)
    variants = json.loads(str(together["variants"]))
    assert variants["occlusion"] == {
        "variable_axis": False,
        "per_variable": False,
        "variant": "all variables together",
        "window": 8,
        "stride": 4,
        "forward_passes_per_sample": 15,
        "description": "all variables together: 15 windows = 15 forward passes per sample",
    }
    assert variants["ablation"]["n_segments"] == 8 and not variants["ablation"]["per_variable"]
    for name in ("occlusion", "ablation"):
        m = together[name]
        np.testing.assert_allclose(m, np.broadcast_to(m[:, :1], m.shape))  # the same in every variable
    assert len(np.unique(together["ablation"][0, 0])) <= 8  # eight segments


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--window", "0"], "--window must be at least 1"),
        (["--stride", "-2"], "--stride must be at least 1"),
        (["--segments", "0"], "--segments must be at least 1"),
        (["--window", "4", "--stride", "8"], "stride 8 is longer than the window"),
    ],
)
def test_bad_windows_exit_2_with_one_line(planted_files, tmp_path, capsys, flags, message):
    ckpt, data = planted_files
    argv = [
        "explain",
        "--checkpoint",
        ckpt,
        "--dataset",
        data,
        "--limit",
        "2",
        "--methods",
        "occlusion",
        "--out",
        str(tmp_path / "x.npz"),
        *flags,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not (tmp_path / "x.npz").exists()


def test_per_variable_and_all_variables_exclude_each_other(planted_files, tmp_path):
    ckpt, data = planted_files
    with pytest.raises(SystemExit) as exc:  # argparse's usage error, status 2
        main(
            [
                "explain",
                "--checkpoint",
                ckpt,
                "--dataset",
                data,
                "--out",
                str(tmp_path / "x.npz"),
                "--per-variable",
                "--all-variables",
            ]
        )
    assert exc.value.code == 2


def test_faithfulness_json_says_which_variant_ran(planted_files, capsys):
    ckpt, data = planted_files
    argv = [
        "faithfulness",
        "--checkpoint",
        ckpt,
        "--dataset",
        data,
        "--limit",
        "6",
        "--methods",
        "occlusion",
        "--all-variables",
        "--window",
        "8",
        "--steps",
        "4",
        "--random-seeds",
        "1",
        "--no-sanity",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["variants"]["occlusion"]["per_variable"] is False and out["variants"]["occlusion"]["window"] == 8
    assert set(out["faithfulness"]["methods"]) == {"occlusion"}


def test_a_flag_no_chosen_method_uses_is_said_not_refused(planted_files, tmp_path, capsys):
    ckpt, data = planted_files
    argv = [
        "explain",
        "--checkpoint",
        ckpt,
        "--dataset",
        data,
        "--limit",
        "2",
        "--methods",
        "cam",
        "--out",
        str(tmp_path / "x.npz"),
        "--window",
        "8",
    ]
    assert main(argv) == 0
    assert "warning: --window changes only occlusion, not among the methods" in capsys.readouterr().err
