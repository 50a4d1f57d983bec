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
