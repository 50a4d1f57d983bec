"""The logit's input gradient taken one branch at a time equals the whole model's, and the
attributions built on it equal Captum's estimators, for every variant, padded or not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients

from lstmfcn.explain import IG_RULES, input_x_gradient, integrated_gradients, saliency
from lstmfcn.explain.branch_gradients import logit_gradient
from lstmfcn.models import ModelConfig, build_model
from lstmfcn.pass_size import ENV, BranchPlan, branch_plan, lstm_series
from tests.helpers.models import K_TINY, T_TINY, VARIANTS, tiny_model

LENGTHS = [T_TINY, 17, 5, T_TINY, 11]


def _batch(n_vars: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(LENGTHS), n_vars, T_TINY, generator=g)
    lengths = torch.tensor(LENGTHS)
    x = x * (torch.arange(T_TINY) < lengths[:, None])[:, None]  # padded steps hold zeros, as loaded
    return x, torch.arange(len(LENGTHS)) % K_TINY, lengths


def _pairs(rows: int):
    return (slice(s, min(s + 2, rows)) for s in range(0, rows, 2))


@pytest.mark.slow
@pytest.mark.parametrize("arch,shuffle,n_vars", VARIANTS)
@pytest.mark.parametrize("padded", [False, True])
def test_branch_shares_add_up_to_the_logits_and_their_gradients_to_the_models(arch, shuffle, n_vars, padded):
    model = tiny_model(arch, shuffle, n_vars)
    x, target, lengths = _batch(n_vars)
    lengths = lengths if padded else None
    with torch.no_grad():
        shares = model.branch_logits(x, lengths, branch="lstm") + model.branch_logits(x, lengths, branch="conv")
        torch.testing.assert_close(shares, model(x, lengths), atol=1e-5, rtol=1e-5)
    p = x.clone().requires_grad_(True)
    (whole,) = torch.autograd.grad(model(p, lengths).gather(1, target[:, None]).sum(), p)
    # Passes of 2 series (the last one short), split or not, against the whole model in one graph.
    for split in (True, False):
        by_branch = logit_gradient(model, x, target, lengths, BranchPlan(_pairs, _pairs, split))
        torch.testing.assert_close(by_branch, whole, atol=1e-6, rtol=1e-5)


def test_an_unknown_branch_is_refused():
    with pytest.raises(ValueError, match="branch must be"):
        tiny_model("lstmfcn").branch_logits(torch.zeros(1, 1, T_TINY), branch="head")


@pytest.mark.parametrize("arch,shuffle,n_vars", [("alstmfcn", False, 1), ("malstmfcn", True, 3), ("lstmfcn", True, 1)])
@pytest.mark.parametrize("rule", IG_RULES)
def test_integrated_gradients_equal_captums_with_its_deltas(arch, shuffle, n_vars, rule):
    """Every rule, padded input: the attributions and convergence deltas of Captum's
    ``IntegratedGradients`` on the same model."""
    model = tiny_model(arch, shuffle, n_vars)
    x, target, lengths = _batch(n_vars, seed=2)
    ours, delta = integrated_gradients(
        model, x.numpy(), target.numpy(), lengths=lengths.numpy(), n_steps=7, integration=rule, return_delta=True
    )
    ref, ref_delta = IntegratedGradients(model).attribute(
        x.clone().requires_grad_(True),
        target=target,
        additional_forward_args=(lengths,),
        n_steps=7,
        method=rule,
        return_convergence_delta=True,
    )
    ref = ref.detach().numpy() * (np.arange(T_TINY) < lengths.numpy()[:, None])[:, None]  # ours zeroes padding
    np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(delta, ref_delta.detach().numpy(), atol=1e-5)


def test_saliency_and_input_x_gradient_are_the_models_input_gradient():
    model = tiny_model("malstmfcn", False, 3)
    x, target, _ = _batch(3, seed=4)
    p = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(p).gather(1, target[:, None]).sum(), p)
    np.testing.assert_allclose(saliency(model, x.numpy(), target.numpy()), grad.abs().numpy(), atol=1e-6)
    np.testing.assert_allclose(saliency(model, x.numpy(), target.numpy(), absolute=False), grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(input_x_gradient(model, x.numpy(), target.numpy()), (x * grad).numpy(), atol=1e-6)


def test_calibrated_plan_sizes_the_shared_passes_for_the_lstm(monkeypatch, tmp_path):
    """IG-32 on attention over time: 8 samples (256 series) a shared pass at T = 150, where the
    loop's cost per series has levelled off; at T = 1024 the S² attention weights bound it to 2.
    An LSTM over a few variables (shuffle on) is not split from the convolutions."""
    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(ENV, "calibrate")
    for length, samples in ((150, 8), (1024, 2)):
        model = build_model(ModelConfig("alstmfcn", 1, length, 2, shuffle=False)).eval()
        assert lstm_series(model, length) == 32 * samples
        plan = branch_plan(model, 1, length, expansion=32)
        assert plan.split and [sl.stop - sl.start for sl in plan.samples(20)][:2] == [samples, samples]
    assert not branch_plan(build_model(ModelConfig("malstmfcn", 12, 29, 9)).eval(), 12, 29, expansion=32).split
    monkeypatch.setenv(ENV, "rule")
    plan = branch_plan(model, 1, 1024, expansion=32)
    assert not plan.split and list(plan.conv(64)) == [slice(0, 64)]  # fixed passes: the whole model
