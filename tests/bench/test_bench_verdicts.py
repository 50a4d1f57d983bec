"""The verdict benchmark runs the page's checks as the page does: chunk by chunk, joined into the
whole subset's result (timing itself is not tested: machines vary)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmfcn.bench import verdicts
from lstmfcn.checkpoint import load_model
from lstmfcn.dashboard.checks import faithfulness_from_arrays, sanity_from_arrays
from lstmfcn.data import load_dataset
from lstmfcn.explain import faithfulness_report, run_method
from lstmfcn.zoo import pretrained_path


@pytest.fixture(scope="module")
def gunpoint():
    return load_model(pretrained_path("GunPoint__lstmfcn")).eval(), load_dataset("GunPoint")


@pytest.mark.slow
def test_faithfulness_run_is_the_whole_subsets_report(gunpoint, monkeypatch):
    # 20 samples: the page's chunks of 16 and 4; two cheap methods keep the test short.
    monkeypatch.setattr(verdicts, "SAMPLES", {"faithfulness": 20, "sanity": 4})
    monkeypatch.setattr(verdicts, "METHODS", ("cam", "saliency"))
    model, ds = gunpoint
    report = faithfulness_from_arrays(verdicts.faithfulness_run(model, ds))
    X, pred, lengths, _, params, _ = verdicts._inputs(model, ds, 20)
    maps = {m: run_method(m, model, X, pred, lengths=lengths) for m in ("cam", "saliency")}
    whole = faithfulness_report(model, X, pred, maps, lengths=lengths, baseline="zeros")
    assert list(report.methods) == ["cam", "saliency"] and report.methods["cam"].curves.deletion.shape == (20, 21)
    for name in maps:
        np.testing.assert_allclose(report.methods[name].curves.deletion, whole.methods[name].curves.deletion, atol=2e-5)
        assert report.methods[name].better_than_random == whole.methods[name].better_than_random
    np.testing.assert_allclose(report.random.insertion, whole.random.insertion, atol=2e-5)


def test_sanity_run_scores_every_method_and_stage(gunpoint, monkeypatch):
    monkeypatch.setattr(verdicts, "SAMPLES", {"faithfulness": 8, "sanity": 4})
    monkeypatch.setattr(verdicts, "METHODS", ("cam", "saliency"))
    res = sanity_from_arrays(verdicts.sanity_run(*gunpoint))
    assert set(res) == {"cam", "saliency"}
    assert [stage for stage, _ in res["cam"].cascade][0] == "head" and res["cam"].per_sample["all"].shape == (4,)


@pytest.mark.slow
def test_old_vs_new_on_the_same_checkout_gives_the_same_numbers():
    root = Path(verdicts.__file__).resolve().parents[2]
    (row,) = verdicts.old_vs_new(
        str(root), cases=(("GunPoint", "GunPoint__lstmfcn"),), kinds=("faithfulness",), rounds=1, log=lambda _: None
    )
    assert row["max_abs_diff"] == 0.0 and row["old_s"] > 0 and row["new_s"] > 0
