"""A known answer on three variables: class 1 is a burst in variable 1 at a random place, while
variables 0 and 2 carry the same kind of burst in every sample. Maps with a variable axis must
put their mass on variable 1 around its burst; maps without one must not pretend to."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.evaluation import evaluate
from lstmfcn.explain import METHODS, explain, feature_ablation, occlusion
from tests.helpers.models import T_TINY, tiny_model
from tests.helpers.planted import (
    PLANTED_HALF_WIDTH,
    PLANTED_LENGTH,
    PLANTED_VARIABLE,
    PLANTED_VARS,
    planted_variable_mask,
)

CHANCE = (2 * PLANTED_HALF_WIDTH + 1) / (PLANTED_VARS * PLANTED_LENGTH)  # the window's share of (V, T): 0.07


def mass_share(attr: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(N,)`` share of each sample's total |attribution| that falls where ``mask`` is True."""
    a = np.abs(attr)
    return (a * mask).sum(axis=(1, 2)) / a.sum(axis=(1, 2))


@pytest.fixture(scope="module")
def bursts(planted_variable):
    """Class-1 test samples, their masks and every map for class 1 (occlusion and ablation both ways)."""
    model, *_, X, y, centres = planted_variable
    assert evaluate(model, X, y).accuracy >= 0.95  # it did learn the burst, so the maps have an answer
    ones = X[y == 1]
    res = explain(model, ones, ["cam", "ig", "occlusion", "ablation"], target=1)
    res["occlusion_all"] = occlusion(model, ones, 1, per_variable=False)
    res["ablation_all"] = feature_ablation(model, ones, 1, per_variable=False)
    return res, planted_variable_mask(centres[y == 1]), centres[y == 1]


@pytest.mark.parametrize("method", ["ig", "occlusion", "ablation"])
def test_maps_with_a_variable_axis_point_at_the_deciding_variable_and_window(bursts, method):
    res, mask, _ = bursts
    share = mass_share(res[method], mask)
    assert share.mean() > 4 * CHANCE, f"{method}: {share.mean():.2f} of |mass| on the window (chance {CHANCE:.2f})"
    assert np.median(share) > 3 * CHANCE  # most samples, not a few strong ones
    on_variable = np.abs(res[method][:, PLANTED_VARIABLE]).sum(axis=1) / np.abs(res[method]).sum(axis=(1, 2))
    assert on_variable.mean() > 0.45  # chance is 1/3: the other variables' bursts are distractors, not evidence


@pytest.mark.parametrize("method", ["occlusion", "ablation"])
def test_perturbing_all_variables_at_once_cannot_say_which_variable(bursts, method):
    res, mask, _ = bursts
    together = res[f"{method}_all"]
    np.testing.assert_allclose(together, np.broadcast_to(together[:, :1], together.shape))  # the same everywhere
    shifted = np.roll(mask, 1, axis=1)  # the same window on another variable gets exactly as much
    np.testing.assert_allclose(mass_share(together, mask), mass_share(together, shifted), rtol=1e-5)
    per_variable = mass_share(res[method], mask).mean()  # the default, which tells the variables apart
    assert per_variable > 1.8 * mass_share(together, mask).mean()
    assert res["variants"][method]["per_variable"] and res["variants"][method]["variable_axis"]
    assert not METHODS[method].has_variable_axis(PLANTED_VARS, per_variable=False)


def test_the_cam_peaks_on_the_burst_for_most_samples(bursts):
    res, _, centres = bursts
    peaks = res["cam"][:, 0].argmax(axis=1)  # one map over time: the same in every variable
    hit = np.abs(peaks - centres) <= PLANTED_HALF_WIDTH
    assert hit.mean() >= 0.8, f"CAM peak on the burst for {hit.mean():.0%} of samples"
    assert not res["variants"]["cam"]["variable_axis"]


def test_per_variable_is_the_default_only_for_multivariate_series(rng):
    one = tiny_model("lstmfcn")
    x1 = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    np.testing.assert_array_equal(occlusion(one, x1, 1), occlusion(one, x1, 1, per_variable=False))
    np.testing.assert_array_equal(feature_ablation(one, x1, 1), feature_ablation(one, x1, 1, per_variable=False))
    three = tiny_model("mlstmfcn", n_vars=3)
    x3 = rng.normal(size=(2, 3, T_TINY)).astype(np.float32)
    for fn in (occlusion, feature_ablation):
        default = fn(three, x3, 1)
        np.testing.assert_array_equal(default, fn(three, x3, 1, per_variable=True))
        assert not np.allclose(default, fn(three, x3, 1, per_variable=False))
    spec = METHODS["occlusion"]
    assert not spec.has_variable_axis(1) and spec.has_variable_axis(3)
    assert spec.plan(1, T_TINY).forward_passes * 3 == spec.plan(3, T_TINY).forward_passes  # V times the cost


def test_plans_count_the_forward_passes_that_run_and_refuse_bad_windows():
    plan = METHODS["occlusion"].plan(6, 100, window=10, stride=5)
    assert (plan.window, plan.stride, plan.pieces) == (10, 5, 19)
    assert plan.describe() == "per variable: 6 variables × 19 windows = 114 forward passes per sample"
    assert METHODS["ablation"].plan(6, 100, per_variable=False).describe() == (
        "all variables together: 20 segments = 20 forward passes per sample"
    )
    assert METHODS["ig"].plan(6, 100) is None
    for bad in ({"window": 0}, {"stride": -1}, {"window": 4, "stride": 8}):
        with pytest.raises(ValueError, match="stride|window"):
            METHODS["occlusion"].plan(3, 100, **bad)
    with pytest.raises(ValueError, match="segment"):
        METHODS["ablation"].plan(3, 100, n_segments=0)
