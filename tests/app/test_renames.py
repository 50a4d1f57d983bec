"""A user's names for classes and variables: set in the sidebar, kept in the URL, shown on every
page, refused with a sentence when unusable, reset with the dataset, and stored in models trained here."""

from __future__ import annotations

import json
import time

import pytest

from lstmfcn.checkpoint import load_checkpoint_bytes
from lstmfcn.dashboard import state as vs
from lstmfcn.dashboard.jobs import JobRegistry, TrainRequest

GUN_POINT = vs.names_param({"classes": {"1": "Gun", "2": "Point"}})


def chart_text(at, title_start: str) -> str:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title_start):
            return json.dumps(spec)
    raise AssertionError(f"no chart titled {title_start!r}")


def test_the_url_parameter_is_parsed_defensively():
    assert vs.parse_names(GUN_POINT) == {"classes": {"1": "Gun", "2": "Point"}}
    for bad in ("{", "[1]", '{"x": {}}', '{"classes": {"1": 2}}', '{"classes": []}'):
        assert vs.parse_names(bad) == {}
    view = vs.view_from_query({"names": GUN_POINT})
    assert view.names == GUN_POINT and vs.view_to_query(view)["names"] == GUN_POINT
    assert vs.view_from_query({"names": "not json"}).names == ""


def test_names_set_in_the_sidebar_show_on_the_page_and_in_the_url(app):
    at = app()
    at.text_input(key="_name_c_1").set_value("Gun").run()
    at.text_input(key="_name_c_2").set_value("Point").run()
    assert not at.exception, [e.value for e in at.exception]
    assert vs.parse_names(at.query_params["names"]) == {"classes": {"1": "Gun", "2": "Point"}}
    assert "Gun (1)" in chart_text(at, "Accuracy per class") and "Point (2)" in chart_text(at, "Accuracy per class")


def test_a_link_with_names_reopens_them_and_bad_names_are_refused_in_words(app):
    at = app(names=GUN_POINT)
    assert "Gun (1)" in chart_text(at, "Accuracy per class")
    clash = vs.names_param({"classes": {"1": "Same", "2": "same"}})
    at = app(names=clash)
    assert not at.exception
    assert any("could not be used" in w.value for w in at.warning)
    assert "Same (1)" not in chart_text(at, "Accuracy per class")  # the labels stay


def test_a_name_that_clashes_is_refused_and_the_old_names_stay(app):
    at = app(names=GUN_POINT)
    at.text_input(key="_name_c_2").set_value("gun").run()
    assert any("cannot be used" in e.value for e in at.error)
    assert vs.parse_names(at.query_params["names"]) == {"classes": {"1": "Gun", "2": "Point"}}


def test_changing_the_dataset_drops_the_names(app):
    at = app(names=GUN_POINT)
    next(s for s in at.selectbox if s.label.startswith("Embedded dataset")).set_value("ECG200").run()
    assert not at.exception and "names" not in at.query_params


@pytest.mark.slow
def test_a_model_trained_here_keeps_the_sessions_names(gunpoint):
    job = JobRegistry().train(TrainRequest("GunPoint", "GunPoint", epochs=2, device="cpu", names=GUN_POINT), gunpoint)
    job.wait(120)
    deadline = time.time() + 60
    while not job.snapshot().finished and time.time() < deadline:
        time.sleep(0.05)
    _, meta = load_checkpoint_bytes(job.result, job.about.file_name())
    assert meta["class_names"] == ["Gun", "Point"]
