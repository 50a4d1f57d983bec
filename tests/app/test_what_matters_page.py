"""The What matters page: its sentences and numbers are the library's, it runs in the background
with a bar and Cancel, keeps its result on disk, and works on several variables and many classes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.importance.on_dataset import importance_on, split_sample
from lstmfcn.importance.sentences import importance_sentence
from lstmfcn.zoo import pretrained_path
from tests.app.test_background_checks import progress_texts, run_until


def charts(at) -> dict[str, dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"]["title"]["text"]: s for s in specs}


def open_page(app, monkeypatch, tmp_path, **query):
    import streamlit as st

    import pages._cached_checks as cached_checks

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(cached_checks, "ANSWER_WITHIN_S", 0.0)  # the bar is what the page shows first
    at = app(**query)
    at.switch_page("pages/what_matters.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_array(values) -> np.ndarray:
    """A Plotly array as numpy: a list, or a typed array (``{"dtype", "bdata", "shape"}``) as Plotly 6+ writes it."""
    if isinstance(values, dict):
        import base64

        a = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        return a.reshape([int(s) for s in str(shape).split(",")]) if shape else a
    return np.array(values, dtype=float)


def headline(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### ")).removeprefix("#### ")


def test_gunpoint_runs_in_the_background_and_says_what_the_library_says(app, monkeypatch, tmp_path):
    at = open_page(app, monkeypatch, tmp_path)
    texts = progress_texts(at)
    assert texts and texts[0].startswith("What matters: ")
    assert [b for b in at.button if b.proto.label == "Cancel"]
    assert any("shuffles: about " in c.value and "from one timed pass" in c.value for c in at.caption)
    run_until(at, lambda at: any(m.value.startswith("#### ") for m in at.markdown))
    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    sample = split_sample(model, load_dataset("GunPoint"), "test", None)
    expected = importance_on(sample, model, window=15, repeats=5)
    assert headline(at) == importance_sentence(expected, None)
    bars = next(s for t, s in charts(at).items() if t.startswith("Accuracy lost when one window is shuffled"))
    g = expected.overall["accuracy"].window
    np.testing.assert_allclose(plotly_array(bars["data"][0]["x"]), np.nan_to_num(g.importance[0]) * 100, atol=1e-9)
    assert list(bars["data"][0]["y"]) == [
        "0–14",
        "15–29",
        "30–44",
        "45–59",
        "60–74",
        "75–89",
        "90–104",
        "105–119",
        "120–134",
        "135–149",
    ]
    heat = bars
    assert "GunPoint" in heat["layout"]["title"]["subtitle"]["text"]
    table = next(d.value for d in at.dataframe if "window that matters most" in d.value.columns)
    assert len(table) == 2
    assert list(tmp_path.glob("*.npz"))  # kept on disk

    at.selectbox(key="what_matters_group").set_value(table["class"].iloc[0]).run()
    first = table["class"].iloc[0]
    assert headline(at).startswith(f"For {first}, ")


def test_a_multivariate_dataset_names_its_variables_and_draws_bars_per_variable(app, monkeypatch, tmp_path):
    at = open_page(app, monkeypatch, tmp_path, dataset="BasicMotions", model="BasicMotions__mlstmfcn")
    run_until(at, lambda at: any(m.value.startswith("#### ") for m in at.markdown), timeout=300)
    titles = list(charts(at))
    assert any(t.startswith("Each variable shuffled whole") for t in titles)
    heat = next(s for t, s in charts(at).items() if t.startswith("Accuracy lost when one window"))
    assert len(heat["data"][0]["y"]) == 6  # one row per variable, by name
    assert any("ρ" in m.value for m in at.markdown)  # the maps' agreement is said


@pytest.mark.parametrize("mode", ["baseline"])
def test_blanking_instead_of_shuffling_is_one_pass_and_says_so(app, monkeypatch, tmp_path, mode):
    at = open_page(app, monkeypatch, tmp_path)
    at.session_state["what_matters_mode"] = mode
    at.run()
    run_until(at, lambda at: any(m.value.startswith("#### ") for m in at.markdown))
    assert "blanked" in headline(at) or "no single stretch" in headline(at)


def test_a_run_of_over_a_minute_waits_for_start_then_runs_with_cancel(app, monkeypatch, tmp_path):
    at = open_page(app, monkeypatch, tmp_path, dataset="ECG5000", model="ECG5000__lstmfcn")
    at.toggle(key="what_matters_all_4500").set_value(True).run()  # all 4,500 series: minutes on two cores
    start = [b for b in at.button if b.proto.label.startswith("Start (about ")]
    assert start and start[0].proto.label.endswith(("min)", "s)")), [b.proto.label for b in at.button]
    assert not progress_texts(at)  # nothing runs before the click
    start[0].click().run()
    assert progress_texts(at) and progress_texts(at)[0].startswith("What matters: ")
    at.run()  # the page's poll: it keeps following the run, it does not ask again
    assert not [b for b in at.button if b.proto.label.startswith("Start (about ")]
    cancel = [b for b in at.button if b.proto.label == "Cancel"]
    cancel[0].click().run()
    assert not [b for b in at.button if b.proto.label == "Cancel"]
