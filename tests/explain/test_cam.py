"""Class activation maps: the exact logit identity, one batched pass (counted; its speed is in the
benchmark, ``lstmfcn.bench``'s "CAM, all classes" row), target selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.device import batch_size_for
from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import cam_for_target, class_activation_maps
from tests.helpers.models import K_TINY, T_TINY, VARIANTS, tiny_model


@pytest.mark.parametrize("arch,shuffle,n_vars", VARIANTS)
@pytest.mark.parametrize("padded", [False, True])
def test_cam_mean_plus_offset_equals_logits(arch, shuffle, n_vars, padded, rng):
    model = tiny_model(arch, shuffle, n_vars)
    x = rng.normal(size=(6, n_vars, T_TINY)).astype(np.float32)
    lengths = np.array([T_TINY, T_TINY - 5, 7, T_TINY, 12, T_TINY - 1]) if padded else None
    if padded:
        x = np.where(np.arange(T_TINY) < lengths[:, None, None], x, 0.0).astype(np.float32)  # loaders pad with 0

    res = class_activation_maps(model, x, lengths)

    assert res.cam.shape == (6, K_TINY, T_TINY) and res.offset.shape == (6, K_TINY)
    np.testing.assert_allclose(res.logits, predict_logits(model, x, lengths), rtol=1e-5, atol=1e-5)
    if padded:  # mean over *valid* steps only, as the model pools
        mean = np.stack([res.cam[i, :, :L].mean(-1) for i, L in enumerate(lengths)])
        assert np.all(res.cam[1, :, T_TINY - 5 :] == 0)
    else:
        mean = res.cam.mean(-1)
    np.testing.assert_allclose(mean + res.offset, res.logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(res.reconstructed_logits(), res.logits, rtol=1e-5, atol=1e-5)


def test_offset_is_lstm_branch_plus_bias(rng):
    # The map must use the head rows of the pooled conv features, the offset the LSTM rows.
    model = tiny_model("lstmfcn")
    x = rng.normal(size=(4, 1, T_TINY)).astype(np.float32)
    with torch.no_grad():
        d = model.forward_details(torch.as_tensor(x))
        expected = (d.lstm_features @ model.head_lstm_weight.T + model.head.bias).numpy()
    np.testing.assert_allclose(class_activation_maps(model, x).offset, expected, rtol=1e-5, atol=1e-6)


def test_all_classes_in_one_batched_pass(gunpoint, gunpoint_model):
    calls = []
    handle = gunpoint_model.last_conv.register_forward_hook(lambda m, i, o: calls.append(o.shape[0]))
    try:
        res = class_activation_maps(gunpoint_model, gunpoint.X_test)
    finally:
        handle.remove()
    # One forward per pass of samples gives all K maps (not one per class); the CPU keeps
    # passes small enough for its caches, a GPU takes the whole split at once.
    per_pass = batch_size_for(gunpoint_model, 150, gradients=False)
    assert calls == [min(per_pass, 150 - s) for s in range(0, 150, per_pass)]
    assert res.cam.shape == (150, 2, 150)


def test_cam_for_target_picks_the_class_and_repeats_over_variables(rng):
    model = tiny_model("mlstmfcn", n_vars=3)
    x = rng.normal(size=(5, 3, T_TINY)).astype(np.float32)
    target = np.array([0, 1, 2, 1, 0])
    all_maps = class_activation_maps(model, x).cam
    out = cam_for_target(model, x, target)
    assert out.shape == (5, 3, T_TINY)
    for n, k in enumerate(target):
        for v in range(3):
            np.testing.assert_array_equal(out[n, v], all_maps[n, k])
    np.testing.assert_array_equal(cam_for_target(model, x, 2)[:, 0], all_maps[:, 2])
    with pytest.raises(ValueError, match="0..2"):
        cam_for_target(model, x, 3)
