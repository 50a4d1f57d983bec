"""Faithfulness and the sanity check run in the background: the page answers at once with a
progress bar, the time left and a Cancel that stops the computation; the result is kept on disk
(a fresh server reads it back, equal to the library's), and "all" is offered with its time."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from lstmfcn.dashboard.checks import faithfulness_arrays, faithfulness_from_arrays, sanity_arrays, sanity_from_arrays
from lstmfcn.dashboard.tasks import Cancelled, TaskRegistry


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def run_until(at, done, timeout: float = 120.0):
    """Rerun ``at`` (as the page's half-second poll does) until ``done(at)``, else fail."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert not at.exception, [e.value for e in at.exception]
        assert time.monotonic() < deadline, "the background check did not end in time"
        time.sleep(0.3)
        at.run()
    return at


def test_a_task_reports_progress_and_stops_when_cancelled():
    reg = TaskRegistry()
    started = []

    def slow(progress):
        for i in range(1000):
            progress(i / 1000)
            started.append(i)
            time.sleep(0.01)
        return "never"

    task = reg.start("k", slow)
    assert reg.start("k", slow) is task  # a second page asking finds the running task
    time.sleep(0.3)
    snap = task.snapshot()
    assert snap.state == "running" and 0 < snap.fraction < 1 and snap.seconds_left > 0
    task.cancel()
    assert task.wait(5) and task.snapshot().state == "cancelled" and task.result is None
    assert len(started) < 1000


def test_a_failed_task_says_why():
    def broken(progress):
        raise ValueError("no")

    task = TaskRegistry().start("k", broken)
    task.wait(5)
    snap = task.snapshot()
    assert snap.state == "failed" and "ValueError: no" in snap.error


def test_a_cancel_raises_inside_the_library_computation(gunpoint_model_and_data):
    """The library's progress callback is the cancel hook: raising there stops the check."""
    from lstmfcn.explain import faithfulness_report, model_randomisation_check

    model, X, y = gunpoint_model_and_data
    maps = {"cam": np.abs(X)}

    def stop(fraction):
        if fraction > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        faithfulness_report(model, X, y, maps, n_steps=4, random_seeds=1, progress=stop)
    with pytest.raises(Cancelled):
        model_randomisation_check(model, X, y, methods=["cam"], progress=stop)


@pytest.fixture(scope="module")
def gunpoint_model_and_data():
    from lstmfcn import load_dataset, load_model
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    a = model_input(model, load_dataset("GunPoint"), "test")
    return model, a.X[:12], a.y[:12]


@pytest.mark.slow
def test_stored_reports_read_back_as_the_librarys(gunpoint_model_and_data):
    from lstmfcn.explain import faithfulness_report, model_randomisation_check
    from lstmfcn.explain.methods import run_method

    model, X, y = gunpoint_model_and_data
    maps = {m: run_method(m, model, X, y) for m in ("cam", "saliency")}
    report = faithfulness_report(model, X, y, maps, n_steps=5, random_seeds=2, baseline="blur")
    back = faithfulness_from_arrays(faithfulness_arrays(report))
    assert back.to_dict() == report.to_dict()
    for m in maps:
        assert np.array_equal(back.methods[m].gain, report.methods[m].gain)
        assert back.methods[m].verdict(m, 0.1, 0.1) == report.methods[m].verdict(m, 0.1, 0.1)
    res = model_randomisation_check(model, X, y, methods=["cam", "saliency"], cascade=True)
    again = sanity_from_arrays(sanity_arrays(res))
    for m in res:
        assert again[m].to_dict() == res[m].to_dict() and again[m].verdict(m) == res[m].verdict(m)


def test_faithfulness_runs_in_the_background_with_an_estimate_and_is_kept_on_disk(app, monkeypatch, tmp_path):
    import streamlit as st

    import pages._cached_checks as cached_checks

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(cached_checks, "ANSWER_WITHIN_S", 0.0)  # answer at once: the bar is what the page shows
    at = app(dataset="ECG5000", model="ECG5000__lstmfcn", method="ig")
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_methods"] = ["cam", "ig"]
    at.session_state["attr_tab"] = "Faithfulness & agreement"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="attr_faith_n").value == 32  # of 4,500: a class-balanced sample by default
    texts = progress_texts(at)
    assert texts and texts[0].startswith("Faithfulness of 2 method(s) on 32 samples: ")
    assert [b for b in at.button if b.proto.label == "Cancel"]
    run_until(at, lambda at: any(t.startswith("Deletion") for t in titles(at)))
    assert not progress_texts(at) and not [b for b in at.button if b.proto.label == "Cancel"]
    verdicts = [s.value for s in [*at.success, *at.warning] if "explains this model better than random" in s.value]
    assert len(verdicts) == 2
    at.run()  # the next run offers all 4,500 with the time they would take, from the rate just measured
    every = [b.proto.label for b in at.button if b.proto.label.startswith("Check all")]
    assert every and every[0].startswith("Check all 4500 (about ") and every[0].endswith(("s)", "min)")), every
    assert list(tmp_path.glob("*.npz"))  # kept on disk

    # a restarted server (nothing in memory) reads the kept result: drawn at once, no bar, same verdicts
    st.cache_data.clear()
    st.cache_resource.clear()
    again = app(dataset="ECG5000", model="ECG5000__lstmfcn", method="ig")
    again.switch_page("pages/attributions.py").run()
    again.session_state["attr_methods"] = ["cam", "ig"]
    again.session_state["attr_tab"] = "Faithfulness & agreement"
    again.run()
    assert not progress_texts(again)
    assert [s.value for s in [*again.success, *again.warning] if "better than random" in s.value] == verdicts


def test_cancelling_the_sanity_check_stops_it_and_offers_to_start_again(app, monkeypatch, tmp_path):
    from pages import _cached_checks as cached_checks

    at = fresh_ecg5000_attributions(app, monkeypatch, tmp_path, ["cam", "ig"], "Sanity check")
    at.session_state["attr_sanity_n"] = 200  # long enough to cancel midway
    at.run()
    assert progress_texts(at)[0].startswith("Sanity check of 2 method(s) on 200 samples: ")
    [cancel] = [b for b in at.button if b.proto.label == "Cancel"]
    cancel.click().run()
    run_until(at, lambda at: any("cancelled at" in i.value for i in at.info), timeout=60)
    assert not [t for t in titles(at) if t.startswith("Sanity check")]
    tasks = cached_checks.task_registry()._tasks
    assert all(t.snapshot().state == "cancelled" for t in tasks.values())
    assert [b for b in at.button if b.proto.label == "Start again"]


def test_a_cancelled_larger_check_keeps_the_finished_smaller_verdict_on_screen(app, monkeypatch, tmp_path):
    """ "Check all 4500" runs, then is cancelled: the 32-sample verdict stays drawn all along, said to
    be the 32-sample one."""
    at = fresh_ecg5000_attributions(app, monkeypatch, tmp_path, ["cam", "saliency"], "Faithfulness & agreement")
    at.run()

    def verdicts(at):
        return [s.value for s in [*at.success, *at.warning] if "better than random" in s.value]

    run_until(at, lambda at: len(verdicts(at)) == 2)
    small = verdicts(at)
    [every] = [b for b in at.button if b.proto.label.startswith("Check all 4500")]
    every.click().run()
    assert at.slider(key="attr_faith_n").value == 4500
    texts = progress_texts(at)
    assert texts and texts[0].startswith("Faithfulness of 2 method(s) on 4500 samples: ")
    # its first chunk (128 samples) runs: the range comes from the 32-sample run's measured rates
    assert "measuring the time left (earlier runs: " in texts[0], texts
    assert verdicts(at) == small  # drawn while the larger check runs …
    assert any("finished check on 32 samples" in c.value for c in at.caption)
    assert "Method agreement (Spearman rank correlation, 32 samples)" in titles(at)
    [cancel] = [b for b in at.button if b.proto.label == "Cancel"]
    cancel.click().run()
    run_until(at, lambda at: any("cancelled at" in i.value for i in at.info), timeout=60)
    assert verdicts(at) == small  # … and after it was cancelled
    assert any("finished check on 32 samples" in c.value for c in at.caption)
    assert [b for b in at.button if b.proto.label == "Start again"]


def fresh_ecg5000_attributions(app, monkeypatch, tmp_path, methods: list[str], tab: str):
    """The Attributions page on ECG5000 with nothing computed (an empty disk cache, fresh memory
    caches) and a check answered at once by its progress bar; ``methods`` and ``tab`` set, not run."""
    import streamlit as st

    import pages._cached_checks as cached_checks

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(cached_checks, "ANSWER_WITHIN_S", 0.0)
    at = app(dataset="ECG5000", model="ECG5000__lstmfcn")
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_methods"] = methods
    at.session_state["attr_tab"] = tab
    return at
