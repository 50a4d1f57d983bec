"""The benchmark runs and its numbers are consistent (not that they are fast: CI machines vary)."""

from __future__ import annotations

import math
import sys

import pytest

from lstmfcn.bench import format_table, run_bench
from tests.helpers.browser import browser_unavailable, chromium_path

pytestmark = pytest.mark.slow  # every test runs a benchmark (minutes on 2 busy cores)


@pytest.fixture(scope="module")
def quick():
    return run_bench("cpu", quick=True)


def test_quick_bench_covers_every_comparison(quick):
    tasks = [r["task"] for r in quick["rows"]]
    for what in ("inference", "CAM, all classes", ": ig", "training", "ALSTM-FCN over time: ig"):
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


@pytest.fixture(scope="module")
def small_curves():
    from lstmfcn.bench import scaling_curves

    return scaling_curves("cpu", ns=(4, 32), ts=(32, 256), fixed_t=32, fixed_n=4, ig_steps=4)


def test_scaling_curves_time_every_shape(small_curves):
    from lstmfcn.bench import scaling_figures

    assert small_curves["n"]["N"] == [4, 32] and small_curves["t"]["T"] == [32, 256]
    for axis in ("n", "t"):
        for what in ("cam", "ig"):
            assert all(s > 0 for s in small_curves[axis][what])
        # IG-4 is a forward and a backward for 4 points: it cannot be cheaper than one CAM forward.
        assert min(small_curves[axis]["ig"]) > min(small_curves[axis]["cam"])
    figs = scaling_figures(small_curves)
    assert [len(f.data) for f in figs] == [2, 2]
    assert figs[0].layout.xaxis.type == "log" and "Time against N" in figs[0].layout.title.text


def test_scaling_plot_writes_html_and_png(small_curves, tmp_path, monkeypatch):
    import lstmfcn.bench
    from lstmfcn.cli import main

    monkeypatch.setattr(lstmfcn.bench, "scaling_curves", lambda device: small_curves)
    assert main(["bench", "--scaling", str(tmp_path / "s.html"), "--device", "cpu"]) == 0
    assert "Time against T" in (tmp_path / "s.html").read_text(encoding="utf-8")
    assert main(["bench", "--scaling", str(tmp_path / "s.svg"), "--device", "cpu"]) == 2
    if chromium_path() is None:  # a skip, or with LSTMFCN_REQUIRE_BROWSER=1 a failure, as for the browser tests
        browser_unavailable("the .png is rendered by Chromium, not installed here (apt-get install -y chromium)")
    monkeypatch.setenv("LSTMFCN_CHROMIUM", chromium_path())
    assert main(["bench", "--scaling", str(tmp_path / "s.png"), "--device", "cpu"]) == 0
    png = (tmp_path / "s.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_oneliner_comparison_checks_numbers_memory_and_flops(monkeypatch, tmp_path):
    """Ours and the one-line Captum calls compute the same attributions on a shipped checkpoint,
    and measured pass sizes give the numbers of the fixed rule."""
    from lstmfcn.bench.oneliner import METHODS, format_oneliner, run_oneliner_bench
    from lstmfcn.pass_size import ENV

    monkeypatch.setenv(ENV, "calibrate")  # what bench measures by default (the tests use the rule)
    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))

    result = run_oneliner_bench(
        cases=(("ALSTM-FCN, attention over time", "GunPoint__alstmfcn__noshuffle"),),
        repeats=1,
        limit=6,
        rule_limit=2,
    )
    rows = {r["method"]: r for r in result["rows"]}
    assert set(rows) == set(METHODS)
    for method, r in rows.items():
        if method == "gradient_shap":  # Captum draws from numpy's global state: other numbers by design
            assert r["max_abs_diff"] is None
        else:
            assert r["same_numbers"], r
        assert r["rule_vs_measured_diff"] <= 1e-4 * r["max_abs_attr"], r
        assert r["gflop"] > 0 and r["ours_min"] > 0 and r["oneliner_min"] > 0
        if sys.platform == "linux":  # peak resident memory is read from /proc
            assert r["ours_peak_mb"] is not None and r["oneliner_peak_mb"] is not None
    # IG-32 is 32 gradient passes per series, saliency one
    assert rows["ig"]["gflop"] == pytest.approx(32 * rows["saliency"]["gflop"])
    assert result["peak_gflops"] > 0 and result["machine"]["isa"]["aten"]
    assert {r["rule"] for r in result["ig_rules"]} >= {"gausslegendre", "riemann_trapezoid"}
    assert all(r["converged"] and r["max_gap"] <= 0.01 for r in result["ig_rules"])
    assert format_oneliner(result).count("\n") >= 5 + len(rows) + len(result["ig_rules"])


@pytest.fixture(scope="module")
def time_left_run():
    """The time-left bench on a tiny configuration: 20 GunPoint series (chunks of 16 and 4), two cheap methods."""
    from lstmfcn.bench.time_left import run_time_left_bench

    return run_time_left_bench(cases=(("GunPoint", "GunPoint__lstmfcn", 20),), methods=("cam", "saliency"))


def test_the_time_left_bench_compares_each_estimate_with_the_time_that_was_left(time_left_run):
    [case] = time_left_run["cases"]
    assert case["samples"] == 20 and case["chunks"] == 2 and len(case["chunk_s_per_sample"]) == 2
    points = {k: v for k, v in case.items() if isinstance(v, dict) and "truth_s" in v}
    assert {"first chunk", "25 %", "50 %", "75 %"} <= set(points)
    first = points["first chunk"]
    assert first["estimate_s"] is not None and first["fraction"] == 16 / 20  # the bar counts samples
    assert first["time_share"] == pytest.approx(first["at_s"] / case["total_s"])
    for when, p in points.items():
        assert p["truth_s"] == pytest.approx(case["total_s"] - p["at_s"]), when
        if when.endswith("%"):
            assert p["fraction"] >= int(when[:-2]) / 100
        if p["estimate_s"] is not None:  # within the first chunk the page says "measuring" (no prior here)
            assert p["low_s"] <= p["estimate_s"] <= p["high_s"] and p["ratio"] == pytest.approx(
                p["estimate_s"] / p["truth_s"]
            )
            assert p["inside"] == (p["low_s"] <= p["truth_s"] <= p["high_s"])
    old = case["old"]
    assert {"first report", "25 %", "50 %", "75 %"} <= set(old) and old["total_s"] > 0


def test_the_time_left_table_and_cli(time_left_run, monkeypatch, capsys):
    import lstmfcn.bench.time_left
    from lstmfcn.bench.time_left import format_time_left
    from lstmfcn.cli import main

    table = format_time_left(time_left_run)
    assert "GunPoint · GunPoint__lstmfcn" in table and "first chunk" in table and "old: 50 %" in table
    assert table.splitlines()[0].startswith(time_left_run["machine"]["cpu"])
    asked = {}
    monkeypatch.setattr(lstmfcn.bench.time_left, "run_time_left_bench", lambda **kw: asked.update(kw) or time_left_run)
    assert main(["bench", "--time-left", "--quick"]) == 0
    assert "first chunk" in capsys.readouterr().out and asked["methods"] == ("cam", "saliency")
