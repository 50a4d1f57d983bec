"""Data with a planted signal whose place is known: what an explanation should point at."""

from __future__ import annotations

import numpy as np


def planted_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 1, 100), y)``: class 1 has a Gaussian bump centred on step 50 (inside 40–60), class 0 is noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0.0, 1.0, (n, 1, 100)).astype(np.float32)
    t = np.arange(100)
    X[y == 1, 0] += (3.0 * np.exp(-0.5 * ((t - 50) / 4.0) ** 2)).astype(np.float32)
    return X, y


PLANTED_VARS, PLANTED_LENGTH, PLANTED_VARIABLE = 3, 64, 1
PLANTED_HALF_WIDTH = 6  # the burst (sigma 2 steps) lies within ±6 steps of its centre


def _burst(centre: int) -> np.ndarray:
    """``(T,)`` a Gaussian burst of height 3 and sigma 2 steps at ``centre``."""
    t = np.arange(PLANTED_LENGTH)
    return 3.0 * np.exp(-0.5 * ((t - centre) / 2.0) ** 2)


def planted_variable_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X (n, 3, 64), y (n,), centres (n,))``: class 1 has a burst in variable 1 at a random place.

    Variables 0 and 2 each carry a burst of the same shape at a random place in *every* sample, so a
    burst at some time step says nothing: only variable 1's decides the class. ``centres`` is where
    variable 1's burst is in class 1 (undefined, but drawn, for class 0).
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0.0, 0.5, (n, PLANTED_VARS, PLANTED_LENGTH))
    edge = PLANTED_HALF_WIDTH + 2
    centres = rng.integers(edge, PLANTED_LENGTH - edge, n)
    for i in range(n):
        for v in range(PLANTED_VARS):
            if v != PLANTED_VARIABLE:
                X[i, v] += _burst(rng.integers(edge, PLANTED_LENGTH - edge))
        if y[i] == 1:
            X[i, PLANTED_VARIABLE] += _burst(centres[i])
    return X.astype(np.float32), y, centres


def planted_variable_mask(centres: np.ndarray) -> np.ndarray:
    """``(n, V, T)`` bool: True on variable 1 within ±6 steps of each sample's burst centre."""
    mask = np.zeros((len(centres), PLANTED_VARS, PLANTED_LENGTH), bool)
    for i, c in enumerate(centres):
        mask[i, PLANTED_VARIABLE, c - PLANTED_HALF_WIDTH : c + PLANTED_HALF_WIDTH + 1] = True
    return mask


BUMP_LENGTH, BUMP_HALF_WIDTH = 64, 6  # the bump (sigma 2 steps) lies within ±6 steps of its centre


def planted_bump_anywhere(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X (n, 1, 64), y (n,), centres (n,))``: class 1 has a Gaussian bump (height 3, sigma 2) at a random
    place, class 0 is noise (sigma 0.5); ``centres`` is drawn for every sample, used by class 1 only."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0.0, 0.5, (n, 1, BUMP_LENGTH))
    edge = BUMP_HALF_WIDTH + 2
    centres = rng.integers(edge, BUMP_LENGTH - edge, n)
    for i in np.flatnonzero(y == 1):
        X[i, 0] += _burst(centres[i])
    return X.astype(np.float32), y, centres


# Two variables each carry one class's evidence in a fixed window; the others only distractors.
IMPORTANCE_VARS, IMPORTANCE_LENGTH = 4, 60
IMPORTANCE_EVIDENCE = {1: (1, (10, 20)), 2: (2, (40, 50))}
"""class → (its variable, its window ``[start, stop)``): where that class's burst always is."""


def planted_importance_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 4, 60), y (n,))`` for permutation importance with a known answer.

    Class 1 has a burst (height 3, sigma 2) centred in variable 1's window 10–19, class 2 in variable 2's
    window 40–49, class 0 has none. Variables 0 and 3 carry a burst at a random place in every series
    (distractors: a burst there says nothing).
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(0.0, 0.5, (n, IMPORTANCE_VARS, IMPORTANCE_LENGTH))
    t = np.arange(IMPORTANCE_LENGTH)
    for i in range(n):
        for v in (0, 3):
            X[i, v] += 3.0 * np.exp(-0.5 * ((t - rng.integers(8, IMPORTANCE_LENGTH - 8)) / 2.0) ** 2)
        if y[i] in IMPORTANCE_EVIDENCE:
            v, (a, b) = IMPORTANCE_EVIDENCE[y[i]]
            X[i, v] += 3.0 * np.exp(-0.5 * ((t - rng.integers(a + 3, b - 3)) / 2.0) ** 2)
    return X.astype(np.float32), y
