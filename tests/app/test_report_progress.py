"""Home's report builds in the background: its steps named as they pass, the time left only once
measured, Cancel; then the download (:mod:`pages._report`)."""

from __future__ import annotations

import threading
import time

from pages._report import progress_words
from tests.helpers.shipped import LSTMFCN_MODEL


def test_no_time_left_is_shown_before_a_build_was_timed():
    fraction, text = progress_words(0, "evaluating the test split", 2.0, None)
    assert fraction == 0.0
    assert "evaluating the test split (step 1)" in text and "no time left to show" in text


def test_the_time_left_is_the_last_builds_measured_steps():
    timed = [1.0, 1.0, 8.0, 20.0, 10.0]  # seconds each step took last time: 40 in all
    fraction, text = progress_words(3, "what matters: importance on 150 samples", 12.0, timed)
    assert fraction == 10.0 / 40.0  # three steps done: 10 s of the last build's 40
    assert "about 28 s left" in text and "the last build took 40 s" in text  # 40 - 12 s so far


def _progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_the_build_names_its_step_and_can_be_cancelled(app, monkeypatch):
    import lstmfcn.report
    from pages._cached_checks import task_registry
    from pages._report import _STEPS, task_key
    from tests.helpers.report_build import forget_report

    stop = threading.Event()

    def slow_build(*args, progress, **kwargs):
        progress(0.0, "evaluating the test split")
        while not stop.is_set():  # the longest step: it goes on until the test ends it
            progress(0.35, "what matters: importance on 150 samples")
            time.sleep(0.02)
        return "<html></html>"

    monkeypatch.setattr(lstmfcn.report, "build_report", slow_build)
    forget_report(LSTMFCN_MODEL, "GunPoint", "test")
    key = task_key(LSTMFCN_MODEL, "GunPoint", "test", "")
    try:
        at = app()
        at.button(key="home_report_build").click().run()
        deadline = time.monotonic() + 60
        while _STEPS.get(key, (0, ""))[1] != "what matters: importance on 150 samples":
            assert time.monotonic() < deadline, "the build never reached its second step"
            time.sleep(0.05)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        [text] = _progress_texts(at)
        assert text.startswith("Building the report: what matters: importance on 150 samples (step 2)")
        assert "Build the report (HTML)" not in [b.label for b in at.button]  # not twice
        at.button(key=f"cancel_{key}").click().run()
        task = task_registry().get(key)
        assert task.wait(30) and task.snapshot().state == "cancelled"  # nobody else wanted it
        at.run()
        assert any("cancelled" in i.value for i in at.info)
        assert "Build the report (HTML)" in [b.label for b in at.button]  # offered again
        assert "Report (HTML)" not in [d.label for d in at.download_button]
    finally:
        stop.set()
        forget_report(LSTMFCN_MODEL, "GunPoint", "test")
