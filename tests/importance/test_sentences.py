"""Importance in words: every number a sentence says is one the result holds, and each rule is kept."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstmfcn.importance import permutation_importance
from lstmfcn.importance.agreement import agreement_of, map_agreement, rank_agreement, settled
from lstmfcn.importance.result import Estimate
from lstmfcn.importance.sentences import (
    NEXT_SHARE,
    accuracy_words,
    agreement_sentence,
    agreement_verdict,
    importance_sentence,
)
from tests.importance.conftest import blind_copy

NAMES = ["none", "one", "two"]


@pytest.fixture(scope="module")
def found(planted_importance):
    model, X, y = planted_importance
    return permutation_importance(model, X, y, window=10, classes=NAMES, repeats=5)


def said_percentages(sentence: str) -> list[float]:
    return [float(p) / 100 for p in re.findall(r"(\d+(?:\.\d)?)%", sentence)]


@pytest.mark.slow
@pytest.mark.parametrize("group", [None, *NAMES])
def test_every_accuracy_said_is_the_score_or_the_score_after_a_unit(found, group):
    g = found.group(group)
    possible = {round(g.score, 3)} | {
        round(max(0.0, g.score - float(i)), 3)
        for i in np.concatenate([g.variable.importance, g.window.importance.ravel()])
        if i == i
    }
    sentence = importance_sentence(found, group)
    for p in said_percentages(sentence):
        assert any(abs(p - q) < 0.0006 for q in possible), (p, sentence)


def test_the_sentence_names_the_planted_variable_and_window_and_only_them(found):
    sentence = importance_sentence(found, "two")
    assert sentence.startswith("For two, accuracy falls from 100% to ")
    assert "variable 3 is shuffled whole" in sentence and "steps 40–49" in sentence
    assert sentence.endswith("nothing else matters much.")
    g = found.by_class["two"]["accuracy"]
    top = np.nanmax(g.window.importance)
    others = np.sort(np.where(g.window.clear(), g.window.importance, 0).ravel())[:-1]
    assert (others < NEXT_SHARE * top).all()  # the claim "nothing else" holds


def test_a_model_that_sees_nothing_is_said_to_rely_on_nothing(planted_importance):
    model, X, y = planted_importance
    blind = blind_copy(model)
    res = permutation_importance(blind, X, y, window=10, classes=NAMES, repeats=2)
    sentence = importance_sentence(res, None)
    assert sentence.startswith("Over all classes, no single variable or stretch of time clearly matters")
    assert "at most 0.0 points of accuracy" in sentence


def test_accuracy_is_100_only_when_every_series_was_right():
    assert accuracy_words(1.0) == "100%"
    assert accuracy_words(0.9996) == "over 99.9%"
    assert accuracy_words(0.6) == "60.0%"


def test_rank_agreement_is_spearman_and_nan_when_nothing_ranks():
    a = np.array([[1.0, 2.0, 3.0, 4.0]])
    assert rank_agreement(a, a * 10) == pytest.approx(1.0)
    assert rank_agreement(a, -a) == pytest.approx(-1.0)
    assert np.isnan(rank_agreement(a, np.zeros_like(a)))
    assert np.isnan(rank_agreement(np.array([1.0, np.nan, 2.0]), np.array([1.0, 2.0, np.nan])))


def test_cells_that_do_not_clearly_matter_tie_at_zero():
    e = Estimate(
        np.array([0.5, 0.02, -0.01, np.nan]), np.array([0.3, -0.01, -0.05, np.nan]), np.array([0.7, 0.05, 0.0, np.nan])
    )
    np.testing.assert_array_equal(settled(e), [0.5, 0.0, 0.0, np.nan])


def test_a_map_on_the_planted_cell_agrees_and_one_on_the_distractors_does_not(found, planted_importance):
    _, X, y = planted_importance
    lengths = np.full(len(X), X.shape[-1])
    on_evidence = np.zeros_like(X)
    on_evidence[y == 1, 1, 10:20] = 1.0
    on_evidence[y == 2, 2, 40:50] = 1.0
    on_distractors = np.abs(X) * np.isin(np.arange(4), [0, 3])[None, :, None]
    good = agreement_of("ig", on_evidence, True, y, lengths, found)
    bad = agreement_of("ig", on_distractors, True, y, lengths, found)
    for cls in ("one", "two"):
        assert good.rho(cls) > 0.6 > bad.rho(cls)
    assert agreement_verdict(good.rho("two")) == "agrees"
    assert agreement_sentence({"ig": good}, "two").startswith(
        "Integrated gradients agrees with the model's own behaviour (ρ = "
    )


def test_the_maps_of_the_planted_model_are_compared_on_the_same_grid(found, planted_importance):
    model, X, y = planted_importance
    ag = map_agreement(model, X, y, np.full(len(X), X.shape[-1]), found, methods=("cam", "ig"))
    assert ag["ig"].grid.shape == (4, 6) and ag["ig"].over == "variables × windows"
    assert ag["cam"].over == "windows"  # the CAM has one value per step for every variable
    top = np.unravel_index(np.argmax(ag["ig"].class_grids["two"]), (4, 6))
    assert top == (2, 4)  # IG's heaviest cell for class two is its planted window
    sentence = agreement_sentence(ag, "two")
    assert "over time only" in sentence and f"ρ = {ag['ig'].rho('two'):.2f}" in sentence


def test_a_result_kept_on_disk_comes_back_equal(found, planted_importance, tmp_path):
    from lstmfcn.importance.stored import from_arrays, to_arrays

    model, X, y = planted_importance
    ag = map_agreement(model, X[:30], y[:30], np.full(30, X.shape[-1]), found, methods=("cam",))
    np.savez(tmp_path / "kept.npz", **to_arrays(found, ag))
    with np.load(tmp_path / "kept.npz", allow_pickle=False) as f:
        back, back_ag = from_arrays(dict(f))
    assert back.to_json() == found.to_json() and back.to_json("log_prob") == found.to_json("log_prob")
    assert agreement_sentence(back_ag, "two") == agreement_sentence(ag, "two")
    assert importance_sentence(back, "one") == importance_sentence(found, "one")
