"""The dashboard's selection rules without Streamlit (lstmfcn.dashboard.selection): which model
may be shown on which dataset, which switch lifts a refusal, and which model a dataset change keeps."""

from __future__ import annotations

import pytest

from lstmfcn.checkpoint import load_model
from lstmfcn.dashboard import selection
from lstmfcn.data import load_dataset
from lstmfcn.errors import CheckpointError
from lstmfcn.models import ModelConfig, build_model
from lstmfcn.zoo import pretrained_path


def built(length: int, classes=("1", "2"), dataset: str = "GunPoint"):
    m = build_model(ModelConfig("lstmfcn", 1, length, len(classes))).eval()
    m.metadata = {"classes": list(classes), "dataset": {"name": dataset}}
    return m


@pytest.fixture(scope="module")
def models():
    return {
        "GunPoint__lstmfcn": load_model(pretrained_path("GunPoint__lstmfcn")),
        "Adiac__lstmfcn": load_model(pretrained_path("Adiac__lstmfcn")),
        "long": built(300),
    }


def loader(models):
    def load(model_id):
        if model_id not in models:
            raise CheckpointError(f"there is no shipped model named '{model_id}'")
        return models[model_id]

    return load


def test_refusal_names_the_one_switch_that_lifts_it(models, gunpoint):
    assert selection.refusal(models["GunPoint__lstmfcn"], gunpoint) is None
    refused = selection.refusal(models["long"], gunpoint)
    assert "length 300" in refused and selection.RESAMPLE_LABEL in refused
    assert selection.lifting_switch(models["long"], gunpoint) == "resample"
    assert selection.refusal(models["long"], gunpoint, selection.OptIns(resample=True)) is None
    assert selection.lifting_switch(models["long"], gunpoint, selection.OptIns(resample=True)) is None


def test_no_switch_lifts_a_class_mismatch(models, gunpoint):
    """Adiac's 37 classes on GunPoint: neither switch, nor both, make it usable, and none is named."""
    adiac = models["Adiac__lstmfcn"]
    for opts in (
        selection.OptIns(),
        selection.OptIns(True, False),
        selection.OptIns(False, True),
        selection.OptIns(True, True),
    ):
        refused = selection.refusal(adiac, gunpoint, opts)
        assert refused and "switch on" not in refused
    assert selection.lifting_switch(adiac, gunpoint) is None


def test_subset_switch_lifts_a_users_file_with_some_classes(tmp_path):
    cbf = load_dataset("CBF")
    keep = [i for i, label in enumerate(cbf.raw_test.labels) if label != "3"]
    rows = ["\t".join([cbf.raw_test.labels[i]] + [repr(float(v)) for v in cbf.raw_test.X[i, 0]]) for i in keep]
    path = tmp_path / "mine.tsv"
    path.write_text("\n".join(rows) + "\n")
    mine = load_dataset(path)
    model = load_model(pretrained_path("CBF__lstmfcn"))
    refused = selection.refusal(model, mine)
    assert "holds 2 of the model's 3 classes" in refused and selection.SUBSET_LABEL in refused
    assert selection.lifting_switch(model, mine) == "class_subset"
    assert selection.refusal(model, mine, selection.OptIns(class_subset=True)) is None


def test_first_fitting_skips_what_does_not_load_or_fit(models, gunpoint):
    load = loader(models)
    assert selection.first_fitting(["missing", "Adiac__lstmfcn", "long", "GunPoint__lstmfcn"], load, gunpoint) == (
        "GunPoint__lstmfcn"
    )
    assert selection.first_fitting(["long"], load, gunpoint, selection.OptIns(resample=True)) == "long"
    assert selection.first_fitting(["missing", "Adiac__lstmfcn"], load, gunpoint) == ""


@pytest.mark.parametrize("name", ["GunPoint__lstmfcn", "Adiac__lstmfcn", "long", "more classes"])
def test_a_kept_widest_fit_answers_for_every_opt_in(models, gunpoint, name):
    """The pair's check with both opt-ins on, kept (what the dashboard does per pair), gives every
    session the answer check_fit gives for its own opt-ins: the same refusals, in the same words."""
    from lstmfcn.errors import MismatchError
    from lstmfcn.inputs import check_fit

    model = built(150, classes=("1", "2", "3")) if name == "more classes" else models[name]
    widest = selection.widest_fit(model, gunpoint)
    for opts in [selection.OptIns(r, c) for r in (False, True) for c in (False, True)]:
        try:
            check_fit(model, gunpoint, resample=opts.resample, class_subset=opts.class_subset)
            direct = None
        except MismatchError as exc:
            direct = str(exc)
        kept = selection.refusal(model, gunpoint, opts, widest=widest)
        assert kept == selection.refusal(model, gunpoint, opts), opts
        assert (kept is None) == (direct is None) and (direct is None or kept.startswith(direct)), (opts, kept, direct)
