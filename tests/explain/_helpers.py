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
