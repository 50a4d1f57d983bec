"""The counterfactual chart shows what changed: the original and the counterfactual overlaid in each
variable, the copied stretch shaded only where the values changed, the probabilities before and after,
every label taken from the result (its origin), none from a page."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import figures as F
from lstmfcn.counterfactual import Origin, native_guide, summary
from lstmfcn.words import percent


def _shipped_counterfactual(model_id: str, dataset: str, sample: int, origin: Origin | None = None):
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.inputs import model_inputs
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path(model_id))
    inputs = model_inputs(model, load_dataset(dataset))
    te, tr = inputs["test"], inputs["train"]
    cf = native_guide(
        model,
        te.X[sample],
        tr.X,
        tr.y,
        length=int(te.lengths[sample]),
        lengths_train=tr.lengths,
        origin=origin,
    )
    return model, cf


def _panels(fig) -> list[tuple[str, str]]:
    """``(xaxis, yaxis)`` of each panel, top first (one per variable)."""
    return sorted({(t.xaxis, t.yaxis) for t in fig.data}, key=lambda a: int(a[1][1:] or 1))


def _shaded(fig) -> list[tuple[str, float, float]]:
    """``(y axis, x0, x1)`` of each shaded stretch (a rectangle over a panel's full height)."""
    return [(s.yref.replace(" domain", ""), s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect"]


@pytest.fixture(scope="module")
def basicmotions_one_variable(shipped_models):
    """BasicMotions' MLSTM-FCN, test sample 5: its counterfactual copies variable 5 alone."""
    names = ("Badminton", "Running", "Standing", "Walking")
    origin = Origin("BasicMotions", "MLSTM-FCN · shipped", "test", 5, names, tuple(f"axis {v}" for v in range(6)))
    return _shipped_counterfactual("BasicMotions__mlstmfcn", "BasicMotions", 5, origin)


def test_a_one_variable_counterfactual_shades_that_variable_only(basicmotions_one_variable):
    _, cf = basicmotions_one_variable
    assert cf.found and cf.changed_variables == (4,)  # the search changed variable 5 of 6 alone
    fig = F.counterfactual_figure(cf)
    panels = _panels(fig)
    assert len(panels) == 6
    L = cf.length or cf.x.shape[-1]
    for v, (xa, ya) in enumerate(panels):
        lines = [t for t in fig.data if (t.xaxis, t.yaxis) == (xa, ya)]
        assert [t.name for t in lines] == ["original", "counterfactual"]
        np.testing.assert_array_equal(lines[0].y, cf.x[v, :L])
        np.testing.assert_array_equal(lines[1].y, cf.counterfactual[v, :L])
        assert lines[1].line.color == F.COUNTERFACTUAL_COLOR and lines[0].line.color != lines[1].line.color
    s0, s1 = cf.segment
    assert _shaded(fig) == [(panels[4][1], s0 - 0.5, s1 - 0.5)]  # exactly variable 5's panel
    heads = [a.text for a in fig.layout.annotations]
    assert heads[4] == "axis 4 — changed" and sum("changed" in h for h in heads) == 1
    assert not any(getattr(t.marker, "showscale", None) for t in fig.data)  # no "copied" colour bar


def test_labels_and_probabilities_come_from_the_result(basicmotions_one_variable):
    model, cf = basicmotions_one_variable
    fig = F.counterfactual_figure(cf)
    title = fig.layout.title.text
    o = cf.origin
    frm, to = o.class_name(cf.from_class), o.class_name(cf.to_class)
    assert title.startswith(f"Counterfactual of test sample #5: {frm} → {to}")
    assert fig.layout.title.subtitle.text == "BasicMotions · MLSTM-FCN · shipped · test sample 5"
    from lstmfcn.evaluation import predict_logits, softmax

    before = softmax(predict_logits(model, cf.x[None]))[0]
    after = softmax(predict_logits(model, cf.counterfactual[None]))[0]
    assert int(after.argmax()) == cf.to_class  # the chart's "after" is the model's on the drawn series
    for k, name in ((cf.from_class, frm), (cf.to_class, to)):
        assert f"p({name}): {percent(before[k])} → {percent(after[k])}" in title
    assert "in 1 of the 6 variables" in title
    said = summary(cf)
    assert "of 1 of the 6 variables (axis 4)" in said and f"**{to}** ({percent(after[cf.to_class])})" in said


def test_a_univariate_counterfactual_overlays_both_lines_and_shades_one_stretch(shipped_models):
    _, cf = _shipped_counterfactual("GunPoint__lstmfcn", "GunPoint", 0)
    assert cf.found
    fig = F.counterfactual_figure(cf)
    assert [t.name for t in fig.data] == ["original", "counterfactual"]
    np.testing.assert_array_equal(fig.data[0].y, cf.x[0])
    np.testing.assert_array_equal(fig.data[1].y, cf.counterfactual[0])
    changed = np.flatnonzero(cf.counterfactual[0] != cf.x[0])
    s0, s1 = cf.segment
    [(_, x0, x1)] = _shaded(fig)
    assert (x0, x1) == (s0 - 0.5, s1 - 0.5) and x0 < changed.min() and changed.max() < x1  # around the change
    assert (
        not any(getattr(t.marker, "showscale", None) for t in fig.data) and not fig.layout.coloraxis.colorbar.title.text
    )
    # Without an origin the classes are their indices, and no subtitle is made up.
    assert f"p({cf.from_class}):" in fig.layout.title.text and not fig.layout.title.subtitle.text


def test_the_change_colour_is_never_a_class_colour():
    for k in (2, 8, 32, 37, 60, 120):
        assert F.COUNTERFACTUAL_COLOR.lower() not in {c.lower() for c in F.class_colors(k)}
    bars = F.grouped_bars_figure(["a", "b"], {"before": [0.9, 0.1], "after": [0.2, 0.8]})
    assert {b.marker.color for b in bars.data}.isdisjoint(F.class_colors(60))
