"""The benchmark runs and its numbers are consistent (not that they are fast: CI machines vary)."""

from __future__ import annotations

import math

import pytest

from lstmfcn.bench import format_table, run_bench


@pytest.fixture(scope="module")
def quick():
    return run_bench("cpu", quick=True)


def test_quick_bench_covers_every_comparison(quick):
    tasks = [r["task"] for r in quick["rows"]]
    for what in ("inference", "CAM, all classes", ": ig", "training"):
        assert any(what in t for t in tasks), (what, tasks)
    assert quick["device"].startswith("CPU") and quick["quick"] is True


def test_numbers_are_consistent(quick):
    for r in quick["rows"]:
        assert r["ours_s"] > 0 and math.isfinite(r["ours_s"])
        if not math.isnan(r["straightforward_s"]):
            assert r["speedup"] == pytest.approx(r["straightforward_s"] / r["ours_s"])
        if r["max_abs_diff"] is not None:
            # both ways compute the same thing: a speedup never comes from computing something else
            assert r["max_abs_diff"] < 1e-3, r
        if r["extrapolated_from"] is not None:
            assert r["extrapolated_from"] < r["n"]


def test_table_lists_every_row(quick):
    table = format_table(quick)
    assert table.count("\n") == len(quick["rows"]) + 1
    assert "speedup" in table
