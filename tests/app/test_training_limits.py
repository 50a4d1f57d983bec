"""Trainings are bounded server-wide (issue #31, 5): a cap on concurrent trainings with a queue
(its place shown), a cap on epochs, and a training whose session has gone is stopped and not kept."""

from __future__ import annotations

import time

import pytest

from lstmfcn.dashboard.jobs import JobRegistry, TrainingRefused, TrainRequest


def request(epochs: int = 2000) -> TrainRequest:
    return TrainRequest("GunPoint", "GunPoint", epochs=epochs, device="cpu")


def until(done, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


@pytest.fixture
def registry():
    made = []

    def make(**kw):
        made.append(JobRegistry(**kw))
        return made[-1]

    yield make
    for reg in made:  # nothing keeps training after the test
        for job in list(reg._tasks.values()):
            job.cancel()
            job.wait(60)


@pytest.mark.slow
def test_beyond_the_cap_trainings_wait_in_a_queue_and_beyond_the_queue_are_refused(registry, gunpoint):
    reg = registry(max_running=1, max_queued=1)
    first = reg.train(request(), gunpoint, "A")
    second = reg.train(request(), gunpoint, "B")
    assert first.snapshot().state == "running"
    snap = second.snapshot()
    assert snap.state == "queued" and snap.queue_position == 1 and not snap.finished
    with pytest.raises(TrainingRefused, match="1 trainings are running and 1 are waiting"):
        reg.train(request(), gunpoint, "C")
    first.cancel()
    until(lambda: second.snapshot().state == "running")  # the slot passes to the next in the queue
    assert reg.running() == 1 and first.snapshot().state == "stopped"


@pytest.mark.slow
def test_a_queued_training_can_leave_the_queue(registry, gunpoint):
    reg = registry(max_running=1)
    first = reg.train(request(), gunpoint, "A")
    second = reg.train(request(), gunpoint, "B")
    second.cancel()
    assert second.snapshot().state == "cancelled" and second.result is None
    first.cancel()
    first.wait(60)
    assert second.snapshot().state == "cancelled" and reg.running() == 0


def test_epochs_over_the_cap_are_refused(registry, gunpoint):
    reg = registry(max_epochs=300)
    with pytest.raises(TrainingRefused, match="1 to 300 epochs"):
        reg.train(request(301), gunpoint, "A")
    assert reg.running() == 0


@pytest.mark.slow
def test_a_training_whose_session_has_gone_is_stopped_and_not_kept(registry, gunpoint):
    connected = {"A", "B"}
    reg = registry(max_running=1, alive=lambda owner: owner in connected, grace_s=0.3)
    job = reg.train(request(), gunpoint, "A")
    waiting = reg.train(request(), gunpoint, "B")
    until(lambda: job.snapshot().payload.get("epoch", 0) >= 2)
    connected.discard("B")  # B's tab closed while it waited, then A's
    connected.discard("A")
    job.wait(60)
    snap = job.snapshot()
    assert snap.state == "cancelled" and "session ended" in snap.error and job.result is None
    assert snap.payload["epoch"] < 2000
    until(lambda: waiting.snapshot().finished)  # gone too: stopped within its grace, not kept
    assert waiting.snapshot().state == "cancelled" and waiting.result is None
    assert reg.running() == 0


@pytest.mark.slow
def test_a_session_back_within_the_grace_keeps_its_training(registry, gunpoint):
    connected = {"A"}
    reg = registry(alive=lambda owner: owner in connected, grace_s=30.0)
    job = reg.train(request(), gunpoint, "A")
    connected.clear()  # a reload or a dropped connection
    until(lambda: job.snapshot().payload.get("epoch", 0) >= 3)
    connected.add("A")
    assert job.snapshot().state == "running"


def test_the_train_page_bounds_epochs_and_shows_the_queue(app, monkeypatch, gunpoint):
    import streamlit as st

    from pages import _cached_resources as cached_resources

    monkeypatch.setenv("LSTMFCN_PUBLIC", "1")
    monkeypatch.setenv("LSTMFCN_MAX_EPOCHS", "50")
    st.cache_resource.clear()
    try:
        reg = cached_resources.job_registry()
        assert reg.max_running == 1  # the served mode's default
        busy = reg.train(request(50), gunpoint, "someone else")
        at = app()
        at.switch_page("pages/train.py").run()
        epochs = at.number_input(key="train_epochs")
        assert epochs.max == 50 and epochs.value == 50
        [start] = [b for b in at.button if b.proto.label == "Start training"]
        start.click().run()
        assert not at.exception, [e.value for e in at.exception]
        texts = [p.proto.text for p in at.get("progress")]
        assert texts and texts[0].startswith("waiting: number 1 in the queue · 1 training(s) running"), texts
        mine = reg.get(at.session_state["train_job"])
        [leave] = [b for b in at.button if b.proto.label == "Leave the queue"]
        leave.click().run()
        assert mine.snapshot().state == "cancelled"
        assert any("stopped before it started" in i.value for i in at.info)
    finally:
        for job in list(cached_resources.job_registry()._tasks.values()):
            job.cancel()
            job.wait(60)
        st.cache_resource.clear()
    assert busy.snapshot().finished
