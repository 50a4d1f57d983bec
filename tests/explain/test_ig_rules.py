"""Integrated Gradients' quadrature rules and adaptive mode, on a shipped checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import load_dataset
from lstmfcn.checkpoint import load_model
from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import IG_RULES, adaptive_integrated_gradients, explain, integrated_gradients
from lstmfcn.inputs import model_input
from tests.helpers.shipped import LSTMFCN_MODEL, require_shipped, zoo_dir


@pytest.fixture(scope="module")
def shipped():
    """``(model, X (8, 1, 150), predicted)``: the shipped GunPoint LSTM-FCN and test series it explains."""
    require_shipped(zoo_dir(), LSTMFCN_MODEL)
    model = load_model(zoo_dir() / f"{LSTMFCN_MODEL}.safetensors")
    x = model_input(model, load_dataset("GunPoint"), "test").X[:8]
    return model, x, predict_logits(model, x).argmax(1)


def _logit_change(model, x, target):
    rows = np.arange(len(x))
    return predict_logits(model, x)[rows, target] - predict_logits(model, np.zeros_like(x))[rows, target]


@pytest.mark.slow
@pytest.mark.parametrize("rule", IG_RULES)
def test_each_rule_is_complete_within_its_reported_delta(shipped, rule):
    model, x, target = shipped
    attr, delta = integrated_gradients(model, x, target, n_steps=16, integration=rule, return_delta=True)
    # delta is exactly what is missing from completeness: Σ attr - delta = f(x) - f(0), by our own forward.
    np.testing.assert_allclose(attr.sum(axis=(1, 2)) - delta, _logit_change(model, x, target), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_rules_differ_and_converge_to_the_same_integral(shipped):
    model, x, target = shipped
    coarse = {r: integrated_gradients(model, x[:2], target[:2], n_steps=8, integration=r) for r in IG_RULES}
    assert not np.allclose(coarse["riemann_left"], coarse["riemann_right"])  # the rule is really passed on
    fine = integrated_gradients(model, x[:2], target[:2], n_steps=256)
    left = integrated_gradients(model, x[:2], target[:2], n_steps=256, integration="riemann_middle")
    assert np.abs(fine - left).max() < 0.02 * np.abs(fine).max()


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["gausslegendre", "riemann_right"])
def test_adaptive_mode_meets_its_tolerance(shipped, rule):
    model, x, target = shipped
    res = adaptive_integrated_gradients(model, x, target, tolerance=0.01, start_steps=4, integration=rule)
    change = _logit_change(model, x, target)
    gap = np.abs(res.attr.sum(axis=(1, 2)) - change)
    assert res.converged.all(), res.gap
    assert (gap <= 0.01 * np.abs(change) + 1e-4).all(), (gap, change)
    assert res.steps.min() >= 4 and (res.steps > 4).any()  # 4 points are not enough for every sample
    # each sample's attributions are plain IG at the steps it ended with
    i = int(np.argmax(res.steps))
    plain = integrated_gradients(model, x[i : i + 1], target[i : i + 1], n_steps=int(res.steps[i]), integration=rule)
    np.testing.assert_allclose(res.attr[i : i + 1], plain, atol=1e-5)


def test_adaptive_mode_through_explain_and_its_refusals(shipped):
    model, x, _ = shipped
    res = explain(model, x[:2], ["ig"], ig_steps=4, tolerance=0.01)
    rel = np.abs(res["ig_delta"]) / np.abs(res["ig"].sum(axis=(1, 2)) - res["ig_delta"])
    assert (rel <= 0.01).all()
    with pytest.raises(ValueError, match="unknown integration rule"):
        integrated_gradients(model, x[:1], 0, integration="simpson")
    with pytest.raises(ValueError, match="tolerance must be positive"):
        integrated_gradients(model, x[:1], 0, tolerance=0)
