"""Every page under ``streamlit.testing.v1.AppTest``: it renders on the default state without an
exception, and changing its main widgets changes what is drawn. Plus the shared sidebar: URL
state, uploads, and bad uploads or mismatches that keep the previous working state."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from lstmfcn.checkpoint import checkpoint_bytes
from lstmfcn.models import ModelConfig, build_model
from pages._navigation import PAGES as NAVIGATION
from tests.helpers.shipped import LSTMFCN_MODEL, require_shipped

PAGES = [p.script for p in NAVIGATION]  # every page the menu offers: a new page is tested here


def titles(at) -> list[str]:
    """The titles of the Plotly charts drawn on the page, in order."""
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(items, label_start: str):
    """The widget whose label starts with ``label_start``."""
    found = [w for w in items if w.label.startswith(label_start)]
    assert found, f"no widget labelled {label_start!r} among {[w.label for w in items]}"
    return found[0]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_default_state(app, page):
    at = app()
    at.switch_page(page).run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    # no attention, training, sweep or What matters run yet; the presenter opens on its setup screen
    if page not in (
        "pages/attention.py",
        "pages/train.py",
        "pages/sweep.py",
        "pages/what_matters.py",
        "pages/present.py",
    ):
        assert titles(at), f"{page} drew no chart"
    assert at.query_params["model"] == LSTMFCN_MODEL and at.query_params["dataset"] == "GunPoint"


def test_home_shows_accuracy_confusion_and_misclassified_samples(app):
    at = app()
    assert "Confusion matrix" in titles(at) and "Accuracy per class" in titles(at)
    accuracy = at.metric[0]
    assert accuracy.label == "Test accuracy" and accuracy.value.endswith("%")
    widget(at.segmented_control, "Samples from").set_value("train").run()
    no_exception(at)
    assert at.metric[0].label == "Train accuracy"
    assert at.query_params["split"] == "train"


def test_data_page_split_and_series_per_class(app):
    at = app()
    at.switch_page("pages/data.py").run()
    assert "Samples of each class (test set)" in titles(at)
    before = len(json.loads(at.get("plotly_chart")[1].proto.spec)["data"])
    at.slider(key="data_per_class").set_value(2).run()
    after = len(json.loads(at.get("plotly_chart")[1].proto.spec)["data"])
    assert after < before
    widget(at.segmented_control, "Samples from").set_value("train").run()
    assert "Samples of each class (training set)" in titles(at)


def test_cam_page_follows_the_sample_and_class_widgets(app):
    at = app()
    at.switch_page("pages/cam.py").run()
    assert "Test sample #0: CAM of class" in titles(at)[1]
    widget(at.number_input, "Sample").set_value(7).run()
    no_exception(at)
    assert titles(at)[1].startswith("Test sample #7: CAM of class")
    assert at.query_params["sample"] == "7"
    widget(at.selectbox, "Class to explain").set_value("2").run()
    assert titles(at)[1].startswith("Test sample #7: CAM of class 2")
    assert at.query_params["class"] == "2"


def test_changing_the_sample_never_recomputes_the_split(app, monkeypatch):
    from lstmfcn.dashboard import explanations

    calls = []
    original = explanations.cam_chunk
    monkeypatch.setattr(explanations, "cam_chunk", lambda *a, **k: calls.append(1) or original(*a, **k))
    at = app()
    at.switch_page("pages/cam.py").run()
    before = len(calls)
    for sample in (3, 40, 99):
        widget(at.number_input, "Sample").set_value(sample).run()
        widget(at.selectbox, "Class to explain").set_value("1").run()
    assert len(calls) == before  # the split's maps come from the cache
    assert titles(at)[1].startswith("Test sample #99: CAM of class 1")


def test_cam_page_tabs_all_classes_and_true_vs_predicted(app):
    at = app()
    at.switch_page("pages/cam.py").run()
    at.session_state["cam_view"] = "All classes"  # lazy tabs: only the open one is drawn
    at.run()
    no_exception(at)
    assert any("under every class's map" in t for t in titles(at))
    at.session_state["cam_view"] = "True vs predicted"
    if at.dataframe:  # the misclassified samples table: explain the first mistake
        widget(at.number_input, "Sample").set_value(int(at.dataframe[0].value["sample"][0]))
        at.run()
        no_exception(at)
        assert any("why the mistake" in t for t in titles(at))
    else:  # the model makes no mistake on the test set
        at.run()
        assert any("classified correctly" in i.value for i in at.info)
        assert any("No misclassified sample" in m.value for m in at.success)


def test_a_link_reopens_the_view_on_every_page(app):
    at = app(split="train", sample="5", **{"class": "2"})
    at.switch_page("pages/cam.py").run()
    assert titles(at)[1].startswith("Train sample #5: CAM of class 2")
    at.switch_page("pages/filters.py").run()  # another page agrees on the sample
    assert "train sample #5" in titles(at)[0]
    assert at.query_params["sample"] == "5" and at.query_params["split"] == "train"


def test_bad_link_falls_back_with_a_message(app):
    at = app(dataset="NoSuchDataset", model="../../etc/passwd", sample="999999")
    no_exception(at)
    assert any("could not be opened" in e.value for e in at.error)
    assert at.query_params["dataset"] == "GunPoint" and at.query_params["model"] == LSTMFCN_MODEL


def test_attention_page_notes_a_model_without_attention_and_draws_alstm(app, alstm_model):
    at = app()
    at.switch_page("pages/attention.py").run()
    assert any("no attention" in i.value for i in at.info)
    switch = at.button(key="attention_switch")
    assert "· time ·" in switch.label  # attention over time, not the shuffle-on GunPoint__alstmfcn
    switch.click().run()
    no_exception(at)
    assert at.session_state["model"] == alstm_model and at.query_params["model"] == alstm_model
    first = titles(at)
    assert "alignment matrix" in first[1] and any("per class" in t for t in first)
    widget(at.number_input, "Sample").set_value(3).run()
    assert titles(at)[0].startswith("Test sample #3")


def test_attention_page_says_how_far_from_uniform_the_attention_is(app, alstm_model):
    at = app(model=alstm_model)
    at.switch_page("pages/attention.py").run()
    no_exception(at)
    [sentence] = [i.value for i in at.info if "uniform level" in i.value]
    assert sentence.startswith("Close to uniform: averaged over 150 samples") and "(1/150)" in sentence
    numbers = {m.label: m.value for m in at.metric}
    assert 1.05 < float(numbers["Peak / uniform"].split()[0]) < 1.3
    assert float(numbers["Entropy / maximum"].split()[0]) > 99
    assert any(c.value.startswith("**This sample** — Close to uniform") for c in at.caption)
    weights = json.loads(at.get("plotly_chart")[0].proto.spec)  # the sample's series and attention weights
    assert any(a["text"] == "uniform 1/150" for a in weights["layout"]["annotations"])


def test_attention_over_variables_is_read_against_the_even_share(app, zoo_patch):
    require_shipped(zoo_patch, "BasicMotions__malstmfcn")
    at = app(dataset="BasicMotions", model="BasicMotions__malstmfcn")
    at.switch_page("pages/attention.py").run()
    no_exception(at)
    assert any(i.value.startswith("Uneven: averaged over 40 samples") and "(1/6)" in i.value for i in at.info)
    charts = {c["layout"]["title"]["text"]: c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))}
    bars = next(c for t, c in charts.items() if "attention over variables" in t)
    assert any(a["text"] == "uniform 1/6" for a in bars["layout"]["annotations"])
    heat = charts["Test set: last-step attention per class"]["data"][0]
    [white] = [pos for pos, color in heat["colorscale"] if color == "rgb(247,247,247)"]
    assert heat["zmin"] + white * (heat["zmax"] - heat["zmin"]) == pytest.approx(1 / 6)


def test_attention_page_never_offers_attention_over_a_single_variable(app, zoo_patch, alstm_model):
    require_shipped(zoo_patch, "GunPoint__alstmfcn", "Coffee__lstmfcn", "Coffee__alstmfcn")
    at = app(model="GunPoint__alstmfcn")  # shuffle on, one variable: the weight is always 1
    at.switch_page("pages/attention.py").run()
    no_exception(at)
    assert any("always 1" in i.value for i in at.info) and not at.get("plotly_chart")
    at.button(key="attention_switch").click().run()  # offers the attention-over-time model instead
    assert at.session_state["model"] == alstm_model and titles(at)

    # Coffee ships only a shuffle-on ALSTM-FCN: nothing to offer, and the page says how to get one.
    for model in ("Coffee__lstmfcn", "Coffee__alstmfcn"):
        at = app(dataset="Coffee", model=model)
        at.switch_page("pages/attention.py").run()
        no_exception(at)
        assert at.session_state["model"] == model
        assert not [b for b in at.button if b.key == "attention_switch"]
        assert any("No model for Coffee here can show attention" in i.value for i in at.info)
        assert [link.proto.page for link in at.get("page_link")] == ["train"]


def test_attributions_page_methods_tabs_and_checks(app):
    at = app()
    at.switch_page("pages/attributions.py").run()
    no_exception(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    panels = [a["text"] for a in spec["layout"]["annotations"]]
    assert panels == ["Class activation map", "Integrated Gradients", "Saliency (|gradient|)", "Occlusion"]
    at.multiselect(key="attr_methods").set_value(["gradcam"]).run()  # the CAM is always shown alongside
    panels = [a["text"] for a in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["annotations"]]
    assert panels == ["Class activation map", "Grad-CAM (last conv block)"]

    at.session_state["attr_tab"] = "Class averages"
    at.session_state["method"] = "saliency"  # a whole split of a cheap method keeps the test short
    at.run()
    no_exception(at)
    assert any(t.startswith("Saliency (|gradient|): average map of each class") for t in titles(at))
    assert at.query_params["method"] == "saliency"

    at.session_state["attr_tab"] = "Faithfulness & agreement"
    at.session_state["attr_faith_n"] = 8
    at.run()
    finished_in_the_background(at)
    drawn = titles(at)
    assert any(t.startswith("Deletion") for t in drawn) and any(t.startswith("AOPC above the random") for t in drawn)
    assert any(t.startswith("Method agreement") for t in drawn)

    at.session_state["attr_tab"] = "Sanity check"
    at.session_state["attr_sanity_n"] = 4
    at.run()
    finished_in_the_background(at)
    assert any(t.startswith("Sanity check") for t in titles(at))


def finished_in_the_background(at, timeout: float = 120.0) -> None:
    """Rerun (as the page's half-second poll does) while a background check's progress bar shows."""
    deadline = time.monotonic() + timeout
    while [p for p in at.get("progress") if "method(s) on" in p.proto.text]:
        no_exception(at)
        assert time.monotonic() < deadline, "the background check did not end in time"
        time.sleep(0.3)
        at.run()
    no_exception(at)


def test_attributions_page_draws_maps_without_a_variable_axis_once(app, zoo_patch):
    require_shipped(zoo_patch, "BasicMotions__mlstmfcn")  # 6 variables
    at = app(dataset="BasicMotions", model="BasicMotions__mlstmfcn")
    at.switch_page("pages/attributions.py").run()
    no_exception(at)

    def heads() -> list[str]:
        return [a["text"] for a in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["annotations"]][:4]

    assert heads() == [
        "Class activation map<br>(all variables together)",
        "Integrated Gradients",
        "Saliency (|gradient|)",
        "Occlusion",
    ]
    captions = [c.value for c in at.caption]
    assert "**Occlusion**, per variable: 6 variables × 19 windows = 114 forward passes per sample" in captions
    at.toggle(key="attr_per_variable").set_value(False).run()
    assert heads()[3] == "Occlusion<br>(all variables together)"
    at.number_input(key="attr_window").set_value(20).run()  # the stride follows: half the window
    assert "**Occlusion**, all variables together: 9 windows = 9 forward passes per sample" in [
        c.value for c in at.caption
    ]
    at.session_state["attr_tab"] = "Class averages"
    at.session_state["method"] = "occlusion"
    at.run()
    no_exception(at)
    (title,) = titles(at)  # BasicMotions has 4 classes: the bands are drawn one at a time, and it says so
    first, second = title.split("<br>")
    assert first == "Occlusion (all variables together): average map of each class over its test samples"
    assert "click a class's band in the legend (4 bands at once would hide each other)" in second


def test_filters_page_block_and_filter_widgets(app):
    at = app()
    at.switch_page("pages/filters.py").run()
    assert titles(at)[0].startswith("Block 3, filter")
    at.segmented_control(key="filters_block").set_value(1).run()
    assert titles(at)[0].startswith("Block 1, filter")
    at.number_input(key="filters_filter").set_value(5).run()
    assert titles(at)[0].startswith("Block 1, filter 5 ")


def test_train_page_trains_keeps_and_offers_the_model(app):
    at = app()
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_epochs").set_value(3)
    at.button[0].click().run()  # the form's submit button
    no_exception(at)
    deadline = time.time() + 90
    while time.time() < deadline and not any("finished after" in s.value for s in at.success):
        time.sleep(0.5)
        at.run()
    no_exception(at)
    assert any("finished after 3 epochs" in s.value for s in at.success)
    assert at.session_state["model"].startswith("trained:")  # selected in the sidebar
    assert at.query_params["model"].startswith("trained:")
    assert any(d.label.startswith("Download the checkpoint") for d in at.download_button)
    at.switch_page("pages/home.py").run()
    no_exception(at)
    assert "trained here" in widget(at.selectbox, "Shipped").format_func(at.session_state["model"])


def test_switching_dataset_picks_a_fitting_model_or_says_there_is_none(app):
    # BME is not in the zoo plan (lstmfcn.zoo.PLAN), so no shipped model will ever fit it.
    at = app()
    widget(at.selectbox, "Embedded dataset").set_value("BME").run()
    no_exception(at)
    assert at.session_state["dataset"] == "BME" and at.session_state["model"] == ""
    boxes = [i.value for i in at.info if "No model for" in i.value]
    assert len(boxes) == 1 and "No model for **BME** yet" in boxes[0] and "Train" in boxes[0]  # one box, a way out
    assert any(link.proto.page == "train" for link in at.get("page_link"))
    at.switch_page("pages/data.py").run()  # the Data page needs no model
    assert any("BME" in t.value for t in at.title)
    assert titles(at)


def test_uploaded_dataset_is_selected_and_a_bad_one_keeps_the_previous(app, gunpoint):
    at = app()
    rows = [
        ",".join([gunpoint.classes[y]] + [f"{v:.5f}" for v in x[0]])
        for x, y in zip(gunpoint.X_test, gunpoint.y_test, strict=True)
    ]
    at.file_uploader(key="_upload_dataset").set_value(("my_gun.csv", "\n".join(rows).encode(), "text/csv")).run()
    no_exception(at)
    assert at.session_state["dataset"].startswith("upload:")
    assert at.session_state["model"] == LSTMFCN_MODEL  # same length, classes: the model still fits
    assert at.query_params["dataset"] == at.session_state["dataset"]
    good = at.session_state["dataset"]
    at.file_uploader(key="_upload_dataset").set_value(("broken.csv", b"label,a,b\nx,1,oops\n", "text/csv")).run()
    no_exception(at)
    assert any("could not be used" in e.value for e in at.error)
    assert at.session_state["dataset"] == good


def test_mismatched_model_upload_is_refused_and_the_previous_model_kept(app):
    at = app()
    long_model = build_model(ModelConfig("lstmfcn", 1, 300, 2)).eval()
    data = checkpoint_bytes(long_model, {"classes": ["1", "2"]})
    at.file_uploader(key="_upload_model").set_value(("long.safetensors", data, "application/octet-stream")).run()
    no_exception(at)
    errors = [e.value for e in at.error]
    assert any("length 300" in e and "150" in e for e in errors), errors
    assert at.session_state["model"] == LSTMFCN_MODEL
    at.file_uploader(key="_upload_model").set_value(
        ("weights.safetensors", b"\x00" * 64, "application/octet-stream")
    ).run()
    assert any("could not be used" in e.value for e in at.error)
    assert at.session_state["model"] == LSTMFCN_MODEL
    np.testing.assert_equal(titles(at)[:1], ["Accuracy per class"])
    assert any(d.label.startswith("Download this model") for d in at.sidebar.download_button)


@pytest.mark.parametrize("dataset", ["Chinatown", "ItalyPowerDemand", "ECGFiveDays", "CBF", "ECG200"])
def test_attention_over_time_out_of_the_box_beyond_gunpoint(app, dataset):
    """Five more univariate datasets ship an attention-over-time ALSTM-FCN: the page draws it."""
    at = app(dataset=dataset, model=f"{dataset}__alstmfcn__noshuffle")
    at.switch_page("pages/attention.py").run()
    no_exception(at)
    assert at.session_state["model"] == f"{dataset}__alstmfcn__noshuffle"
    assert any("attention runs over **time**" in c.value for c in at.caption) and titles(at)
