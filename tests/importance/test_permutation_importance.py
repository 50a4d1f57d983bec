"""Permutation importance against a planted answer: two variables each carry one class's evidence
in a fixed window, the other two carry distractors only (``planted_importance_data``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmfcn.evaluation import evaluate
from lstmfcn.importance import permutation_importance
from lstmfcn.importance.grid import default_window, windows
from lstmfcn.importance.perturb import perturbed_drops
from tests.helpers.planted import IMPORTANCE_EVIDENCE
from tests.importance.conftest import blind_copy

NAMES = ["none", "one", "two"]


@pytest.fixture(scope="module")
def found(planted_importance):
    model, X, y = planted_importance
    assert evaluate(model, X, y).accuracy >= 0.95  # it learned the planted evidence, so there is an answer
    return permutation_importance(model, X, y, window=10, classes=NAMES, repeats=5)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["accuracy", "log_prob"])
def test_the_two_evidence_variables_rank_first_with_intervals_clear_of_the_rest(found, metric):
    g = found.overall[metric].variable
    evidence, distractors = [1, 2], [0, 3]
    assert set(np.argsort(-g.importance)[:2]) == set(evidence)
    assert g.low[evidence].min() > g.high[distractors].max()


@pytest.mark.parametrize("cls", [1, 2])
def test_each_evidence_variable_s_top_window_is_its_planted_window(found, cls):
    variable, span = IMPORTANCE_EVIDENCE[cls]
    row = found.overall["log_prob"].window.importance[variable]
    assert found.windows[int(np.argmax(row))] == span


@pytest.mark.parametrize("cls", [1, 2])
def test_each_class_relies_most_on_its_own_variable(found, cls):
    variable, span = IMPORTANCE_EVIDENCE[cls]
    g = found.by_class[NAMES[cls]]["accuracy"]
    assert int(np.argmax(g.variable.importance)) == variable
    assert found.windows[int(np.nanargmax(g.window.importance[variable]))] == span
    assert g.samples == 30  # that class's series only


@pytest.mark.slow
def test_a_variable_the_model_cannot_see_costs_exactly_nothing(planted_importance):
    model, X, y = planted_importance
    blind = blind_copy(model, 0)
    res = permutation_importance(blind, X, y, window=10, classes=NAMES, repeats=3)
    for groups in [res.overall, *res.by_class.values()]:
        acc, logp = groups["accuracy"], groups["log_prob"]
        assert acc.variable.importance[0] == 0 and (acc.window.importance[0] == 0).all()
        assert acc.variable.low[0] == acc.variable.high[0] == 0
        assert np.abs(logp.window.importance[0]).max() < 1e-5  # batches differ from the base pass in the last bits
    assert res.overall["accuracy"].variable.importance[1] > 0.2  # the others still matter


@pytest.mark.slow
def test_intervals_widen_with_fewer_repeats_and_cover_the_permutations_mean(planted_importance):
    model, X, y = planted_importance
    width = {}
    for repeats in (2, 20):
        g = permutation_importance(model, X, y, window=10, repeats=repeats).overall["log_prob"].window
        width[repeats] = np.nanmean(g.high - g.low)
    assert width[2] > width[20]
    truth = permutation_importance(model, X, y, window=10, repeats=100, seed=7).overall["log_prob"].window.importance
    g = permutation_importance(model, X, y, window=10, repeats=5, seed=3).overall["log_prob"].window
    assert np.mean((g.low <= truth) & (truth <= g.high)) >= 0.9


@pytest.mark.slow
def test_the_same_seed_gives_the_same_result_and_another_seed_other_permutations(planted_importance):
    model, X, y = planted_importance
    a, b, c = (permutation_importance(model, X, y, window=10, repeats=2, seed=s) for s in (0, 0, 1))
    assert json.dumps(a.to_json()).replace(str(round(a.seconds, 3)), "") == json.dumps(b.to_json()).replace(
        str(round(b.seconds, 3)), ""
    )
    assert not np.array_equal(a.overall["log_prob"].window.importance, c.overall["log_prob"].window.importance)


def test_baseline_mode_blanks_the_unit_once(planted_importance):
    model, X, y = planted_importance
    res = permutation_importance(model, X, y, window=10, mode="baseline", repeats=9)
    assert res.repeats == 1
    g = res.overall["accuracy"].variable
    assert set(np.argsort(-g.importance)[:2]) == {1, 2}  # blanking the evidence costs what shuffling it does


def test_windows_past_a_series_end_are_not_counted(planted_importance):
    model, X, y = planted_importance
    lengths = np.full(len(X), X.shape[-1])
    lengths[y == 2] = 30  # class two's series end at step 30: its planted window (40–49) is gone
    X = X.copy()
    X[y == 2, :, 30:] = 0
    rows = np.array([[2, 40, 50], [2, 0, 10]])
    drops = perturbed_drops(model, X, y, lengths, rows, repeats=2)
    assert np.isnan(drops.accuracy[:, 0, y == 2]).all() and np.isfinite(drops.accuracy[:, 0, y != 2]).all()
    assert np.isfinite(drops.accuracy[:, 1]).all()
    res = permutation_importance(model, X, y, lengths, window=10, classes=NAMES, repeats=2)
    two = res.by_class["two"]["accuracy"].window
    assert np.isnan(two.importance[:, 3:]).all() and np.isnan(two.low[:, 3:]).all()
    assert np.isfinite(res.overall["accuracy"].window.importance).all()  # other classes still count them


def test_the_json_has_what_the_cli_promises(found):
    out = json.loads(json.dumps(found.to_json("accuracy")))
    assert out["variables"] == ["variable 1", "variable 2", "variable 3", "variable 4"]
    assert out["windows"] == [[0, 10], [10, 20], [20, 30], [30, 40], [40, 50], [50, 60]]
    assert out["metric"] == "accuracy" and out["repeats"] == 5 and out["samples"] == 90
    for group in [out["overall"], *out["classes"].values()]:
        assert len(group["variable"]["importance"]) == 4 and len(group["variable"]["low"]) == 4
        assert np.array(group["window"]["high"]).shape == (4, 6)
    assert list(out["classes"]) == NAMES


@pytest.mark.parametrize(
    ("total", "n_vars", "expected"),
    [(150, 1, (15, 15)), (29, 12, (6, 6)), (4, 1, (1, 1))],
)
def test_the_default_window_is_a_tenth_or_a_fifth_of_the_series(total, n_vars, expected):
    assert default_window(total, n_vars) == expected


def test_windows_cover_every_step_and_fold_a_short_tail_in():
    assert windows(24, 10, 10) == [(0, 10), (10, 24)]  # a 4-step tail joins the window before it
    assert windows(26, 10, 10) == [(0, 10), (10, 20), (20, 26)]
    spans = windows(150, 20, 10)
    assert spans[0] == (0, 20) and spans[-1][1] == 150
    with pytest.raises(ValueError, match="longer than the series"):
        windows(10, 11, 1)
