"""Every wait is bounded: whole-split class averages run on a class-balanced sample by default (all on
request, with its estimated time once the rate is known), and a cancelled computation says how far
it got and offers to go on instead of starting over."""

from __future__ import annotations

import json

from lstmfcn.dashboard.time_left import format_seconds


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_class_averages_on_a_big_split_use_a_class_balanced_sample_then_all_with_an_estimate(app):
    at = app(dataset="ECG5000", model="ECG5000__lstmfcn", method="saliency")
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_tab"] = "Class averages"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    control = at.segmented_control(key="attr_avg_n_saliency")
    assert control.value == 200  # of 4,500 test series
    assert any(t.startswith("Saliency (|gradient|): average map of each class") for t in titles(at))
    rates = at.session_state["_rates"]
    assert any(key[0] == "attr_true" and key[2] == "saliency" for key in rates)
    at.run()  # the next run offers all with the time it would take, from the rate just measured
    label = at.segmented_control(key="attr_avg_n_saliency").format_func(0)
    assert label.startswith("all 4500 (about ") and label.endswith(("s)", "min)")), label  # the time all would take


def test_a_cancelled_computation_says_how_far_it_got_and_offers_to_go_on(app):
    from lstmfcn.explain.options import SaliencyOptions

    at = app(method="saliency")
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_tab"] = "Class averages"
    flag = "_cancelled_" + "_".join(
        map(str, ("attr_true", "GunPoint__lstmfcn", "GunPoint", "test", "saliency", SaliencyOptions(), 0))
    )
    at.session_state[flag] = True  # what the Cancel button's callback sets
    at.session_state[flag + "_done"] = 32
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("cancelled after 32 of 150 samples" in i.value for i in at.info)
    assert [b for b in at.button if b.key == flag + "_resume"]
    at.run()  # the next run goes on computing: the chunks done are looked up, the rest computed
    assert any(t.startswith("Saliency (|gradient|): average map of each class") for t in titles(at))


def test_waits_are_said_in_words():
    assert format_seconds(0.2) == "1 s" and format_seconds(42) == "42 s" and format_seconds(600) == "10 min"


def test_no_cancel_button_is_left_once_the_work_is_done(app, monkeypatch, tmp_path):
    import streamlit as st

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))  # nothing computed yet, on disk or in memory
    st.cache_data.clear()
    st.cache_resource.clear()
    at = app(dataset="ECG5000", model="ECG5000__lstmfcn", method="ig")  # long enough for the bar to show
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_tab"] = "Class averages"
    # IG's class averages over ECG5000 take ~45 s on an idle 2-core CPU: the run may take what it
    # needs (a wait, not an assertion); what is checked is that no Cancel is left once it is done
    at.run(timeout=300)
    assert not at.exception
    assert any(key[2] == "ig" for key in at.session_state["_rates"])  # it was computed, with its bar
    assert not [b for b in at.button if b.proto.label == "Cancel"]
