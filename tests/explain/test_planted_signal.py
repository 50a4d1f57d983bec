"""A known answer: class 1 is decided by a bump in steps 40–60, so the maps must point there."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.evaluation import evaluate
from lstmfcn.explain import explain, randomised_copy
from lstmfcn.explain.sanity import CASCADE

WINDOW = slice(40, 60)  # 20 % of the series


def window_share(attr: np.ndarray) -> np.ndarray:
    """``(N,)`` share of each sample's total |attribution| that falls in the window."""
    a = np.abs(attr)
    return a[..., WINDOW].sum(axis=(1, 2)) / a.sum(axis=(1, 2))


@pytest.fixture(scope="module")
def planted_maps(planted):
    model, X, y = planted
    assert evaluate(model, X, y).accuracy >= 0.95  # the model did learn the bump
    ones = X[y == 1]
    methods = ["cam", "ig", "occlusion"]
    trained = explain(model, ones, methods, target=1, ig_steps=32)
    random = explain(randomised_copy(model, CASCADE), ones, methods, target=1, ig_steps=32)
    return trained, random


@pytest.mark.parametrize("method", ["cam", "ig", "occlusion"])
def test_maps_of_the_trained_model_point_at_the_bump(planted_maps, method):
    trained, random = planted_maps
    share = window_share(trained[method]).mean()
    assert share > 0.5, f"{method}: {share:.2f} of the mass in the window"
    # A randomised model has learnt nothing: its maps must not single out the window.
    assert window_share(random[method]).mean() < 0.4
    assert share > 1.5 * window_share(random[method]).mean()
