"""Splitting a single file into train and test: seeded, and keeping every class in train."""

from __future__ import annotations

import numpy as np

from lstmfcn.data.raw import RawSplit
from lstmfcn.errors import DataError

#: The fraction of a single file held out for testing, unless the caller says otherwise.
DEFAULT_TEST_SIZE = 0.3


def split_train_test(
    raw: RawSplit, test_size: float = DEFAULT_TEST_SIZE, seed: int = 0
) -> tuple[RawSplit, RawSplit, dict]:
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
    """Each class's share of the ``N * test_size`` test samples (:func:`_n_test`), by largest remainder.

    Rounding each class on its own drifts far from the stated ratio when classes are small (two
    samples each: ``round(0.6) = 1``, a 50/50 split); the total is fixed first instead, and each
    class keeps at least one sample in train.
    """
    n_test = _per_class_test_counts(counts, test_size)
    picks = [rng.permutation(np.flatnonzero(inverse == k))[:n] for k, n in enumerate(n_test)]
    return np.sort(np.concatenate(picks))


def _n_test(n: int, test_size: float) -> int:
    """How many of ``n`` samples the test split holds: ``n * test_size`` rounded half up (16.5 → 17)."""
    return int(np.floor(n * test_size + 0.5))


def _per_class_test_counts(counts: np.ndarray, test_size: float) -> np.ndarray:
    """How many test samples each class gives: ``(K,)`` ints summing to :func:`_n_test`
    (less only when every class is down to one training sample)."""
    ideal = counts * test_size
    n_test = np.minimum(np.floor(ideal).astype(int), counts - 1)
    missing = _n_test(int(counts.sum()), test_size) - int(n_test.sum())
    # Largest remainders first; ties go to the larger class, then to the earlier label (stable).
    order = np.lexsort((-counts, -(ideal - n_test)))
    for k in order:
        if missing <= 0:
            break
        if n_test[k] < counts[k] - 1:
            n_test[k] += 1
            missing -= 1
    return n_test


def _random_test_index(inverse: np.ndarray, test_size: float, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(inverse.size)
    _, first = np.unique(inverse[order], return_index=True)  # first of each class in shuffled order
    candidates = np.delete(order, first)
    n_test = min(_n_test(inverse.size, test_size), candidates.size)
    return np.sort(candidates[:n_test])


def split_sentence(split: dict | None, n_train: int, n_test: int) -> str | None:
    """How a single file was split, in words, e.g. ``"split 70/30 by us, stratified by class, seed 0:
    52 train, 22 test"``; None for a dataset that came with its own train and test.

    Parameters
    ----------
    split : dict or None
        ``Dataset.preprocessing["split"]`` (:func:`split_train_test`'s record).
    n_train, n_test : int
        The sizes of the two splits.
    """
    if not split:
        return None
    test = float(split.get("test_size", DEFAULT_TEST_SIZE))
    how = {"stratified": "stratified by class", "random": "at random, one of each class kept in train"}
    method = how.get(str(split.get("method")), str(split.get("method", "")))
    ratio = f"{round(100 * (1 - test))}/{round(100 * test)}"
    return f"split {ratio} by us, {method}, seed {split.get('seed', 0)}: {n_train} train, {n_test} test"
