"""Many classes stay readable: Adiac's 37-class confusion matrix has no per-cell numbers (hover
tells them) and the most frequent confusions are listed by name."""

from __future__ import annotations

import json

import numpy as np

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
