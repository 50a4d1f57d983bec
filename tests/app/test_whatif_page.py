"""The What-if page: edits stack, undo and reset; the prediction and CAM shown are the library's on
the edited series; a counterfactual is found, drawn and really flips the model, or said not found."""

from __future__ import annotations

import json

import numpy as np

from lstmfcn import whatif as W
from lstmfcn.words import percent


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_edits_stack_undo_and_reset_and_the_numbers_are_the_librarys(app):
    at = app()
    at.switch_page("pages/whatif.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="whatif_kind").set_value("baseline").run()
    at.slider(key="whatif_window").set_value((40, 110)).run()
    at.button(key="whatif_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stack = at.session_state["_whatif_edits_GunPoint__lstmfcn_GunPoint_test_0"]
    assert stack == [W.Baseline(40, 110, None, baseline="zeros")]
    summary = next(m.value for m in at.markdown if "edit(s)" in m.value)
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    x = model_input(model, load_dataset("GunPoint")).X[0]
    after = W.predict_and_cam(model, W.apply_edits(x, stack))
    assert summary.startswith("**1 edit(s)**") and f"({percent(after.probabilities[after.predicted])})" in summary
    bars = next(
        json.loads(c.proto.spec)["data"]
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["title"]["text"] == "Every class's probability, before and after"
    )
    before = W.predict_and_cam(model, x)
    assert [b["type"] for b in bars] == ["bar", "bar"] and [b["name"] for b in bars] == ["before", "after"]
    np.testing.assert_allclose(bars[0]["y"], before.probabilities, rtol=1e-6)
    np.testing.assert_allclose(bars[1]["y"], after.probabilities, rtol=1e-6)
    at.button(key="whatif_apply").click().run()
    at.button(key="whatif_undo").click().run()
    assert "**1 edit(s)**" in next(m.value for m in at.markdown if "edit(s)" in m.value)
    assert any(t.startswith("Edited test sample #0 (1 edit): CAM of ") for t in titles(at)), titles(at)
    at.button(key="whatif_reset").click().run()
    assert "**0 edit(s)**" in next(m.value for m in at.markdown if "edit(s)" in m.value)
    assert any(t.startswith("Test sample #0, not edited yet: CAM of ") for t in titles(at)), titles(at)


def test_a_counterfactual_flips_the_model_and_is_drawn(app):
    at = app()
    at.switch_page("pages/whatif.py").run()
    at.button(key="whatif_find").click().run()
    assert not at.exception, [e.value for e in at.exception]
    found = [s.value for s in at.success if "makes the model say" in s.value]
    assert found and any(t.startswith("Counterfactual of test sample #0") for t in titles(at))
    from pages import _cached_resources as cached_resources
    from pages import _cached_views as cached_views

    cf = cached_views.counterfactual(
        "GunPoint__lstmfcn", "GunPoint", "test", 0, int(at.selectbox(key="whatif_to").value)
    )
    assert cf.found
    model = cached_resources.model("GunPoint__lstmfcn")
    assert W.predict_and_cam(model, cf.counterfactual).predicted == cf.to_class
    assert np.count_nonzero((cf.counterfactual != cf.x).any(axis=0)) <= cf.segment[1] - cf.segment[0]


def test_a_multivariate_counterfactual_names_the_variables_it_changed(app):
    at = app(dataset="BasicMotions", model="BasicMotions__mlstmfcn", sample=2)
    at.switch_page("pages/whatif.py").run()
    at.button(key="whatif_find").click().run()
    assert not at.exception, [e.value for e in at.exception]
    from pages import _cached_views as cached_views

    cf = cached_views.counterfactual(
        "BasicMotions__mlstmfcn", "BasicMotions", "test", 2, int(at.selectbox(key="whatif_to").value)
    )
    assert cf.found
    said = next(s.value for s in at.success if "makes the model say" in s.value)
    assert f"of {len(cf.changed_variables)} of the 6 variables" in said
    # The chart shades the copied steps in exactly the variables that changed, named as the page names them.
    chart = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Counterfactual of test sample #2")
    )
    shaded = {s["yref"].replace(" domain", "") for s in chart["layout"].get("shapes", []) if s["type"] == "rect"}
    panel_of = {t["yaxis"] for t in chart["data"]}
    assert len(panel_of) == 6 and len(shaded) == len(cf.changed_variables) >= 1
    heads = [a["text"] for a in chart["layout"]["annotations"]]
    assert [i for i, h in enumerate(heads) if h.endswith("— changed")] == list(cf.changed_variables)
    assert all(len([t for t in chart["data"] if t["yaxis"] == y]) == 2 for y in panel_of)  # original and counterfactual
