"""Attention weights: axes, the trivial univariate case, padding, class summaries, clear refusals,
and how far from uniform they are."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import load_dataset
from lstmfcn.checkpoint import load_model
from lstmfcn.errors import LstmFcnError
from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import (
    NoAttentionError,
    attention_by_class,
    attention_for_target,
    attention_maps,
    attention_spread,
    attention_summary,
    can_show_attention,
    explain,
)
from lstmfcn.inputs import model_input
from lstmfcn.models import ModelConfig
from lstmfcn.zoo import pretrained_path
from tests.helpers.models import T_TINY, tiny_model


@pytest.mark.parametrize("arch", ["alstmfcn", "malstmfcn"])
def test_attention_over_time_with_padding(arch, rng):
    model = tiny_model(arch, shuffle=False, n_vars=3)
    x = rng.normal(size=(4, 3, T_TINY)).astype(np.float32)
    lengths = np.array([T_TINY, 10, T_TINY, 17])

    res = attention_maps(model, x, lengths)

    assert res.axis == "time" and not res.trivial and res.note is None
    assert res.alignment.shape == (4, T_TINY, T_TINY)
    assert res.contexts.shape == (4, T_TINY, 3)
    np.testing.assert_allclose(res.alignment.sum(-1), 1.0, atol=1e-5)
    # The final state is the one after the last valid step, so "where it looked" is that row.
    np.testing.assert_array_equal(res.final[1], res.alignment[1, 9])
    np.testing.assert_array_equal(res.final[0], res.alignment[0, -1])
    assert np.all(res.alignment[1, :, 10:] == 0)  # padded steps get no attention
    view = attention_for_target(model, x, lengths=lengths)
    assert view.shape == (4, 3, T_TINY)
    np.testing.assert_array_equal(view[:, 2], res.final)


def test_univariate_attention_over_variables_is_flagged_trivial(rng):
    model = tiny_model("alstmfcn", shuffle=True, n_vars=1)
    x = rng.normal(size=(3, 1, T_TINY)).astype(np.float32)
    res = attention_maps(model, x)
    assert res.axis == "variables" and res.trivial
    assert "always 1" in res.note
    np.testing.assert_allclose(res.final, 1.0)
    with pytest.raises(NoAttentionError, match="over the variables"):
        attention_for_target(model, x)
    out = explain(model, x, ["cam", "attention"])
    assert "attention" not in out and out["attention_details"].trivial
    assert "always 1" in out["notes"]["attention"]


def test_multivariate_attention_over_variables(rng):
    model = tiny_model("malstmfcn", shuffle=True, n_vars=3)
    res = attention_maps(model, rng.normal(size=(2, 3, T_TINY)).astype(np.float32))
    assert res.axis == "variables" and not res.trivial
    assert res.alignment.shape == (2, 3, 3) and res.contexts.shape == (2, 3, T_TINY) and res.final.shape == (2, 3)


@pytest.mark.parametrize("arch", ["lstmfcn", "mlstmfcn"])
def test_model_without_attention_is_refused_clearly(arch, rng):
    model = tiny_model(arch)
    x = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    with pytest.raises(NoAttentionError, match="no attention") as err:
        attention_maps(model, x)
    assert isinstance(err.value, ValueError) and isinstance(err.value, LstmFcnError)
    out = explain(model, x, ["cam", "attention"])  # the dashboard's path: a note, not an exception
    assert out["methods"] == ["cam"] and "no attention" in out["notes"]["attention"]


def test_class_summaries_of_final_attention():
    final = np.array([[0.2, 0.8], [0.4, 0.6], [1.0, 0.0]], np.float32)
    s = attention_by_class(final, [0, 0, 2], n_classes=3)
    np.testing.assert_allclose(s.mean[0], [0.3, 0.7])
    np.testing.assert_allclose(s.std[0], [0.1, 0.1], atol=1e-7)
    assert np.isnan(s.mean[1]).all() and list(s.count) == [2, 0, 1]


def test_summary_by_true_and_predicted_class(rng):
    model = tiny_model("alstmfcn", shuffle=False, n_vars=2)
    x = rng.normal(size=(6, 2, T_TINY)).astype(np.float32)
    out = explain(model, x, ["attention"], y=np.array([0, 1, 2, 0, 1, 2]))
    summary = attention_summary(out["attention_details"], [0, 1, 2, 0, 1, 2], out["predicted"], 3)
    assert set(summary) == {"true", "predicted"}
    np.testing.assert_allclose(summary["true"].mean[1], out["attention_details"].final[[1, 4]].mean(0), rtol=1e-6)


def test_spread_of_uniform_one_hot_and_partial_weights():
    uniform = attention_spread(np.full(150, 1 / 150), over="time steps")
    assert uniform.verdict == "close to uniform"
    np.testing.assert_allclose([uniform.mean_peak, uniform.mean_low, uniform.mean_entropy], 1.0)
    assert "1.00 × the uniform level (1/150)" in uniform.sentence and "100.0 %" in uniform.sentence

    one_hot = attention_spread(np.eye(6)[[2, 4]], over="variables")  # two samples, all weight on one variable
    assert one_hot.verdict == "concentrated" and one_hot.n.tolist() == [6, 6]
    np.testing.assert_allclose(one_hot.peak, 6.0)
    np.testing.assert_allclose(one_hot.low, 0.0)
    np.testing.assert_allclose(one_hot.entropy, 0.0, atol=1e-12)
    assert "averaged over 2 samples" in one_hot.sentence and "variables" in one_hot.sentence

    # Even over 12 of 16 positions: no weight reaches 1.5 × uniform, but entropy log 12 / log 16 < 0.95.
    partial = attention_spread(np.r_[np.full(12, 1 / 12), np.zeros(4)])
    np.testing.assert_allclose(partial.entropy, np.log(12) / np.log(16))
    np.testing.assert_allclose(partial.peak, 16 / 12)
    assert partial.verdict == "uneven"


def test_spread_counts_only_valid_steps_and_refuses_bad_weights():
    padded = attention_spread([[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]], lengths=[2, 4])
    np.testing.assert_allclose(padded.peak, 1.0)  # uniform over each row's own valid steps
    np.testing.assert_allclose(padded.entropy, 1.0)
    assert padded.n.tolist() == [2, 4] and "valid steps of each sample" in padded.sentence
    unpadded = attention_spread([0.5, 0.5, 0.0, 0.0])
    np.testing.assert_allclose([unpadded.mean_peak, unpadded.mean_low, unpadded.mean_entropy], [2.0, 0.0, 0.5])
    single = attention_spread(np.ones((3, 1)))
    assert single.verdict == "trivial" and "always 1" in single.sentence
    with pytest.raises(ValueError, match="non-negative"):
        attention_spread([0.7, -0.2, 0.5])
    with pytest.raises(ValueError, match="positive sum"):
        attention_spread([[0.0, 0.0], [0.5, 0.5]])


def test_only_attention_over_several_positions_can_be_shown():
    def cfg(arch, shuffle, n_vars):
        return ModelConfig(arch, n_vars=n_vars, length=T_TINY, n_classes=2, shuffle=shuffle)

    assert can_show_attention(cfg("alstmfcn", False, 1))  # over time
    assert can_show_attention(cfg("malstmfcn", True, 3))  # over 3 variables
    assert not can_show_attention(cfg("alstmfcn", True, 1))  # over 1 variable: always 1
    assert not can_show_attention(cfg("lstmfcn", False, 3))  # no attention at all
    assert can_show_attention(tiny_model("alstmfcn", shuffle=False)) and not can_show_attention(tiny_model("alstmfcn"))


def _shipped_spread(name: str, dataset: str):
    model = load_model(pretrained_path(name))
    data = model_input(model, load_dataset(dataset), "test")
    res = attention_maps(model, data.X, data.lengths)
    return attention_spread(res.final, res.lengths, over="time steps" if res.axis == "time" else "variables")


def test_shipped_gunpoint_attention_over_time_is_close_to_uniform():
    spread = _shipped_spread("GunPoint__alstmfcn__noshuffle", "GunPoint")
    assert spread.verdict == "close to uniform", spread.sentence
    assert 1.05 < spread.mean_peak < 1.3 and spread.peak.max() < 1.6  # weights 0.005-0.010 around 1/150 = 0.0067
    assert spread.mean_entropy > 0.99
    assert "(1/150)" in spread.sentence and "150 time steps" in spread.sentence


def test_shipped_multivariate_attention_over_variables_is_not_uniform():
    spread = _shipped_spread("BasicMotions__malstmfcn", "BasicMotions")
    assert spread.verdict != "close to uniform", spread.sentence
    assert spread.mean_peak > 2 and spread.mean_entropy < 0.9 and "(1/6)" in spread.sentence


def test_explain_takes_attention_from_the_cam_pass_with_the_same_numbers(rng):
    """``explain`` reads the attention off the forward pass that gives the logits and CAM: the
    same alignment, contexts and final rows as :func:`attention_maps`, padded series included."""
    model = tiny_model("alstmfcn", shuffle=False, n_vars=2)
    x = rng.normal(size=(5, 2, T_TINY)).astype(np.float32)
    lengths = np.array([T_TINY, 9, T_TINY, 3, 17])
    x *= np.arange(T_TINY)[None, None, :] < lengths[:, None, None]
    out = explain(model, x, ["cam", "attention"], lengths=lengths)
    alone = attention_maps(model, x, lengths)
    shared = out["attention_details"]
    for name in ("alignment", "contexts", "final", "lengths"):
        np.testing.assert_allclose(getattr(shared, name), getattr(alone, name), atol=1e-7)
    np.testing.assert_array_equal(out["attention"][:, 1], alone.final)
    np.testing.assert_allclose(out["logits"], predict_logits(model, x, lengths), atol=1e-6)
