"""Attention weights: axes, the trivial univariate case, padding, class summaries, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.errors import LstmFcnError
from lstmfcn.explain import (
    NoAttentionError,
    attention_by_class,
    attention_for_target,
    attention_maps,
    attention_summary,
    explain,
)

from ._helpers import T_TINY, tiny_model


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
