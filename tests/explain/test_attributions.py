"""Captum methods and explain(): shapes for every variant and target mode, exact invariants, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import (
    METHODS,
    class_activation_maps,
    explain,
    feature_ablation,
    grad_cam,
    gradient_shap,
    integrated_gradients,
    occlusion,
)
from lstmfcn.explain._common import make_baseline
from tests.helpers.models import K_TINY, T_TINY, VARIANTS, tiny_model

FAST = {"n_samples": 2, "window": 6, "n_segments": 4}  # keep the 16-variant sweep quick


@pytest.mark.slow
@pytest.mark.parametrize("arch,shuffle,n_vars", VARIANTS)
def test_every_method_and_target_mode_gives_the_documented_shapes(arch, shuffle, n_vars, rng):
    model = tiny_model(arch, shuffle, n_vars)
    n = 4
    x = rng.normal(size=(n, n_vars, T_TINY)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    lengths = np.array([T_TINY, 15, T_TINY, 9])
    attention_over_time = arch in ("alstmfcn", "malstmfcn") and not shuffle

    # Every method for one class per sample and for all classes; the other target modes only
    # differ in how the class is chosen, so two methods cover them.
    runs = [("predicted", list(METHODS)), ("all", list(METHODS))]
    runs += [(t, ["cam", "attention", "ig"]) for t in ("true", 1, np.array([2, 0, 1, 1]))]
    for target, methods in runs:
        res = explain(model, x, methods, target=target, y=y, lengths=lengths, ig_steps=4, **FAST)
        all_classes = isinstance(target, str) and target == "all"
        per_map = (n, K_TINY, n_vars, T_TINY) if all_classes else (n, n_vars, T_TINY)
        assert res["logits"].shape == (n, K_TINY)
        assert res["target"].shape == ((n, K_TINY) if all_classes else (n,))
        assert res["cam_all"].shape == (n, K_TINY, T_TINY) and res["cam_offset"].shape == (n, K_TINY)
        assert res["ig_delta"].shape == ((n, K_TINY) if all_classes else (n,))
        expected = [m for m in methods if m != "attention" or attention_over_time]
        assert res["methods"] == expected
        for name in expected:
            assert res[name].shape == per_map, name
            assert np.isfinite(res[name]).all(), name
            # Padding is not part of the series: nothing is attributed to it.
            assert np.all(res[name][3, ..., 9:] == 0), name
        if all_classes:
            np.testing.assert_array_equal(res["target"][2], np.arange(K_TINY))
        elif isinstance(target, str) and target == "true":
            np.testing.assert_array_equal(res["target"], y)


@pytest.mark.parametrize("baseline", ["zeros", "mean", "blur"])
def test_integrated_gradients_completeness(gunpoint, gunpoint_model, baseline):
    x = gunpoint.X_test[:6]
    target = predict_logits(gunpoint_model, x).argmax(1)
    attr, delta = integrated_gradients(gunpoint_model, x, target, baseline=baseline, n_steps=64, return_delta=True)
    base = make_baseline(torch.as_tensor(x), baseline).numpy()
    rows = np.arange(len(x))
    gap = predict_logits(gunpoint_model, x)[rows, target] - predict_logits(gunpoint_model, base)[rows, target]
    # Σ attributions = f(x) - f(baseline), to quadrature accuracy; Captum's delta says the same.
    np.testing.assert_allclose(attr.sum(axis=(1, 2)), gap, rtol=0.02, atol=0.02)
    np.testing.assert_allclose(delta, attr.sum(axis=(1, 2)) - gap, atol=1e-3)


def test_gradcam_without_relu_is_cam_over_T(gunpoint, gunpoint_model):
    # GAP + Linear head: Grad-CAM's channel weights are W[k, c] / T, so Grad-CAM = CAM / T.
    x = gunpoint.X_test[:8]
    target = np.array([0, 1] * 4)
    cam = class_activation_maps(gunpoint_model, x).cam[np.arange(8), target]  # (N, T)
    gc = grad_cam(gunpoint_model, x, target, relu=False)[:, 0]
    scale = np.abs(cam).max()
    np.testing.assert_allclose(gc * x.shape[-1] / scale, cam / scale, atol=1e-5)
    assert np.all(grad_cam(gunpoint_model, x, target) >= 0)  # the paper's ReLU


@pytest.mark.parametrize("arch,shuffle", [("mlstmfcn", False), ("malstmfcn", True)])
def test_gradcam_is_cam_over_T_with_padding(arch, shuffle, rng):
    model = tiny_model(arch, shuffle, n_vars=3)
    x = rng.normal(size=(3, 3, T_TINY)).astype(np.float32)
    lengths = np.array([T_TINY, 11, 20])
    cam = class_activation_maps(model, x, lengths).cam[:, 1]
    gc = grad_cam(model, x, 1, lengths=lengths, relu=False)[:, 0]
    np.testing.assert_allclose(gc * T_TINY, cam, rtol=1e-4, atol=1e-5)


def test_occlusion_is_the_logit_drop_of_each_window(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    attr = occlusion(model, x, 1, window=6, stride=6)  # non-overlapping windows
    f = predict_logits(model, x)[:, 1]
    for start in range(0, T_TINY, 6):
        occluded = x.copy()
        occluded[..., start : start + 6] = 0.0
        drop = f - predict_logits(model, occluded)[:, 1]
        np.testing.assert_allclose(attr[:, 0, start : start + 6], np.repeat(drop[:, None], 6, 1), atol=1e-5)


def test_occlusion_covers_the_tail_when_the_stride_does_not_divide(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    attr = occlusion(model, x, 0, window=5, stride=4)
    assert np.isfinite(attr).all() and np.all(attr[..., -2:] != 0)


def test_segment_ablation_uses_contiguous_segments(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    attr = feature_ablation(model, x, 2, n_segments=4, baseline="mean")
    for seg in np.array_split(np.arange(T_TINY), 4):
        assert np.allclose(attr[:, :, seg], attr[:, :, seg[:1]])  # one value per segment
    occluded = x.copy()
    occluded[..., :6] = x.mean(-1, keepdims=True)
    drop = predict_logits(model, x)[:, 2] - predict_logits(model, occluded)[:, 2]
    np.testing.assert_allclose(attr[:, 0, 0], drop, atol=1e-5)


def test_gradient_shap_is_reproducible_and_independent_of_batching(rng):
    model = tiny_model("mlstmfcn", shuffle=False, n_vars=2)
    x = rng.normal(size=(5, 2, T_TINY)).astype(np.float32)
    a = gradient_shap(model, x, 1, n_samples=4, seed=3)
    np.testing.assert_allclose(a, gradient_shap(model, x, 1, n_samples=4, seed=3, batch_size=2), atol=1e-6)
    assert not np.allclose(a, gradient_shap(model, x, 1, n_samples=4, seed=4))


def test_deeplift_uses_the_rescale_rule(gunpoint, gunpoint_model):
    x = gunpoint.X_test[:4]
    res = explain(gunpoint_model, x, ["deeplift", "input_x_gradient"])
    assert not np.allclose(res["deeplift"], res["input_x_gradient"], atol=1e-4)


def test_baselines(rng):
    x = torch.as_tensor(rng.normal(size=(3, 2, 30)).astype(np.float32))
    lengths = torch.tensor([30, 20, 10])
    mean = make_baseline(x, "mean", lengths)
    np.testing.assert_allclose(mean[1, :, 0], x[1, :, :20].mean(-1), rtol=1e-5)
    assert torch.all(mean[1, :, 20:] == 0) and torch.all(mean[2, :, 10:] == 0)
    blur = make_baseline(x, "blur", lengths, blur_sigma=3.0)
    assert torch.all(blur[2, :, 10:] == 0)
    assert blur[0].diff(dim=-1).abs().mean() < x[0].diff(dim=-1).abs().mean() / 2  # smoother
    assert torch.all(make_baseline(x, "zeros") == 0)
    assert torch.all(make_baseline(x, np.ones(30)) == 1)
    with pytest.raises(ValueError, match="zeros, mean, blur"):
        make_baseline(x, "noise")


def test_explain_refuses_bad_requests_with_sentences(rng):
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(2, 1, T_TINY)).astype(np.float32)
    with pytest.raises(ValueError, match="valid methods are cam, attention, ig"):
        explain(model, x, ["cam", "shap"])
    with pytest.raises(ValueError, match="needs the true labels"):
        explain(model, x, ["cam"], target="true")
    with pytest.raises(ValueError, match="predicted, true, all"):
        explain(model, x, ["cam"], target="best")
    with pytest.raises(ValueError, match=r"0\.\.2"):
        explain(model, x, ["cam"], target=5)
    with pytest.raises(ValueError, match="unknown option"):
        explain(model, x, ["occlusion"], windw=4)
    with pytest.raises(ValueError, match=r"\(N, V, T\)"):
        explain(model, x[0], ["cam"])


def test_progress_reaches_one_and_never_goes_back(rng):
    model = tiny_model("alstmfcn", shuffle=False, length=12)
    seen = []
    explain(
        model,
        rng.normal(size=(2, 1, 12)).astype(np.float32),
        ["cam", "attention", "ig", "occlusion"],
        target="all",
        ig_steps=2,
        progress=seen.append,
    )
    assert seen[-1] == 1.0 and np.all(np.diff(seen) >= 0) and len(seen) > 4


def test_method_registry_is_complete_for_the_dashboard():
    for name, spec in METHODS.items():
        assert spec.name == name and spec.label and spec.how_to_read.endswith(".")
        assert callable(spec.function)
