"""Do two explanation methods tell the same story? Spearman rank correlation per sample.

Two maps of one sample are compared over its valid ``(V, T)`` entries by Spearman's rank
correlation: 1 means the same ordering of importance, 0 unrelated, -1 reversed. Maps that are
constant over a sample (no ranking) give NaN, which the averages skip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import ArrayLike


def spearman_per_sample(
    a: np.ndarray, b: np.ndarray, lengths: ArrayLike | None = None, *, absolute: bool = False
) -> np.ndarray:
    """``(N,)`` Spearman correlation between ``a[n]`` and ``b[n]``, both ``(N, V, T)``.

    Args:
        a, b: attributions of the same samples.
        lengths: ``(N,)`` valid steps; padded steps are left out.
        absolute: compare ``|a|`` and ``|b|`` (importance regardless of sign, as in Adebayo et
            al.'s sanity checks) instead of the signed values.
    """
    from scipy.stats import rankdata

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(f"both maps must have the same (N, V, T) shape, got {a.shape} and {b.shape}")
    if absolute:
        a, b = np.abs(a), np.abs(b)
    n, _, total = a.shape
    lens = np.full(n, total) if lengths is None else np.asarray(lengths)
    out = np.full(n, np.nan)
    for length in np.unique(lens):  # one vectorised pass per distinct valid length
        idx = np.flatnonzero(lens == length)
        ra = rankdata(a[idx, :, :length].reshape(len(idx), -1), axis=1)
        rb = rankdata(b[idx, :, :length].reshape(len(idx), -1), axis=1)
        out[idx] = _row_pearson(ra, rb)
    return out


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=1) / den, np.nan)


@dataclass
class AgreementResult:
    """Pairwise Spearman agreement between methods.

    Attributes:
        methods: method names, the order of the matrix axes.
        per_sample: ``(N, M, M)`` correlation of every pair of methods for every sample.
        mean: ``(M, M)`` mean over samples (NaNs skipped).
        per_class: ``(K, M, M)`` mean over the samples of each class (NaN for an empty class), or
            None when no labels were given.
    """

    methods: list[str]
    per_sample: np.ndarray
    mean: np.ndarray
    per_class: np.ndarray | None = None


def method_agreement(
    attributions: dict[str, np.ndarray],
    *,
    labels: ArrayLike | None = None,
    n_classes: int | None = None,
    lengths: ArrayLike | None = None,
    absolute: bool = False,
) -> AgreementResult:
    """Spearman correlation between every pair of methods, per sample, overall and per class.

    Args:
        attributions: method name → ``(N, V, T)`` map, all for the same samples and targets.
        labels: ``(N,)`` class of each sample (true or predicted) for the per-class averages.
        n_classes: number of classes ``K`` (default ``max(labels) + 1``).
        lengths: ``(N,)`` valid steps or None.
        absolute: compare absolute values.
    """
    names = list(attributions)
    if not names:
        raise ValueError("method_agreement needs at least one attribution")
    n = np.shape(attributions[names[0]])[0]
    m = len(names)
    per_sample = np.full((n, m, m), np.nan)
    for i in range(m):
        per_sample[:, i, i] = 1.0
        for j in range(i + 1, m):
            r = spearman_per_sample(attributions[names[i]], attributions[names[j]], lengths, absolute=absolute)
            per_sample[:, i, j] = per_sample[:, j, i] = r
    mean = _nanmean(per_sample, axis=0)
    per_class = None
    if labels is not None:
        labels = np.asarray(labels)
        k = int(n_classes if n_classes is not None else labels.max() + 1)
        per_class = np.full((k, m, m), np.nan)
        for c in range(k):
            if (labels == c).any():
                per_class[c] = _nanmean(per_sample[labels == c], axis=0)
    return AgreementResult(names, per_sample, mean, per_class)


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """Mean over ``axis`` skipping NaN; NaN where every value is NaN (no warning)."""
    ok = np.isfinite(a)
    count = ok.sum(axis=axis)
    total = np.where(ok, a, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
