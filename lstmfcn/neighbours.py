"""Neighbours and prototypes in the model's own feature space.

The head is one Linear on ``concat(LSTM branch, pooled conv features)``: that vector is all the
model knows about a series when it decides, so series close in it are series the model finds
alike. :func:`features` computes it, :func:`nearest` finds a series' nearest training series,
:func:`prototypes` each class's medoid and :func:`project_2d` a PCA map for drawing.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .device import batch_size_for, model_device
from .errors import UserInputError
from .explain.inputs import as_input, as_lengths, batch_slices
from .explain.model_copies import inference_model


@torch.no_grad()
def features(model: nn.Module, X: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """``(N, F)`` float32: the head's input for ``X (N, V, T)``, ``F = cells + conv channels``.

    The pooled conv part averages over each series' valid steps, exactly as the model pools.
    """
    net = inference_model(model)
    device = model_device(net)
    xt = as_input(X, device)
    n, _, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    out = []
    for sl in batch_slices(n, batch_size_for(net, total, gradients=False)):
        lb = None if lt is None else lt[sl]
        d = net.forward_details(xt[sl], lb)
        steps = total if lb is None else lb[:, None].to(d.conv_maps.dtype)
        pooled = d.conv_maps.sum(-1) / steps  # (B, C); padded steps are already 0
        out.append(torch.cat([d.lstm_features, pooled], dim=1).float().cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, 0), np.float32)


def nearest(
    model: nn.Module,
    x: np.ndarray,
    X_train: np.ndarray,
    *,
    k: int = 5,
    length: int | None = None,
    lengths_train: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` training series nearest to ``x (V, T)`` in feature space: ``(indices (k,), distances (k,))``, nearest first.

    Raises:
        ValueError: ``k`` below 1.
    """
    if k < 1:
        raise UserInputError(f"k must be at least 1, got {k}")
    one = None if length is None else np.array([length])
    query = features(model, np.asarray(x, np.float32)[None], one)  # (1, F)
    dist = np.linalg.norm(features(model, X_train, lengths_train) - query, axis=1)  # (N,)
    order = np.argsort(dist, kind="stable")[:k]
    return order, dist[order]


def prototypes(feats: np.ndarray, y: np.ndarray) -> dict[int, int]:
    """Each class's medoid: the index (into ``feats (N, F)``) of the series with the least total distance to its class."""
    out = {}
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        f = feats[idx]
        pairwise = np.linalg.norm(f[:, None, :] - f[None, :, :], axis=-1)  # (n_c, n_c)
        out[int(cls)] = int(idx[pairwise.sum(1).argmin()])
    return out


PROJECTIONS = ("pca", "umap")


def umap_available() -> bool:
    """Whether the optional ``umap`` package (umap-learn) can be imported here (it is not a requirement)."""
    import importlib.util

    return importlib.util.find_spec("umap") is not None


def project_2d(feats: np.ndarray, method: str = "pca", *, seed: int = 0) -> np.ndarray:
    """``(N, 2)`` coordinates of ``feats (N, F)`` drawn flat.

    ``"pca"`` (the default): the first two principal components (centred; numpy SVD), exact and
    instant. ``"umap"``: UMAP (McInnes et al. 2018) where the ``umap-learn`` package is installed;
    it keeps neighbourhoods rather than distances, and ``seed`` makes it repeatable.

    Raises:
        ValueError: an unknown method, or ``"umap"`` without the package (the message says so).
    """
    if method not in PROJECTIONS:
        raise UserInputError(f"projection must be one of {', '.join(PROJECTIONS)}, not {method!r}")
    if method == "umap":
        return _umap_2d(feats, seed)
    centred = feats - feats.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T


def _umap_2d(feats: np.ndarray, seed: int) -> np.ndarray:
    if not umap_available():
        raise UserInputError(
            "UMAP needs the optional 'umap-learn' package, which is not installed here; PCA is available"
        )
    import umap  # imported only when asked for: optional, and slow to import

    n_neighbors = max(2, min(15, len(feats) - 1))
    return np.asarray(umap.UMAP(n_neighbors=n_neighbors, random_state=seed).fit_transform(feats), dtype=np.float64)


__all__ = ["PROJECTIONS", "features", "nearest", "project_2d", "prototypes", "umap_available"]
