"""Many classes stay readable: Adiac's 37-class confusion matrix has no per-cell numbers (hover
tells them) and the most frequent confusions are listed by name; class-mean bands, per-class bars,
the What-if bars and heatmap numbers follow stated rules at 2 to 37 classes and 1 to 12 variables."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from lstmfcn import figures as F
from lstmfcn.dashboard.analysis import worst_confusions


def test_worst_confusions_lists_the_biggest_off_diagonal_cells():
    cm = np.array([[5, 3, 0], [1, 6, 0], [0, 4, 2]])
    table = worst_confusions(cm, ["a", "b", "c"], n=2)
    assert table[["true class", "predicted", "samples"]].values.tolist() == [["c", "b", 4], ["a", "b", 3]]
    assert table["share of the true class"].tolist() == [round(4 / 6, 3), round(3 / 8, 3)]


def test_adiacs_home_page_hovers_counts_and_names_the_confusions(app):
    at = app(dataset="Adiac", model="Adiac__lstmfcn")
    assert not at.exception
    spec = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "Confusion" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    assert spec["data"][0].get("texttemplate") is None and "samples" in spec["data"][0]["hovertemplate"]
    table = next(d for d in at.dataframe if "predicted" in d.value.columns and "samples" in d.value.columns)
    assert len(table.value) == 10 and (np.diff(table.value["samples"].to_numpy()) <= 0).all()


def test_all_classes_view_draws_the_most_probable_of_37_with_a_picker(app):
    at = app(dataset="Adiac", model="Adiac__lstmfcn")
    at.switch_page("pages/cam.py").run()
    at.session_state["cam_view"] = "All classes"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    drawn = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("under the maps of 8 of its 37 classes" in t for t in drawn), drawn
    picker = at.multiselect(key="cam_classes_test_0")
    assert len(picker.value) == 8
    picker.set_value(picker.value[:3]).run()
    drawn = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("of 3 of its 37 classes" in t or "of 4 of its 37 classes" in t for t in drawn), drawn


def test_classes_to_show_keeps_the_explained_class():
    from lstmfcn.dashboard.analysis import classes_to_show

    p = np.array([0.05, 0.5, 0.3, 0.15])
    assert classes_to_show(p, 0) == [1, 2, 3, 0]
    assert classes_to_show(p, 0, most=2) == [1, 0] and classes_to_show(p, 2, most=2) == [1, 2]


# ------------------------------------------------------------------------------------------
# Many classes and variables stay readable: figure rules, checked on the figures themselves


def _bands(fig) -> list:
    return [t for t in fig.data if t.fill == "toself"]


@pytest.mark.parametrize("K", [2, 3, 4, 5, 6, 9, 10])
def test_class_mean_bands_are_drawn_for_up_to_three_classes_else_on_a_click(K):
    rng = np.random.default_rng(K)
    V, T = 2, 40
    mean, std = rng.normal(size=(K, V, T)), rng.uniform(0.1, 1, size=(K, V, T))
    fig = F.class_mean_figure(
        mean, std, [f"c{k}" for k in range(K)], F.class_colors(K), title="Class mean ± one standard deviation (test)"
    )
    bands = _bands(fig)
    assert len(bands) == K * V  # every class's band exists on every variable
    drawn = [b for b in bands if b.visible in (None, True)]
    if K <= F.MAX_BAND_CLASSES:
        assert len(drawn) == K * V and "± one standard deviation" in fig.layout.title.text
        return
    assert drawn == []  # 4+ overlapping bands would be mush: each is a legend entry, drawn on a click
    assert [b.name for b in bands if b.showlegend] == [f"± SD of c{k}" for k in range(K)]
    assert fig.layout.title.text.startswith("Class mean (test)<br>") and "click a class's band" in fig.layout.title.text
    lines = [t for t in fig.data if t.fill != "toself"]
    np.testing.assert_array_equal(lines[1].customdata, std[0, 1])  # the spread is in the hover
    assert "± %{customdata" in lines[0].hovertemplate


def _every_label_shown(fig, labels: list[str]) -> None:
    """The bars lie down with one named row per class, every name on the axis, rows tall enough to read."""
    axis = fig.layout.yaxis
    assert list(axis.tickvals) == labels and list(axis.ticktext) == labels  # none thinned out by Plotly
    row_px = (fig.layout.height - 150) / len(labels)
    assert row_px >= axis.tickfont.size + 6


def test_37_classes_bars_lie_down_with_every_name_and_number():
    K = 37  # Adiac
    classes, colors = [str(k + 1) for k in range(K)], F.class_colors(K)
    rng = np.random.default_rng(0)
    acc = rng.uniform(0, 1, K)
    fig = F.per_class_accuracy_figure(acc, classes, colors, counts=[10] * K)
    (bar,) = fig.data
    assert bar.orientation == "h" and list(bar.y) == classes and np.allclose(bar.x, acc)
    assert len(bar.text) == K and bar.textposition == "outside"
    assert bar.textfont.size + 6 <= (fig.layout.height - 150) / K  # each number fits its row
    _every_label_shown(fig, classes)
    balance = F.class_balance_figure(list(range(K)), list(range(K, 0, -1)), classes, colors)
    assert [b.orientation for b in balance.data] == ["h", "h"] and [list(b.y) for b in balance.data] == [classes] * 2
    assert [list(map(int, b.text)) for b in balance.data] == [list(range(K)), list(range(K, 0, -1))]
    _every_label_shown(balance, classes)
    few = F.per_class_accuracy_figure(acc[:5], classes[:5], colors[:5])  # ECG5000: upright, as before
    assert few.data[0].orientation in (None, "v") and list(few.data[0].x) == classes[:5]


def test_whatif_bars_for_many_classes_keep_the_most_probable_and_the_most_moved():
    from lstmfcn.whatif import classes_to_compare

    few = classes_to_compare(np.full(12, 1 / 12), np.full(12, 1 / 12))
    assert few.classes == tuple(range(12)) and few.note == ""
    rng = np.random.default_rng(0)
    before, after = rng.dirichlet(np.ones(37)), rng.dirichlet(np.ones(37))
    shown = classes_to_compare(before, after, most=8, moved=3)
    top = set(np.argsort(-np.maximum(before, after))[:8].tolist())
    assert top <= set(shown.classes) and len(shown.classes) == 11 and list(shown.classes) == sorted(shown.classes)
    others = [k for k in range(37) if k not in top]
    moved = sorted(others, key=lambda k: -abs(after[k] - before[k]))[:3]
    assert set(shown.classes) - top == set(moved)
    assert shown.note == "11 of 37 classes: the 8 most probable (before or after) and the 3 that moved most"
    fig = F.grouped_bars_figure(
        [str(k) for k in shown.classes],
        {"before": before[list(shown.classes)], "after": after[list(shown.classes)]},
        title="Probability before and after",
        note=shown.note,
    )
    said = " ".join(re.sub(r"<[^>]+>", " ", fig.layout.title.text).split())  # the note, wrapped in a narrow column
    assert said == f"Probability before and after {shown.note}" and len(fig.data[0].x) == 11


@pytest.mark.parametrize(("K", "V"), [(4, 6), (9, 12), (37, 12), (5, 1), (37, 6)])
def test_heatmap_numbers_are_written_only_where_they_fit(K, V):
    from lstmfcn.figures._style import HEATMAP_PLOT_WIDTH_PX, cell_text_size, matrix_row_px

    weights = np.random.default_rng(0).dirichlet(np.ones(V), size=K)
    fig = F.class_variable_attention_figure(
        weights, [str(k) for k in range(K)], [f"coefficient {v + 1}" for v in range(V)]
    )
    (heat,) = fig.data
    row_px, col_px = matrix_row_px(K), HEATMAP_PLOT_WIDTH_PX / V
    size = cell_text_size(K, V, [f"{w:.2f}" for w in weights.ravel()], row_px=row_px)
    if heat.texttemplate:  # numbers drawn: each fits its cell at the font used, 11 px or more
        assert heat.textfont.size == size and size >= 11
        assert 4 * 0.6 * size + 6 <= col_px and size + 6 <= row_px
    else:  # too small for numbers: the hover has them
        assert size is None and "%{z:.2f}" in heat.hovertemplate
    assert list(fig.layout.yaxis.tickvals) == [str(k) for k in range(K)]  # every class named
    assert (fig.layout.height - 160) / K >= 22  # rows stay tall enough to name
    if V >= 12:
        assert heat.texttemplate is None  # JapaneseVowels' 12 coefficients: 25 px cells cannot hold "0.08"
    if (K, V) == (4, 6):
        assert heat.texttemplate  # BasicMotions: roomy cells keep their numbers


def test_adiacs_whatif_bars_show_the_picked_classes_and_say_so(app):
    from lstmfcn.whatif import classes_to_compare

    at = app(dataset="Adiac", model="Adiac__lstmfcn")
    at.switch_page("pages/whatif.py").run()
    assert not at.exception, [e.value for e in at.exception]
    spec = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Probability before and after")
    )
    before, after = (np.asarray(b["y"]) for b in spec["data"])
    said = " ".join(re.sub(r"<[^>]+>", " ", spec["layout"]["title"]["text"]).split())
    assert "11 of 37 classes: the 8 most probable (before or after) and the 3 that moved most" in said
    assert len(spec["data"][0]["x"]) == len(classes_to_compare(np.zeros(37), np.zeros(37)).classes) == 11
    assert before.max() == after.max() > 0.5  # no edit yet: the predicted class is among those shown


def test_twelve_long_variable_names_lie_down_every_name_on_its_own_row():
    """JapaneseVowels' 12 "LPC cepstrum coefficient k" stood on end squeezed the attention bars flat."""
    alpha = np.random.default_rng(0).dirichlet(np.ones(12), size=12)
    names = [f"LPC cepstrum coefficient {v + 1}" for v in range(12)]
    fig = F.variable_attention_figure(alpha, var_names=names)
    (bar,) = fig.data
    assert bar.orientation == "h" and list(bar.y) == names
    np.testing.assert_allclose(bar.x, alpha.mean(axis=0))
    assert list(fig.layout.yaxis.tickvals) == names and "uniform 1/12" in fig.layout.xaxis.title.text
    short = F.variable_attention_figure(alpha[:, :6], var_names=[f"v{v}" for v in range(6)])
    assert short.data[0].orientation == "v" and list(short.data[0].x) == [f"v{v}" for v in range(6)]
