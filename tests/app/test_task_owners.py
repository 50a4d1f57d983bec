"""Background checks are shared for speed but owned per session (issue #31, 4): one visitor's
Cancel detaches that visitor only, the check stops once nobody wants it, and a new session never
inherits someone's cancel."""

from __future__ import annotations

import time

import pytest

from lstmfcn.dashboard.tasks import TaskRegistry


def slow(progress):
    for i in range(2000):
        progress(i / 2000)
        time.sleep(0.01)
    return "never"


def test_a_cancel_detaches_its_owner_and_stops_the_task_only_when_nobody_wants_it():
    reg = TaskRegistry()
    task = reg.start("k", slow, "A")
    assert reg.start("k", slow, "B") is task and task.owners == 2
    time.sleep(0.2)
    assert reg.release("k", "A") > 0  # the share done when A let go
    assert not task.wait(0.5) and task.snapshot().state == "running"  # B still wants it
    reg.release("k", "B")
    assert task.wait(5) and task.snapshot().state == "cancelled"


def test_a_new_owner_never_inherits_a_cancel():
    reg = TaskRegistry()
    task = reg.start("k", slow, "A")
    reg.release("k", "A")  # the last owner: the task unwinds
    fresh = reg.start("k", slow, "C")
    assert fresh is not task and fresh.snapshot().state == "running" and not fresh.cancelling
    assert task.wait(5) and task.snapshot().state == "cancelled"
    fresh.cancel()
    assert fresh.wait(5)


def test_past_the_servers_slots_a_task_waits_its_turn_and_may_be_cancelled_while_waiting():
    reg = TaskRegistry(max_running=1)
    first = reg.start("a", slow, "A")
    second = reg.start("b", slow, "B")
    third = reg.start("c", slow, "C")
    time.sleep(0.3)
    assert not first.snapshot().waiting and first.snapshot().fraction > 0
    assert second.snapshot().waiting and second.snapshot().fraction == 0 and second.snapshot().state == "queued"
    reg.release("c", "C")  # cancelled while it waits: it never computes
    assert third.wait(2) and third.snapshot().state == "cancelled"
    reg.release("a", "A")
    assert first.wait(5)
    deadline = time.monotonic() + 5
    while second.snapshot().fraction == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not second.snapshot().waiting and second.snapshot().fraction > 0  # the freed slot is its
    reg.release("b", "B")
    assert second.wait(5)


@pytest.mark.slow
def test_a_task_whose_owners_sessions_have_all_gone_is_cancelled():
    connected = {"A", "B"}
    reg = TaskRegistry(alive=lambda owner: owner in connected, grace_s=0.3)
    task = reg.start("k", slow, "A")
    reg.start("k", slow, "B")
    connected.discard("A")  # A's tab closed: B still wants it
    time.sleep(1.5)
    assert task.snapshot().state == "running" and task.owners == 1
    connected.discard("B")
    assert task.wait(5) and task.snapshot().state == "cancelled"
    unowned = reg.start("warm-up", slow)  # nobody's: never cancelled so
    time.sleep(1.5)
    assert unowned.snapshot().state == "running"
    unowned.cancel()
    assert unowned.wait(5)


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def cancelled_notes(at) -> list[str]:
    return [i.value for i in at.info if "cancelled at" in i.value]


def faithfulness_session(app, n: int):
    at = app(dataset="ECG5000", model="ECG5000__lstmfcn")
    at.switch_page("pages/attributions.py").run()
    at.session_state["attr_methods"] = ["cam", "saliency"]
    at.session_state["attr_tab"] = "Faithfulness & agreement"
    at.session_state["attr_faith_n"] = n
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def fresh_caches(monkeypatch, tmp_path):
    import streamlit as st

    import pages._cached_checks as cached_checks

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(cached_checks, "ANSWER_WITHIN_S", 0.0)  # the bar is what a page shows at once
    yield
    for task in list(cached_checks.task_registry()._tasks.values()):
        task.cancel()
        task.wait(15)


def test_one_sessions_cancel_is_not_anothers(app, fresh_caches):
    """A and B follow the same faithfulness check on ECG5000; A cancels: A says "cancelled at", B
    and a fresh C still follow the running check; B's cancel then stops it for good."""
    from pages import _cached_checks as cached_checks

    a = faithfulness_session(app, 1000)
    b = faithfulness_session(app, 1000)
    [task] = cached_checks.task_registry()._tasks.values()
    assert task.owners == 2
    assert progress_texts(a) and progress_texts(b)
    [cancel] = [x for x in a.button if x.proto.label == "Cancel"]
    cancel.click().run()
    assert cancelled_notes(a) and [x for x in a.button if x.proto.label == "Start again"]
    assert task.snapshot().state == "running" and not task.cancelling  # B still wants it
    b.run()
    assert not cancelled_notes(b) and progress_texts(b)
    c = faithfulness_session(app, 1000)  # a new visitor joins the running check
    assert not cancelled_notes(c) and progress_texts(c)
    assert task.owners == 2  # B and C
    for s in (b, c):
        [cancel] = [x for x in s.button if x.proto.label == "Cancel"]
        cancel.click().run()
    assert task.wait(30) and task.snapshot().state == "cancelled"
    d = faithfulness_session(app, 1000)  # nobody wanted it any more: a newcomer starts it afresh
    assert not cancelled_notes(d) and progress_texts(d)
    [again] = cached_checks.task_registry()._tasks.values()
    assert again is not task and again.snapshot().state == "running"
