"""Splitting a single file into train and test: seeded, and keeping every class in train."""

from __future__ import annotations

import numpy as np

from lstmfcn.data.raw import RawSplit
from lstmfcn.errors import DataError


def split_train_test(raw: RawSplit, test_size: float = 0.3, seed: int = 0) -> tuple[RawSplit, RawSplit, dict]:
    """Seeded split of one file into train and test, keeping every class in train.

    Stratified (each class split in proportion) when every class has at least two samples;
    otherwise a plain seeded shuffle that first reserves one sample of each class for train,
    so a class seen once can still be learnt and the test labels stay among the train labels.

    Parameters
    ----------
    raw : RawSplit
        All samples, ``X`` of shape ``(N, V, T)``.
    test_size : float
        Fraction in ``(0, 1)`` of samples for the test split.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    (RawSplit, RawSplit, dict)
        Train, test (each in file order) and ``{"method", "test_size", "seed"}``.
    """
    if not 0.0 < float(test_size) < 1.0:
        raise DataError(f"test_size={test_size!r}; expected a fraction between 0 and 1")
    classes, inverse, counts = np.unique(raw.labels, return_inverse=True, return_counts=True)
    if classes.size < 2:
        raise DataError(f"{raw.source}: only one class ({str(classes[0])!r}); expected at least two to classify")
    rng = np.random.default_rng(seed)
    if counts.min() >= 2:
        method, test_index = "stratified", _stratified_test_index(inverse, counts, test_size, rng)
    else:
        method, test_index = "random", _random_test_index(inverse, test_size, rng)
    if test_index.size == 0:
        raise DataError(
            f"{raw.source}: {len(raw)} series are too few to hold out {test_size:.0%} for testing "
            "while keeping every class in train"
        )
    is_test = np.zeros(len(raw), dtype=bool)
    is_test[test_index] = True
    info = {"method": method, "test_size": float(test_size), "seed": int(seed)}
    return raw.subset(np.flatnonzero(~is_test)), raw.subset(np.flatnonzero(is_test)), info


def _stratified_test_index(
    inverse: np.ndarray, counts: np.ndarray, test_size: float, rng: np.random.Generator
) -> np.ndarray:
    picks = []
    for k, count in enumerate(counts):
        members = rng.permutation(np.flatnonzero(inverse == k))
        n_test = min(int(round(count * test_size)), count - 1)
        picks.append(members[:n_test])
    return np.sort(np.concatenate(picks))


def _random_test_index(inverse: np.ndarray, test_size: float, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(inverse.size)
    _, first = np.unique(inverse[order], return_index=True)  # first of each class in shuffled order
    candidates = np.delete(order, first)
    n_test = min(int(round(inverse.size * test_size)), candidates.size)
    return np.sort(candidates[:n_test])
