"""Model-randomisation sanity checks and method-vs-method rank agreement."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import method_agreement, model_randomisation_check, randomised_copy, spearman_per_sample
from lstmfcn.explain.sanity import CASCADE
from tests.helpers.models import tiny_model


def test_randomised_copy_changes_only_the_named_parts():
    model = tiny_model("mlstmfcn")
    twin = randomised_copy(model, ["head", "se2"], seed=1)
    assert not torch.equal(twin.head.weight, model.head.weight)
    assert not torch.equal(twin.se2.squeeze.weight, model.se2.squeeze.weight)
    assert torch.equal(twin.block3.conv.weight, model.block3.conv.weight)
    assert torch.equal(twin.block1.bn.running_var, model.block1.bn.running_var)
    torch.testing.assert_close(randomised_copy(model, ["head"], seed=1).head.weight, twin.head.weight)
    with pytest.raises(ValueError, match="unknown model part"):
        randomised_copy(model, ["decoder"])


def test_explanations_decorrelate_when_the_model_is_randomised(gunpoint, gunpoint_model):
    x = gunpoint.X_test[:20]
    target = predict_logits(gunpoint_model, x).argmax(1)
    out = model_randomisation_check(gunpoint_model, x, target, methods=["cam", "ig", "gradcam"], n_steps=8)
    for name, r in out.items():
        # |maps| stay somewhat alike with only the head randomised (the conv features remain),
        # but must be far from the original once every layer is random.
        assert r.head < 0.85, (name, r.head)
        assert r.all < 0.5, (name, r.all)
        assert r.per_sample["head"].shape == (20,) and r.cascade is None


def test_cascade_randomises_from_the_top_down(gunpoint, gunpoint_model):
    x = gunpoint.X_test[:10]
    r = model_randomisation_check(gunpoint_model, x, 0, methods=["cam"], cascade=True)["cam"]
    assert [part for part, _ in r.cascade] == [p for p in CASCADE if getattr(gunpoint_model, p) is not None]
    assert r.cascade[0][1] == pytest.approx(r.head) and r.cascade[-1][1] == pytest.approx(r.all)


def test_spearman_per_sample(rng):
    a = rng.normal(size=(4, 2, 10))
    np.testing.assert_allclose(spearman_per_sample(a, 3 * a + 1), 1.0)
    np.testing.assert_allclose(spearman_per_sample(a, -a), -1.0)
    np.testing.assert_allclose(spearman_per_sample(a, -a, absolute=True), 1.0)
    # Padded steps are left out: garbage there changes nothing.
    b = a.copy()
    b[1, :, 6:] = rng.normal(size=(2, 4))
    lengths = np.array([10, 6, 10, 10])
    np.testing.assert_allclose(spearman_per_sample(a, b, lengths)[1], 1.0)
    assert np.isnan(spearman_per_sample(a, np.zeros_like(a))).all()  # a flat map has no ranking


def test_method_agreement_matrix_and_class_averages(rng):
    a = rng.normal(size=(6, 1, 20))
    maps = {"x": a, "same": 2 * a, "reversed": -a, "noise": rng.normal(size=a.shape)}
    res = method_agreement(maps, labels=np.array([0, 0, 1, 1, 1, 0]), n_classes=3)
    assert res.methods == list(maps)
    assert res.per_sample.shape == (6, 4, 4) and res.mean.shape == (4, 4) and res.per_class.shape == (3, 4, 4)
    np.testing.assert_allclose(res.mean, res.mean.T)
    np.testing.assert_allclose(np.diag(res.mean), 1.0)
    assert res.mean[0, 1] == pytest.approx(1.0) and res.mean[0, 2] == pytest.approx(-1.0)
    assert abs(res.mean[0, 3]) < 0.5
    assert np.isnan(res.per_class[2]).all()  # no sample of class 2
