"""Deletion/insertion curves: their end points, AOPC against random, and IG beating random on GunPoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.evaluation import predict_logits, softmax
from lstmfcn.explain import explain, faithfulness_report, perturbation_curves
from lstmfcn.explain._common import make_baseline
from tests.helpers.models import T_TINY, tiny_model


def test_curves_run_from_the_series_to_the_baseline_and_back(rng):
    model = tiny_model("mlstmfcn", shuffle=False, n_vars=2)
    lengths = np.array([T_TINY, 13, T_TINY, 7, 20])
    x = rng.normal(size=(5, 2, T_TINY)).astype(np.float32)
    x = np.where(np.arange(T_TINY) < lengths[:, None, None], x, 0.0).astype(np.float32)  # zero-padded, as loaded
    target = np.array([0, 1, 2, 0, 1])
    attr = rng.normal(size=x.shape).astype(np.float32)

    c = perturbation_curves(model, x, target, attr, lengths=lengths, baseline="mean", n_steps=6)

    rows = np.arange(5)
    p_x = softmax(predict_logits(model, x, lengths))[rows, target]
    base = make_baseline(torch.as_tensor(x), "mean", torch.as_tensor(lengths)).numpy()
    p_base = softmax(predict_logits(model, base, lengths))[rows, target]
    assert c.deletion.shape == c.insertion.shape == (5, 7)
    np.testing.assert_allclose(c.fractions, np.linspace(0, 1, 7))
    np.testing.assert_allclose(c.deletion[:, 0], p_x, atol=1e-5)
    np.testing.assert_allclose(c.deletion[:, -1], p_base, atol=1e-5)
    np.testing.assert_allclose(c.insertion[:, 0], p_base, atol=1e-5)
    np.testing.assert_allclose(c.insertion[:, -1], p_x, atol=1e-5)
    np.testing.assert_allclose(c.aopc_deletion, (p_x[:, None] - c.deletion).mean(1), atol=1e-6)


def test_signed_and_absolute_orders_agree_for_unsigned_maps(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(3, 1, T_TINY)).astype(np.float32)
    attr = np.abs(rng.normal(size=x.shape)).astype(np.float32)
    a = perturbation_curves(model, x, 0, attr, n_steps=4, order="signed")
    b = perturbation_curves(model, x, 0, attr, n_steps=4, order="abs")
    np.testing.assert_allclose(a.deletion, b.deletion)
    with pytest.raises(ValueError, match="signed, abs"):
        perturbation_curves(model, x, 0, attr, order="largest")


def test_integrated_gradients_beats_random_on_gunpoint(gunpoint, gunpoint_model):
    # The deletion baseline is the one IG explains against; "blur" keeps deleted steps in range
    # (see the faithfulness module docstring for why zeros favour the random ordering).
    x = gunpoint.X_test[:40]
    res = explain(gunpoint_model, x, ["ig"], baseline="blur", ig_steps=16)
    report = faithfulness_report(
        gunpoint_model, x, res["target"], {"ig": res["ig"]}, baseline="blur", n_steps=10, random_seeds=2
    )
    ig = report.methods["ig"]
    assert ig.aopc_deletion > report.random_aopc_deletion + 0.1
    assert ig.aopc_insertion > report.random_aopc_insertion
    assert ig.better_than_random and ig.p_value < 0.01
    summary = report.to_dict()
    assert summary["methods"]["ig"]["better_than_random"] is True and "random" in summary


def test_a_reversed_map_is_not_better_than_random(gunpoint, gunpoint_model):
    x = gunpoint.X_test[:30]
    target = predict_logits(gunpoint_model, x).argmax(1)
    # A map that ranks the steps exactly backwards from IG: least important first.
    ig = explain(gunpoint_model, x, ["ig"], baseline="blur", ig_steps=8)["ig"]
    report = faithfulness_report(
        gunpoint_model, x, target, {"reversed_ig": -ig}, baseline="blur", n_steps=8, random_seeds=2
    )
    assert not report.methods["reversed_ig"].better_than_random


def test_steps_are_ranked_most_important_first_and_padding_last():
    from lstmfcn.explain.faithfulness import _ranks, step_scores

    attr = np.array([[[3.0, -5.0, 2.0, 9.0]], [[1.0, 4.0, 0.5, 7.0]]])
    signed = _ranks(step_scores(attr, "signed"), np.array([4, 3]))
    np.testing.assert_array_equal(signed, [[1, 3, 2, 0], [1, 0, 2, 3]])  # step 3 of sample 1 is padding
    np.testing.assert_array_equal(_ranks(step_scores(attr, "abs"), np.array([4, 4]))[0], [2, 1, 3, 0])
    # Segments of 2: (3, -5) has mean -1, (2, 9) mean 5.5 → the second pair first, in time order.
    np.testing.assert_array_equal(_ranks(step_scores(attr, "signed"), np.array([4, 4]), 2)[0], [2, 3, 0, 1])
    # A segment cut by the padding is ranked by its valid steps alone: (0.5) vs (1, 4).
    np.testing.assert_array_equal(_ranks(step_scores(attr, "signed"), np.array([4, 3]), 2)[1], [0, 1, 2, 3])
