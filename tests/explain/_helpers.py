"""Helpers for the explanation tests: tiny models of every variant and planted-signal data."""

from __future__ import annotations

import numpy as np
import torch

from lstmfcn.models import ARCHITECTURES, ModelConfig, build_model

T_TINY = 24
K_TINY = 3

VARIANTS = [(arch, shuffle, v) for arch in ARCHITECTURES for shuffle in (True, False) for v in (1, 3)]
"""Every architecture × dimension shuffle on/off × univariate/multivariate."""


def tiny_model(arch: str, shuffle: bool = True, n_vars: int = 1, length: int = T_TINY, n_classes: int = K_TINY):
    """A small untrained model in eval mode, with non-trivial BatchNorm statistics.

    Fresh BatchNorm layers (mean 0, var 1, γ 1, β 0) make DeepLift's references collapse onto
    zero; random statistics keep every code path honest.
    """
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch, n_vars=n_vars, length=length, n_classes=n_classes, cells=4, shuffle=shuffle, filters=(8, 16, 8)
    )
    model = build_model(cfg)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)
    return model.eval()


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
