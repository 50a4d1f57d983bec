"""An edited series from the What-if page, explained on the CAM, Attributions and Attention pages:
they show the edited series (the library's numbers on it) under a banner, and go back to the
recorded sample on request or when another sample is picked."""

from __future__ import annotations

import json

import numpy as np

from lstmfcn import whatif as W
from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.inputs import model_input
from lstmfcn.words import p_equals
from lstmfcn.zoo import pretrained_path

EDIT = W.Baseline(40, 110, None, baseline="zeros")


def edited_on_whatif(app, **query):
    at = app(**query)
    at.switch_page("pages/whatif.py").run()
    at.slider(key="whatif_window").set_value((40, 110)).run()
    at.button(key="whatif_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def edited_series(model_id: str, sample: int = 0) -> tuple:
    model = load_model(pretrained_path(model_id))
    x = model_input(model, load_dataset("GunPoint")).X[sample]
    return model, W.apply_edits(x, [EDIT])


def chart_specs(at) -> dict[str, dict]:
    return {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec) for c in at.get("plotly_chart")
    }


def banner(at) -> list[str]:
    return [w.value for w in at.warning if "An edited series" in w.value]


def test_the_cam_page_explains_the_edited_series_until_asked_back(app):
    at = edited_on_whatif(app)
    at.button(key="whatif_explain_cam").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert banner(at) and "not in the link" in banner(at)[0]
    model, x = edited_series("GunPoint__lstmfcn")
    now = W.predict_and_cam(model, x)
    k = now.predicted
    heading = next(m.value for m in at.markdown if "ample 0 of the test set" in m.value)
    assert heading.startswith("#### Edited sample 0") and f"({p_equals(now.probabilities[k])}" in heading
    title = next(t for t in chart_specs(at) if t.startswith("Edited test sample #0: CAM"))
    assert f"({p_equals(now.probabilities[k])})" in title
    at.switch_page("pages/cam.py").run()  # (AppTest's next run would go back to the page it was switched to)
    assert banner(at)
    at.button(key="edited_back").click().run()
    assert not banner(at), banner(at)
    assert any(t.startswith("Test sample #0: CAM") for t in chart_specs(at)), list(chart_specs(at))


def test_the_attributions_page_maps_the_edited_series(app):
    at = edited_on_whatif(app)
    at.button(key="whatif_explain_attributions").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert banner(at)
    model, x = edited_series("GunPoint__lstmfcn")
    p = W.predict_and_cam(model, x).probabilities
    assert any(m.value.startswith("**Edited sample 0**") and f"({p_equals(p.max())})" in m.value for m in at.markdown)
    assert any(t.startswith("Edited test sample #0: every method's map") for t in chart_specs(at))
    from lstmfcn.dashboard import explanations
    from pages import _cached_views as cached_views

    params = explanations.options_of("ig", "zeros", 32)
    ig = cached_views.series_attribution("GunPoint__lstmfcn", x.astype(np.float32), 150, int(p.argmax()), "ig", params)
    direct = explanations.attribution(model, x[None], int(p.argmax()), np.array([150]), "ig", params)[0]
    np.testing.assert_allclose(ig, direct, atol=1e-5)
    at.switch_page("pages/attributions.py").run()
    at.number_input(key="_w_attributions_sample").set_value(1).run()  # another sample: the recorded one
    assert not banner(at) and any(m.value.startswith("**Sample 1**") for m in at.markdown)


def test_the_attention_page_reads_the_edited_series(app, alstm_model):
    at = edited_on_whatif(app, model=alstm_model)
    at.button(key="whatif_explain_attention").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert banner(at)
    model, x = edited_series(alstm_model)
    from lstmfcn.explain import attention_maps

    want = attention_maps(model, x[None]).final[0]
    assert any(t.startswith("Edited test sample #0 (class") for t in chart_specs(at)), list(chart_specs(at))
    from pages import _cached_views as cached_views

    np.testing.assert_allclose(
        cached_views.series_attention(alstm_model, x.astype(np.float32), 150)["final"], want, atol=1e-6
    )


def test_no_attention_button_for_a_model_without_attention(app):
    at = edited_on_whatif(app)
    assert not [b for b in at.button if b.key == "whatif_explain_attention"]
    assert [b for b in at.button if b.key == "whatif_explain_cam"]
