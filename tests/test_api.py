"""The README's Python API works as written."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.slow
def test_readme_api():
    import lstmfcn.explain.cam  # noqa: F401  - importing the subpackage first must not shadow the function
    from lstmfcn import explain, load_dataset, load_model

    ds = load_dataset("GunPoint")
    assert ds.X_train.shape == (50, 1, 150) and ds.classes == ["1", "2"]
    model = load_model("lstmfcn/pretrained/GunPoint__alstmfcn__noshuffle.safetensors")
    res = explain(model, ds.X_test[:4], methods=["cam", "attention", "ig"], target="predicted", ig_steps=32)
    for key in ("cam", "attention", "ig"):
        assert res[key].shape == (4, 1, 150)
    np.testing.assert_allclose(res["cam_all"].mean(-1) + res["cam_offset"], res["logits"], atol=1e-4)
    assert res["target"].tolist() == res["logits"].argmax(1).tolist()
    assert res["ig_delta"].shape == (4,)


def _submodule_names() -> list[str]:
    """The names ``lstmfcn`` exports that are also the name of one of its submodules."""
    import importlib.util

    import lstmfcn

    return [name for name in lstmfcn.__all__ if importlib.util.find_spec(f"lstmfcn.{name}") is not None]


def _run(code: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_explain_is_a_package_name_and_the_function():
    assert "explain" in _submodule_names()  # the case the next test guards


@pytest.mark.parametrize("name", _submodule_names())
def test_a_name_imported_after_its_submodule_is_still_the_function(name):
    # Python binds a submodule to its parent's name when it is first imported: that must not
    # replace the README's function, whatever was imported before.
    code = (
        f"import importlib, lstmfcn, lstmfcn.{name}\n"
        f"from lstmfcn import {name}\n"
        f"print(callable({name}), {name} is getattr(importlib.import_module(lstmfcn._EXPORTS['{name}']), '{name}'))"
    )
    assert _run(code) == "True True"


def test_the_cli_does_not_pay_for_torch_on_import():
    assert _run("import sys, lstmfcn.cli\nprint('torch' in sys.modules)") == "False"
