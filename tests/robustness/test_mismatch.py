"""A model meets a dataset it was not built for: a clear message, and the way out where one exists
(resampling to the model's length: ``fix_length``, ``--fix-length``, the sidebar switch)."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.checkpoint import checkpoint_bytes, save_checkpoint
from lstmfcn.cli import main
from lstmfcn.compat import align_split
from lstmfcn.dashboard import sources
from lstmfcn.errors import MismatchError
from lstmfcn.models import ModelConfig, build_model
from tests.app.conftest import LSTMFCN_MODEL


def model_for(length: int = 300, n_vars: int = 1, classes=("1", "2"), shuffle: bool = True):
    m = build_model(ModelConfig("lstmfcn", n_vars, length, len(classes), shuffle=shuffle)).eval()
    m.metadata = {"classes": list(classes)}
    return m


@pytest.mark.parametrize(
    "model,message,resamplable",
    [
        (model_for(300), "built for series of length 300 but dataset 'GunPoint' has length 150; resampling", True),
        (model_for(150, n_vars=3), "expects 3 variable(s) per time step but dataset 'GunPoint' has 1", False),
        (model_for(150, classes=("a", "b")), "class(es) 1, 2 that the model does not know", False),
        (model_for(300, classes=("a", "b")), "length 300 but dataset 'GunPoint' has length 150", False),
    ],
    ids=["length", "variables", "classes", "length and classes"],
)
def test_each_mismatch_is_named_and_resampling_offered_only_where_it_helps(gunpoint, model, message, resamplable):
    with pytest.raises(MismatchError) as caught:
        align_split(model.config, model.metadata["classes"], gunpoint)
    assert message in str(caught.value)
    assert caught.value.resamplable is resamplable
    assert ("resampling" in str(caught.value)) is resamplable
    problem = sources.model_fits(model, gunpoint)
    assert message in problem and ("Resample series to the model" in problem) is resamplable


def test_resampling_keeps_every_series_whole_and_finite(gunpoint):
    model = model_for(300)
    a = align_split(model.config, ["1", "2"], gunpoint, fix_length=True)
    assert a.X.shape == (150, 1, 300) and np.isfinite(a.X).all() and (a.lengths == 300).all()
    assert a.warnings == [
        "series were resampled from length 150 to the model's length 300; explanations refer to the resampled series"
    ]
    np.testing.assert_allclose(a.X[:, 0, [0, -1]], gunpoint.X_test[:, 0, [0, -1]], atol=1e-6)  # ends kept
    assert model_for(300, shuffle=False).config.shuffle is False
    assert align_split(model_for(300, shuffle=False).config, ["1", "2"], gunpoint).warnings == []  # any length


def test_cli_names_the_mismatch_and_the_flag_that_resamples(tmp_path, capsys):
    ckpt = save_checkpoint(tmp_path / "long.safetensors", model_for(300), {"classes": ["1", "2"]})
    code = main(["evaluate", "--checkpoint", str(ckpt), "--dataset", "GunPoint"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert "length 300" in err and err.strip().endswith("; add --fix-length to do so")
    code = main(["evaluate", "--checkpoint", str(ckpt), "--dataset", "GunPoint", "--fix-length", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "warning: series were resampled from length 150 to the model's length 300" in err
    wide = save_checkpoint(tmp_path / "wide.safetensors", model_for(150, n_vars=3), {"classes": ["1", "2"]})
    code = main(["evaluate", "--checkpoint", str(wide), "--dataset", "GunPoint"])
    err = capsys.readouterr().err
    assert code == 2 and "expects 3 variable(s)" in err and "--fix-length" not in err


def upload_model(at, name: str, model) -> None:
    data = checkpoint_bytes(model, {"classes": model.metadata["classes"]})
    at.file_uploader(key="_upload_model").set_value((name, data, "application/octet-stream")).run()


def test_the_sidebar_switch_resamples_with_a_visible_warning(app):
    at = app()
    upload_model(at, "long.safetensors", model_for(300))
    errors = [e.value for e in at.error]
    assert any("length 300" in e and "switch on “Resample series to the model's length”" in e for e in errors), errors
    assert at.session_state["model"] == LSTMFCN_MODEL  # refused: the previous model stays

    at.toggle(key="_w_sidebar_resample").set_value(True).run()
    assert not at.exception
    long_id = at.session_state["model"]
    assert long_id.startswith("upload:") and at.query_params["resample"] == "1"
    assert any("resampled from length 150 to the model's length 300" in w.value for w in at.warning)
    assert at.metric[0].label == "Test accuracy"  # the page works on the resampled series

    at.switch_page("pages/cam.py").run()
    assert not at.exception and any("resampled" in w.value for w in at.warning)

    at.toggle(key="_w_sidebar_resample").set_value(False).run()
    assert not at.exception
    assert at.session_state["model"] == LSTMFCN_MODEL and "resample" not in at.query_params
    assert any("Resampling is off" in i.value for i in at.info)

    link = app(model=long_id, resample=1)  # a copied link reopens the resampled view
    assert not link.exception and link.session_state["model"] == long_id
    assert any("resampled" in w.value for w in link.warning)
    refused = app(model=long_id)  # …and without resample=1 says how to get it
    assert refused.session_state["model"] == LSTMFCN_MODEL
    assert any("Resample series to the model" in e.value for e in refused.error)


def test_a_mismatch_without_a_way_out_offers_none(app):
    at = app()
    upload_model(at, "wide.safetensors", model_for(150, n_vars=3))
    errors = [e.value for e in at.error]
    assert any("expects 3 variable(s)" in e for e in errors) and not any("Resample" in e for e in errors)
    at.toggle(key="_w_sidebar_resample").set_value(True).run()
    assert at.session_state["model"] == LSTMFCN_MODEL  # resampling cannot help: nothing changes
