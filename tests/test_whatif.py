"""What-if edits: each does what it says to its window only, and the baseline edit agrees with occlusion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.checkpoint import load_model
from lstmfcn.explain import run_method
from lstmfcn.inputs import model_input
from lstmfcn.whatif import Baseline, Noise, Scale, Shift, Smooth, Splice, apply_edits, predict_and_cam
from tests.helpers.shipped import LSTMFCN_MODEL


@pytest.fixture(scope="module")
def gunpoint_shipped(shipped_models, gunpoint):
    """``(model, X_test)``: the shipped GunPoint LSTM-FCN and the test split as it reads it."""
    model = load_model(shipped_models / f"{LSTMFCN_MODEL}.safetensors")
    return model, model_input(model, gunpoint, "test").X


def _series(v: int = 2, t: int = 40) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(v, t)).astype(np.float32)


def test_edits_change_only_their_window_and_variables_and_never_the_original():
    x = _series()
    before = x.copy()
    donor = _series() + 10
    for edit in (
        Baseline(5, 15, baseline="mean"),
        Smooth(5, 15, width=5),
        Scale(5, 15, factor=3.0),
        Shift(5, 15, steps=3),
        Noise(5, 15, sigma=1.0, seed=1),
        Splice(5, 15, donor=donor),
    ):
        out = edit.apply(x, length=None)
        np.testing.assert_array_equal(x, before)
        outside = np.ones(x.shape, bool)
        outside[:, 5:15] = False
        np.testing.assert_array_equal(out[outside], x[outside])
        assert not np.array_equal(out[:, 5:15], x[:, 5:15]), edit
        one = type(edit)(**{**edit.__dict__, "variables": (1,)}).apply(x)
        np.testing.assert_array_equal(one[0], x[0])


def test_each_edit_computes_what_it_names():
    x = _series()
    np.testing.assert_allclose(Baseline(0, 40, baseline="mean").apply(x), np.repeat(x.mean(-1, keepdims=True), 40, 1))
    np.testing.assert_allclose(Scale(2, 6, factor=-2).apply(x)[:, 2:6], -2 * x[:, 2:6])
    shifted = Shift(10, 20, steps=3).apply(x)
    np.testing.assert_array_equal(shifted[:, 13:20], x[:, 10:17])
    np.testing.assert_array_equal(shifted[:, 10:13], np.repeat(x[:, 10:11], 3, 1))  # filled with the edge
    np.testing.assert_array_equal(Splice(3, 9, donor=x * 0 + 7).apply(x)[:, 3:9], 7)
    window = Smooth(10, 20, width=3).apply(x)[0, 15]
    assert window == pytest.approx(x[0, 14:17].mean(), abs=1e-6)
    noisy = Noise(0, 40, sigma=0.5, seed=3)
    np.testing.assert_array_equal(noisy.apply(x), noisy.apply(x))  # seeded
    assert (noisy.apply(x) - x).std() == pytest.approx(0.5 * x.std(-1).mean(), rel=0.3)


def test_apply_edits_stacks_in_order_and_undo_is_dropping_the_last():
    x = _series()
    edits = [Scale(0, 20, factor=2.0), Baseline(10, 30)]
    out = apply_edits(x, edits)
    np.testing.assert_array_equal(out[:, 10:30], 0)
    np.testing.assert_allclose(out[:, :10], 2 * x[:, :10])
    np.testing.assert_array_equal(apply_edits(x, edits[:-1]), Scale(0, 20, factor=2.0).apply(x))
    np.testing.assert_array_equal(apply_edits(x, []), x)


@pytest.mark.parametrize(
    "edit, words",
    [
        (Scale(5, 5), "non-empty"),
        (Scale(30, 50), "within"),
        (Scale(0, 5, variables=(2,)), "variables"),
        (Smooth(0, 5, width=0), "width"),
        (Noise(0, 5, sigma=-1), "sigma"),
        (Splice(0, 5, donor=np.zeros((1, 40))), "shape"),
        (Baseline(0, 5, baseline="median"), "baseline"),
    ],
)
def test_bad_windows_and_parameters_are_refused_with_a_sentence(edit, words):
    with pytest.raises(ValueError, match=words):
        edit.apply(_series())


def test_windows_past_the_valid_length_are_refused():
    with pytest.raises(ValueError, match="valid steps"):
        Scale(30, 38).apply(_series(), length=32)


def test_predict_and_cam_is_the_models_prediction(gunpoint_shipped):
    model, X = gunpoint_shipped
    res = predict_and_cam(model, X[3])
    assert res.cam.shape == (2, X.shape[-1]) and res.probabilities.sum() == pytest.approx(1.0, abs=1e-6)
    assert res.predicted == int(res.logits.argmax())
    with torch.no_grad():
        np.testing.assert_allclose(res.logits, model(torch.as_tensor(X[3:4]))[0].numpy(), atol=1e-5)


@pytest.mark.parametrize("baseline", ["zeros", "mean", "blur"])
def test_replacing_a_window_by_the_baseline_moves_the_logit_by_occlusions_value(gunpoint_shipped, baseline):
    # Window == stride: every step lies in exactly one occlusion window, whose drop it carries unaveraged.
    model, X = gunpoint_shipped
    x, window = X[7], 15
    target = predict_and_cam(model, x).predicted
    occ = run_method(
        "occlusion", model, x[None], target, window=window, stride=window, per_variable=False, baseline=baseline
    )[0, 0]  # (T,)
    original = predict_and_cam(model, x).logits[target]
    for start in range(0, x.shape[-1], window):
        edited = predict_and_cam(model, Baseline(start, start + window, baseline=baseline).apply(x))
        np.testing.assert_allclose(original - edited.logits[target], occ[start : start + window], atol=2e-5)


def test_a_box_drawn_on_the_chart_gives_the_steps_inside_it():
    from lstmfcn.whatif import brushed_window

    box = {"selection": {"box": [{"x": [39.6, 110.2], "y": [-2, 2]}], "points": [{"x": 3}]}}
    assert brushed_window(box, 150) == (40, 111)  # steps 40…110, a box wins over points
    assert brushed_window({"selection": {"box": [{"x": [120.0, -5.0]}]}}, 100) == (0, 100)  # kept in the series
    assert brushed_window({"selection": {"points": [{"x": 7}, {"x": 3}]}}, 50) == (3, 8)
    assert brushed_window({"selection": {"box": [{"x": [10.2, 10.8]}]}}, 50) is None  # no step inside
    assert brushed_window(None, 50) is None and brushed_window({"selection": {"box": [], "points": []}}, 50) is None
