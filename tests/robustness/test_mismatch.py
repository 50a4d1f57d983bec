"""A model meets a dataset it was not built for: a clear message, and the way out where one exists
(resampling to the model's length: ``resample``, ``--resample``, the sidebar switch; a subset of
the model's classes: ``class_subset``, ``--class-subset``), never one that leads to a meaningless result."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.checkpoint import checkpoint_bytes, save_checkpoint
from lstmfcn.cli import main
from lstmfcn.dashboard import selection
from lstmfcn.errors import MismatchError
from lstmfcn.inputs import model_input
from lstmfcn.models import ModelConfig, build_model
from tests.helpers.shipped import LSTMFCN_MODEL


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
        (model_for(300, classes=("a", "b")), "class(es) 1, 2 that the model does not know", False),  # classes first
    ],
    ids=["length", "variables", "classes", "length and classes"],
)
def test_each_mismatch_is_named_and_resampling_offered_only_where_it_helps(gunpoint, model, message, resamplable):
    with pytest.raises(MismatchError) as caught:
        model_input(model, gunpoint)
    assert message in str(caught.value)
    assert caught.value.resamplable is resamplable
    assert ("resampling" in str(caught.value)) is resamplable
    problem = selection.refusal(model, gunpoint)
    assert message in problem and ("Resample series to the model" in problem) is resamplable


def test_resampling_keeps_every_series_whole_and_finite(gunpoint):
    model = model_for(300)
    a = model_input(model, gunpoint, resample=True)
    assert a.X.shape == (150, 1, 300) and np.isfinite(a.X).all() and (a.lengths == 300).all()
    assert a.warnings == (
        "series were resampled from length 150 to the model's length 300; explanations refer to the resampled series",
    )
    np.testing.assert_allclose(a.X[:, 0, [0, -1]], gunpoint.X_test[:, 0, [0, -1]], atol=1e-6)  # ends kept
    assert model_for(300, shuffle=False).config.shuffle is False
    assert model_input(model_for(300, shuffle=False), gunpoint).warnings == ()  # any length


@pytest.mark.slow
def test_cli_names_the_mismatch_and_the_flag_that_resamples(tmp_path, capsys):
    ckpt = save_checkpoint(tmp_path / "long.safetensors", model_for(300), {"classes": ["1", "2"]})
    code = main(["evaluate", "--checkpoint", str(ckpt), "--dataset", "GunPoint"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert "length 300" in err and err.strip().endswith("; add --resample to do so")
    code = main(["evaluate", "--checkpoint", str(ckpt), "--dataset", "GunPoint", "--resample", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "warning: series were resampled from length 150 to the model's length 300" in err
    wide = save_checkpoint(tmp_path / "wide.safetensors", model_for(150, n_vars=3), {"classes": ["1", "2"]})
    code = main(["evaluate", "--checkpoint", str(wide), "--dataset", "GunPoint"])
    err = capsys.readouterr().err
    assert code == 2 and "expects 3 variable(s)" in err and "--resample" not in err


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


# ------------------------------------------------------------------------------------------
# Classes are not the same because their labels are


@pytest.fixture(scope="module")
def adiac_model():
    from lstmfcn.checkpoint import load_model
    from lstmfcn.zoo import pretrained_path

    return load_model(pretrained_path("Adiac__lstmfcn"))


def test_another_embedded_dataset_whose_labels_are_among_the_models_cannot_be_scored(adiac_model, gunpoint):
    """GunPoint's "1", "2" are among Adiac's "1"…"37": no switch makes the 37-class model score it."""
    for resample in (False, True):
        for class_subset in (False, True):
            with pytest.raises(MismatchError) as caught:
                model_input(adiac_model, gunpoint, resample=resample, class_subset=class_subset)
            assert "trained on Adiac" in str(caught.value) and caught.value.way_out is None
    problem = selection.refusal(adiac_model, gunpoint, selection.OptIns(resample=True, class_subset=True))
    assert "not the same" in problem and "switch on" not in problem and "resampl" not in problem.lower()


@pytest.mark.slow
def test_a_users_file_with_some_of_the_models_classes_needs_the_subset_opt_in(tmp_path, capsys):
    """A file of one's own holding CBF's classes 1 and 2 only: refused by default, scored on request, said so."""
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.zoo import pretrained_path

    cbf = load_dataset("CBF")
    keep = [i for i, label in enumerate(cbf.raw_test.labels) if label in ("1", "2")]
    rows = ["\t".join([cbf.raw_test.labels[i]] + [repr(float(v)) for v in cbf.raw_test.X[i, 0]]) for i in keep]
    path = tmp_path / "cbf_two.tsv"
    path.write_text("\n".join(rows) + "\n")
    ds = load_dataset(path)  # a single file: split 70/30
    assert ds.classes == ["1", "2"]
    ckpt = pretrained_path("CBF__lstmfcn")
    model = load_model(ckpt)
    with pytest.raises(MismatchError) as caught:
        model_input(model, ds)
    assert caught.value.way_out == "class_subset" and "holds 2 of the model's 3 classes (missing: 3)" in str(
        caught.value
    )
    inputs = model_input(model, ds, class_subset=True)
    np.testing.assert_array_equal(np.array(model.metadata["classes"])[inputs.y], ds.raw_test.labels)
    assert any("subset of the model's classes" in w for w in inputs.warnings)
    assert any("trained on CBF, not on cbf_two" in w for w in inputs.warnings)
    assert main(["evaluate", "--checkpoint", str(ckpt), "--dataset", str(path)]) == 2
    assert capsys.readouterr().err.strip().endswith("; add --class-subset to do so anyway")
    assert main(["evaluate", "--checkpoint", str(ckpt), "--dataset", str(path), "--class-subset", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "subset of the model's classes" in err and "subset of the model's classes" in out
    assert json.loads(out)["accuracy"] > 0.9  # CBF's own series: the model knows them


def test_length_refusal_never_recommends_resampling_when_the_classes_do_not_fit(adiac_model, gunpoint):
    problem = selection.refusal(adiac_model, gunpoint)
    assert "Resample" not in problem and "resampling" not in problem
