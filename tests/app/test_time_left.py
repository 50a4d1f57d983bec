"""The time left is measured, not guessed: the estimator on simulated chunk sequences, the task's
chunk clock, and a real check whose chunks each do all of the work for their samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmfcn.dashboard.tasks import TaskRegistry
from lstmfcn.dashboard.time_left import (
    ChunkClock,
    TimeLeft,
    estimate,
    format_seconds,
    rates_entry,
    rates_from_entry,
    time_left_words,
)

#: Per-chunk seconds per sample within a factor of this of a common rate (so at most 2× apart).
SPREAD = 2**0.5


@st.composite
def chunk_runs(draw, spread: float = SPREAD):
    """``(units, seconds)`` of 2–40 chunks whose per-unit cost stays within ``spread`` of one rate."""
    n = draw(st.integers(2, 40))
    rate = draw(st.floats(1e-4, 10.0))
    units = draw(st.lists(st.integers(1, 128), min_size=n, max_size=n))
    factors = draw(st.lists(st.floats(1 / spread, spread), min_size=n, max_size=n))
    return [(float(u), u * rate * f) for u, f in zip(units, factors, strict=True)]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(chunk_runs())
def test_after_one_chunk_the_estimate_is_within_twice_the_truth(run):
    truth = sum(s for _, s in run[1:])
    left = estimate(run[:1], sum(u for u, _ in run[1:]))
    assert left is not None and left.measured
    assert truth / 2 <= left.middle <= truth * 2, (left, truth)
    assert left.low <= left.middle <= left.high


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(chunk_runs(), st.data())
def test_after_any_number_of_chunks_the_estimate_stays_within_twice_the_truth(run, data):
    k = data.draw(st.integers(1, len(run) - 1))
    truth = sum(s for _, s in run[k:])
    left = estimate(run[:k], sum(u for u, _ in run[k:]))
    # At the spread's edge the estimate can land on exactly twice the truth, one rounding above it.
    assert truth / 2 * (1 - 1e-12) <= left.middle <= truth * 2 * (1 + 1e-12), (k, left, truth)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(chunk_runs(), st.floats(0.0, 1.0))
def test_time_inside_the_running_chunk_counts_down_and_never_goes_negative(run, into):
    (u1, s1), (u2, s2) = run[0], run[1]
    remaining = sum(u for u, _ in run[1:])
    before = estimate(run[:1], remaining)
    during = estimate(run[:1], remaining, running=(u2, into * s2))
    assert 0 <= during.low <= during.high
    assert during.high <= before.high or into * s2 > s1 / u1 * u2  # it only rises when the chunk overruns the rate


def test_the_first_chunk_weighs_out_when_later_ones_come():
    """The first chunk carries the warm-up (first calls, pass-size calibration): once later chunks
    are timed, the rate is theirs."""
    left = estimate([(10, 30.0), (10, 10.0), (10, 10.0)], 20)
    assert left.low == pytest.approx(20.0) and left.high == pytest.approx(20.0)


def test_a_slow_running_chunk_raises_the_estimate():
    left = estimate([(10, 10.0)], 20, running=(10, 25.0))  # 2.5 s a unit so far against 1 s
    assert left.low == pytest.approx(2.5 * 20 - 25.0)


def test_before_the_first_chunk_only_an_earlier_run_gives_a_range():
    assert estimate([], 100) is None
    left = estimate([], 100, prior=[0.2, 0.3])
    assert not left.measured and left.low == pytest.approx(0.2 * 100 / 1.5) and left.high == pytest.approx(45.0)
    assert estimate([], 0).high == 0.0


def test_words_say_what_is_known():
    assert time_left_words(None) == "measuring the time left"
    assert time_left_words(TimeLeft(13.0, 45.0, False)) == "measuring the time left (earlier runs: 13 s to 45 s)"
    assert time_left_words(TimeLeft(40.0, 44.0, True)) == "about 42 s left"
    assert time_left_words(TimeLeft(20.0, 120.0, True)) == "20 s to 2 min left"
    assert time_left_words(TimeLeft(0.0, 0.1, True)) == "almost done"
    assert format_seconds(0.2) == "1 s" and format_seconds(600) == "10 min"


def test_rates_round_trip_through_a_disk_entry():
    assert rates_from_entry(rates_entry([0.5, float("nan"), 0.7, -1.0])) == [0.5, 0.7]
    assert rates_from_entry(None) is None and rates_from_entry(rates_entry([])) is None


def test_the_chunk_clock_times_each_chunk():
    now = [0.0]
    clock = ChunkClock(lambda: now[0])
    clock.plan([16, 16, 8])
    assert clock.left() is None and clock.remaining() == 40
    now[0] = 4.0
    assert clock.running() == (16.0, 4.0)
    clock.chunk_done()
    assert clock.chunks == ((16.0, 4.0),) and clock.remaining() == 24
    left = clock.left()
    assert left.low == left.high == pytest.approx(24 * 0.25)
    now[0] = 5.0
    assert clock.left().high == pytest.approx(24 * 0.25 - 1.0)


def test_a_task_times_its_chunks_and_says_the_time_left_from_them():
    import threading

    first_done, release = threading.Event(), threading.Event()

    def work(progress):
        progress.plan([4, 4, 4])
        for i in range(3):
            progress((i + 0.5) / 3)
            progress.chunk_done()
            if i == 0:
                first_done.set()
                release.wait(5)
        return "done"

    task = TaskRegistry().start("k", work)
    assert first_done.wait(5)
    snap = task.snapshot()
    assert snap.state == "running" and len(snap.chunks) == 1 and snap.chunks[0][0] == 4.0
    assert snap.remaining_units == 8.0 and snap.left().measured
    release.set()
    assert task.wait(5) and task.snapshot().left() == TimeLeft(0.0, 0.0, True)


@pytest.mark.slow
def test_a_check_chunk_by_chunk_equals_the_whole_and_times_each_chunk(gunpoint):
    """Each chunk does every method's maps and the check for its samples; joined, the report equals
    the library's on the whole set, and the progress is in samples."""
    from lstmfcn.dashboard.checks import chunked_check, join_faithfulness, join_sanity
    from lstmfcn.explain import faithfulness_report, model_randomisation_check, run_method
    from lstmfcn.explain.faithfulness import faithfulness_curves

    model, X, y = gunpoint
    maps = {m: run_method(m, model, X, y) for m in ("cam", "saliency")}
    parts = [(0, 8), (8, 16), (16, 20)]
    seen, asked = [], []

    class Recorder:
        def __call__(self, f):
            seen.append(f)

        def plan(self, units):
            asked.append(list(units))

        def chunk_done(self):
            asked.append(seen[-1])

    def maps_of(m, s, e):
        return maps[m][s:e]

    def check(s, e, chunk_maps, progress):
        return faithfulness_curves(model, X[s:e], y[s:e], chunk_maps, n_steps=5, rows=(s, len(X)), progress=progress)

    results, rates = chunked_check(parts, list(maps), maps_of, check, Recorder())
    assert asked == [[8, 8, 4], 0.4, 0.8, 1.0]  # chunk ends at the share of samples done
    assert np.all(np.diff(seen) >= -1e-12) and len(rates) == 3 and all(r > 0 for r in rates)
    joined = join_faithfulness(results, n_steps=5)
    whole = faithfulness_report(model, X, y, maps, n_steps=5)
    assert joined.to_dict() == whole.to_dict()

    def sanity_check(s, e, chunk_maps, progress):
        return model_randomisation_check(model, X[s:e], y[s:e], methods=["cam"], original=chunk_maps, cascade=True)

    parts_s, _ = chunked_check(parts, ["cam"], maps_of, sanity_check)
    whole_s = model_randomisation_check(model, X, y, methods=["cam"], original={"cam": maps["cam"]}, cascade=True)
    assert join_sanity(parts_s, cascade=True)["cam"].to_dict() == whole_s["cam"].to_dict()


@pytest.fixture(scope="module")
def gunpoint():
    from lstmfcn import load_dataset, load_model
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    a = model_input(model, load_dataset("GunPoint"), "test")
    return model, a.X[:20], a.y[:20]


def test_before_a_task_plans_its_chunks_an_earlier_rate_gives_the_range_of_the_whole():
    from lstmfcn.dashboard.tasks import TaskSnapshot

    snap = TaskSnapshot("running", 0.0, 0.5)  # its chunks are not planned yet
    assert snap.left() is None and snap.left([0.1], None) is None
    left = snap.left([0.1, 0.2], 300)
    assert not left.measured and left.low == pytest.approx(300 * 0.1 / 1.5) and left.high == pytest.approx(90.0)
