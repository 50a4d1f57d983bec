"""Pass sizes chosen by timing: the choice, its record on disk, and that it never changes a number."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from lstmfcn.explain import integrated_gradients, saliency
from lstmfcn.models import ModelConfig, build_model
from lstmfcn.pass_size import ENV, Calibration, cached, candidates, mode, remember


class FakeClock:
    """A clock that a pass of ``s`` samples advances by ``s`` times the test's cost per sample for
    the smallest size it sets that holds ``s``."""

    def __init__(self, cost_per_sample: dict[int, float]):
        self.cost, self.now = cost_per_sample, 0.0

    def __call__(self) -> float:
        return self.now

    def run(self, sl: slice) -> None:
        s = sl.stop - sl.start
        self.now += self.cost[min(k for k in self.cost if k >= s)] * s


def _drive(cal: Calibration, clock: FakeClock, n: int) -> list[int]:
    sizes = []
    for sl in cal.slices(n):
        sizes.append(sl.stop - sl.start)
        clock.run(sl)
    return sizes


def test_calibration_times_each_size_twice_and_keeps_the_fastest(tmp_path):
    path = tmp_path / "pass_sizes.json"
    clock = FakeClock({1: 5.0, 2: 3.0, 4: 2.0, 8: 2.1, 16: 9.0})
    cal = Calibration("k", candidates(16), path=path, clock=clock)
    sizes = _drive(cal, clock, 100)
    # 1,1 2,2 4,4 8,8 16,16 (16 is 4.5x the best: the measurement stops there), then 4 a pass
    assert sizes[:10] == [1, 1, 2, 2, 4, 4, 8, 8, 16, 16] and sizes[10:] == [4] * 9 + [2]
    assert sum(sizes) == 100 and cal.chosen == 4 and cached("k", path) == 4
    # the next run starts at the recorded size, without measuring again
    again = Calibration("k", candidates(16), path=path, clock=FakeClock({4: 1.0}))
    assert [sl.stop - sl.start for sl in again.slices(10)] == [4, 4, 2]


def test_a_run_too_short_to_finish_leaves_its_measurements_to_the_next_run(tmp_path):
    path = tmp_path / "pass_sizes.json"
    cost = {1: 5.0, 2: 3.0, 4: 2.0, 8: 1.0, 16: 4.0}
    clock = FakeClock(cost)
    cal = Calibration("k", candidates(16), path=path, clock=clock)
    assert _drive(cal, clock, 9) == [1, 1, 2, 2, 3]
    assert cal.chosen is None and cal.best_so_far() == 2 and cached("k", path) is None
    # the next run goes on from size 4 (1 and 2 are not run again) and settles as one long run would
    clock = FakeClock(cost)
    nxt = Calibration("k", candidates(16), path=path, clock=clock)
    assert _drive(nxt, clock, 70) == [4, 4, 8, 8, 16, 16, 8, 6]
    straight = FakeClock(cost)
    one_run = Calibration("straight", candidates(16), path=path, clock=straight)
    _drive(one_run, straight, 200)
    assert nxt.chosen == one_run.chosen == 8 and cached("k", path) == 8
    assert Calibration("k", candidates(16), path=path).per_sample == {}  # settled: nothing left measuring


def test_a_run_that_only_reads_an_unfinished_calibration_leaves_the_file_alone(tmp_path):
    """Every explanation call opens the record; one that measures nothing new must not rewrite
    it (it did, at every call: 0.4 ms of a 10 ms saliency)."""
    path = tmp_path / "pass_sizes.json"
    clock = FakeClock({1: 5.0, 2: 3.0, 4: 2.0, 8: 1.0})
    _drive(Calibration("k", candidates(8), path=path, clock=clock), clock, 3)
    before = path.stat()
    again = Calibration("k", candidates(8), path=path, clock=clock)
    assert again.per_sample == {1: 5.0} and again.chosen is None
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_second_run_stops_measuring_as_soon_as_a_size_is_clearly_slower(tmp_path):
    path = tmp_path / "pass_sizes.json"
    cost = {1: 1.0, 2: 3.0, 4: 3.0}
    clock = FakeClock(cost)
    first = Calibration("k", candidates(4), path=path, clock=clock)
    assert _drive(first, clock, 3) == [1, 1, 1]  # size 1 measured on its second pass, then too few left for 2
    assert first.chosen is None and first.per_sample == {1: 1.0}
    clock = FakeClock(cost)
    second = Calibration("k", candidates(4), path=path, clock=clock)
    assert _drive(second, clock, 6) == [2, 2, 1, 1]  # 2 is 3x slower per sample: 4 is never tried
    assert second.chosen == 1 and cached("k", path) == 1


def test_a_damaged_record_means_calibrating_again(tmp_path):
    path = tmp_path / "pass_sizes.json"
    path.write_text("{not json", encoding="utf-8")
    assert cached("k", path) is None
    clock = FakeClock({1: 1.0, 2: 3.0})
    assert _drive(Calibration("k", [1, 2], path=path, clock=clock), clock, 8) == [1, 1, 2, 2, 1, 1]
    assert cached("k", path) == 1  # and the damaged file is replaced by a good one


def test_candidates_are_powers_of_two_from_the_start_to_the_limit():
    assert candidates(16) == [1, 2, 4, 8, 16]
    assert candidates(20, start=4) == [4, 8, 16]
    assert candidates(3, start=8) == [3]  # a limit below the start: the limit


def test_mode_reads_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "rule")
    assert mode() == "rule"
    monkeypatch.setenv(ENV, "6")
    assert mode() == 6
    monkeypatch.setenv(ENV, "fast")
    with pytest.raises(ValueError, match="LSTMFCN_PASS_SIZE must be"):
        mode()


@pytest.mark.parametrize("arch,shuffle", [("lstmfcn", True), ("alstmfcn", False)])
def test_calibrated_passes_give_the_numbers_of_fixed_passes(arch, shuffle, monkeypatch, tmp_path):
    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    model = build_model(ModelConfig(arch, 1, 40, 3, shuffle=shuffle, filters=(16, 32, 16))).eval()
    x = np.random.default_rng(0).standard_normal((11, 1, 40)).astype(np.float32)
    target = np.arange(11) % 3
    monkeypatch.setenv(ENV, "rule")
    fixed = integrated_gradients(model, x, target, n_steps=8, return_delta=True)
    sal = saliency(model, x, target)
    monkeypatch.setenv(ENV, "calibrate")
    calibrated = integrated_gradients(model, x, target, n_steps=8, return_delta=True)
    for a, b in zip(fixed, calibrated, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(saliency(model, x, target), sal, rtol=1e-5, atol=1e-6)


def test_a_record_another_process_rewrites_is_read_again(tmp_path):
    """The record is kept in memory between calls, but a rewrite of the file (another process,
    a second dashboard) is seen at once, even one of the same size within the same second."""
    path = tmp_path / "pass_sizes.json"
    remember("k", 4, path)
    assert cached("k", path) == 4
    tmp = tmp_path / "other"
    tmp.write_text(json.dumps({"k": 8}, indent=0, sort_keys=True), encoding="utf-8")  # as remember writes
    assert tmp.stat().st_size == path.stat().st_size
    os.replace(tmp, path)
    assert cached("k", path) == 8
