"""The Compare page: its numbers are the library's (lstmfcn.compare), model B travels in the URL,
and the table of disagreeing samples is the library's."""

from __future__ import annotations

import json

import numpy as np

from lstmfcn import compare as C
from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.zoo import pretrained_path


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_pages_numbers_are_the_librarys(app):
    at = app(sample=7)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["compare"] == "GunPoint__alstmfcn" and at.query_params["vs"] == "GunPoint__alstmfcn"
    ds = load_dataset("GunPoint")
    a, b = load_model(pretrained_path("GunPoint__lstmfcn")), load_model(pretrained_path("GunPoint__alstmfcn"))
    res = C.compare_sample(a, b, ds, "test", 7)
    shown = metrics(at)
    assert shown["CAM rank agreement (Spearman)"] == f"{res.cam_agreement:.2f}"
    assert shown["Integrated Gradients rank agreement (Spearman)"] == f"{res.attribution_agreement:.2f}"
    assert shown["Deletion AOPC, A / B"] == f"{res.a.aopc_deletion:.3f} / {res.b.aopc_deletion:.3f}"
    assert any(i.value.startswith("On this sample") and f"{res.b.aopc_deletion:.3f}" in i.value for i in at.info)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert {f"{w}: {m} of {res.target}" for w in "AB" for m in ("CAM", "Integrated Gradients")} <= set(titles)
    assert any("**150 of 150**" in m.value for m in at.markdown)
    answers = next(d.value for d in at.dataframe if "A says ↓ / B says →" in d.value.columns)
    assert answers[["1", "2"]].to_numpy().tolist() == C.split_answers(a, b, ds).counts.tolist()


def test_model_b_comes_from_the_link_and_the_disagreements_are_the_librarys(app):
    at = app(dataset="ECG200", model="ECG200__lstmfcn", vs="ECG200__alstmfcn", sample=6)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["compare"] == "ECG200__alstmfcn"
    ds = load_dataset("ECG200")
    table = C.split_answers(
        load_model(pretrained_path("ECG200__lstmfcn")), load_model(pretrained_path("ECG200__alstmfcn")), ds
    )
    shown = next(d.value for d in at.dataframe if "B says" in d.value.columns and "sample" in d.value.columns)
    np.testing.assert_array_equal(shown["sample"].to_numpy(), table.disagreeing)
    assert any(f"they disagree on **{len(table.disagreeing)}**" in m.value for m in at.markdown)


def test_a_link_to_a_model_b_that_does_not_fit_falls_back_to_one_that_does(app):
    at = app(vs="BasicMotions__mlstmfcn")
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["compare"] == "GunPoint__alstmfcn"
    at.selectbox(key="_w_compare_compare").set_value("GunPoint__alstmfcn__noshuffle").run()
    assert not at.exception and at.query_params["vs"] == "GunPoint__alstmfcn__noshuffle"


def test_model_b_travels_in_the_url():
    from lstmfcn.dashboard import state as vs

    view = vs.view_from_query({"model": "GunPoint__lstmfcn", "vs": "GunPoint__alstmfcn"})
    assert view.compare == "GunPoint__alstmfcn" and vs.view_to_query(view)["vs"] == "GunPoint__alstmfcn"
    assert "vs" not in vs.view_to_query(vs.View()) and vs.view_from_query({"vs": "x" * 500}).compare == ""


def test_a_cancelled_comparison_says_so_and_offers_to_go_on(app):
    at = app()
    at.switch_page("pages/compare.py").run()
    assert at.metric  # the page ran once: its comparison is cached
    from pages import _cached_explanations as cached_explanations
    from pages import _cached_resources as cached_resources

    label = cached_resources.model("GunPoint__lstmfcn").metadata["classes"][
        int(cached_explanations.evaluation("GunPoint__lstmfcn", "GunPoint", "test")["pred"][0])
    ]
    flag = "_cancelled_compare_" + "_".join(
        map(str, ("GunPoint__lstmfcn", "GunPoint__alstmfcn", "GunPoint", "test", 0, str(label), "ig"))
    )
    at.session_state[flag] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("cancelled" in i.value for i in at.info) and not at.metric
    assert [b for b in at.button if b.label == "Go on computing"]
    at.run()  # the next run computes (here: looks up) the comparison again
    assert at.metric


def test_another_dataset_drops_model_b_from_the_link(app):
    at = app(vs="GunPoint__alstmfcn")
    assert at.query_params["vs"] == "GunPoint__alstmfcn"
    at.selectbox(key="_w_sidebar_dataset").set_value("ECG200").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "vs" not in at.query_params and at.session_state["compare"] == ""


def test_every_chart_is_labelled_with_the_model_whose_numbers_it_shows(app):
    """Issue #26: B's CAM and attribution were subtitled "GunPoint · LSTM-FCN · shipped" (A's model)."""
    at = app(sample=7)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    a, b = "LSTM-FCN · shipped", "ALSTM-FCN · variables · shipped"
    seen = {}
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        seen[layout["title"]["text"]] = (layout["title"]["subtitle"]["text"], layout["meta"]["made_by"])
    for who, label in (("A", a), ("B", b)):
        for method in ("CAM", "Integrated Gradients"):
            subtitle, made_by = next(v for k, v in seen.items() if k.startswith(f"{who}: {method} of "))
            assert subtitle == f"GunPoint · {label} · test sample 7" and made_by["model"] == label
            assert made_by["method"] == method and made_by["sample"] == 7
    subtitle, _ = next(v for k, v in seen.items() if k.startswith("Every class's probability, A and B"))
    assert subtitle == f"GunPoint · A = {a}, B = {b} · test sample 7"
