"""Neighbours and prototypes: the head's input, nearest series, medoids and a PCA map on GunPoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.checkpoint import load_model
from lstmfcn.inputs import model_input
from lstmfcn.neighbours import features, nearest, project_2d, prototypes
from tests.helpers.shipped import LSTMFCN_MODEL


@pytest.fixture(scope="module")
def shipped(shipped_models, gunpoint):
    model = load_model(shipped_models / f"{LSTMFCN_MODEL}.safetensors")
    return model, model_input(model, gunpoint, "train"), model_input(model, gunpoint, "test")


def test_features_are_what_the_head_reads(shipped):
    model, train, _ = shipped
    f = features(model, train.X)
    assert f.shape == (50, model.head.in_features)
    with torch.no_grad():
        logits = model(torch.as_tensor(train.X)).numpy()
        np.testing.assert_allclose(model.head(torch.as_tensor(f)).numpy(), logits, atol=1e-4)


def test_nearest_finds_the_series_itself_first_and_mostly_its_class(shipped):
    model, train, test = shipped
    idx, dist = nearest(model, train.X[7], train.X, k=5)
    assert idx[0] == 7 and dist[0] == pytest.approx(0.0, abs=1e-4) and np.all(np.diff(dist) >= 0)
    agree = [
        np.mean(train.y[nearest(model, x, train.X, k=5)[0]] == y) for x, y in zip(test.X[:30], test.y[:30], strict=True)
    ]
    assert np.mean(agree) > 0.8
    with pytest.raises(ValueError, match="k must"):
        nearest(model, train.X[0], train.X, k=0)


def test_prototypes_are_medoids_of_their_class_and_pca_keeps_the_most_variance(shipped):
    model, train, _ = shipped
    f = features(model, train.X)
    protos = prototypes(f, train.y)
    assert set(protos) == set(np.unique(train.y).tolist())
    for cls, i in protos.items():
        assert train.y[i] == cls
        members = f[train.y == cls]
        totals = np.linalg.norm(members[:, None] - members[None], axis=-1).sum(1)
        assert np.linalg.norm(members - f[i], axis=1).sum() == pytest.approx(totals.min(), rel=1e-5)
    xy = project_2d(f)
    assert xy.shape == (50, 2)
    top2 = np.sort(np.linalg.eigvalsh(np.cov(f.T.astype(np.float64))))[-2:][::-1]  # the two largest variances
    np.testing.assert_allclose(xy.var(0, ddof=1), top2, rtol=1e-3)


def test_umap_is_optional_and_says_so_when_missing():
    import importlib.util

    from lstmfcn.neighbours import umap_available

    feats = np.random.default_rng(0).normal(size=(30, 5))
    assert umap_available() == (importlib.util.find_spec("umap") is not None)
    if umap_available():
        assert project_2d(feats, "umap").shape == (30, 2)
    else:
        with pytest.raises(ValueError, match="umap-learn.*not installed"):
            project_2d(feats, "umap")
    with pytest.raises(ValueError, match="projection must be one of"):
        project_2d(feats, "tsne")
