"""Home's report (one HTML file): built in the background with its steps named as they pass, the
time left and Cancel, then offered as a download.

The build is :func:`pages._cached_report.report_html` (what the pages computed is reused: see
:func:`~pages._cached_report.report_memo`) run as a background task of the dashboard's task
registry (:mod:`lstmfcn.dashboard.tasks`): the page stays usable meanwhile, Cancel stops it after
the step in progress, and once it is done the download button hands the kept page at once. The
time left comes from the steps of the last build of the same report on this server (their measured
seconds, never a guess); before one was timed, the bar says so.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import streamlit as st

from lstmfcn.dashboard.time_left import format_seconds
from pages import _progress as progress_ui
from pages._cached_checks import task_registry
from pages._cached_report import report_html
from pages._session import owner

ss = st.session_state
_lock = threading.Lock()
#: Running builds: task key → (steps done, the step in progress in words).
_STEPS: dict[str, tuple[int, str]] = {}
#: The last finished build of each report (task key without the names): seconds of each step.
_TIMED: dict[str, list[float]] = {}


def task_key(model_id: str, dataset_id: str, split: str, names: str) -> str:
    return f"report|{model_id}|{dataset_id}|{split}|{names}"


def _timing_key(key: str) -> str:
    return key.rsplit("|", 1)[0]  # the names change the words, not the work


def _build(model_id: str, dataset_id: str, split: str, names: str, key: str):
    """The task's computation: the report, with each step said (and timed) as it starts."""

    def compute(progress) -> bool:
        times: list[float] = []
        t = [time.perf_counter()]

        def say(fraction: float, what: str) -> None:
            now = time.perf_counter()
            with _lock:
                done, current = _STEPS.get(key, (-1, ""))
                if what != current:  # a new step (said again: the same step goes on)
                    _STEPS[key] = (done + 1, what)
                    if done >= 0:
                        times.append(now - t[0])
                    t[0] = now
            progress(fraction)  # raises Cancelled once nobody wants the report: it stops here

        try:
            report_html(model_id, dataset_id, split, names, _progress=say)  # kept: the download reads it
        finally:
            with _lock:
                _STEPS.pop(key, None)
        with _lock:
            _TIMED[_timing_key(key)] = times
        return True

    return compute


def _start(model_id: str, dataset_id: str, split: str, names: str) -> None:
    key = task_key(model_id, dataset_id, split, names)
    ss.pop("_report_released", None)
    task_registry().start(key, _build(model_id, dataset_id, split, names, key), owner())


def _cancel(key: str) -> None:
    ss["_report_released"] = key
    task_registry().release(key, owner())


def progress_words(done: int, what: str, elapsed_s: float, timed: list[float] | None) -> tuple[float, str]:
    """``(fraction, text)`` of the bar: the step in progress, how many are done, the time so far
    and the time left from the last build's measured steps (``timed``, seconds each), or that there
    is no measure yet."""
    if timed:
        total = sum(timed)
        spent = sum(timed[:done])
        left = max(0.0, total - max(spent, elapsed_s))
        fraction = min(1.0, spent / total) if total > 0 else 0.0
        when = f"about {format_seconds(left)} left (the last build took {format_seconds(total)})"
    else:
        fraction = 0.0
        when = "no time left to show until a first report here has been timed"
    return fraction, f"Building the report: {what} (step {done + 1}) · {format_seconds(elapsed_s)} so far · {when}"


def _words(key: str, snap) -> tuple[float, str]:
    """The running build's bar: its steps, or that it waits for a free slot."""
    if snap.waiting:
        return 0.0, "Building the report: waiting for a free slot (this server runs a few checks at a time)"
    with _lock:
        done, what = _STEPS.get(key, (0, "starting"))
        timed = _TIMED.get(_timing_key(key))
    return progress_words(max(done, 0), what, snap.elapsed_s, timed)


def report_download(model_id: str, dataset_id: str, split: str, file_name: str, help: str) -> None:
    """Home's report: a button that builds it in the background; while it builds, its steps, the
    time left and Cancel; then the download of the page built (kept for every session)."""
    names = ss.get("names", "")
    key = task_key(model_id, dataset_id, split, names)
    task = task_registry().get(key)
    snap = task.snapshot() if task is not None else None
    if snap is not None and snap.state == "done":
        st.download_button(
            "Report (HTML)",
            # read when clicked, on the download thread: the page the build kept (a page evicted since
            # is built again there, from the memo of what was computed: seconds)
            data=partial(report_html, model_id, dataset_id, split, names),
            file_name=file_name,
            mime="text/html",
            on_click="ignore",
            key="home_report",
            icon=":material/download:",
            help=help,
        )
        return
    if snap is not None and not snap.finished and ss.get("_report_released") != key:
        progress_ui.follow(task_registry(), key, partial(_words, key), _cancel, (key,))
        return
    if snap is not None and snap.state == "failed":
        st.error(f"The report could not be built: {snap.error}")
    elif ss.get("_report_released") == key:
        progress_ui.cancelled("The report was cancelled; what it had computed is kept for the next build.")
    st.button(
        "Build the report (HTML)",
        key="home_report_build",
        on_click=_start,
        args=(model_id, dataset_id, split, names),
        icon=":material/description:",
        help=help,
    )
