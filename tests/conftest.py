"""Shared fixtures: the embedded GunPoint data and models trained on it once per test session.

Training uses the papers' recipe shortened to 150 epochs (about 10-20 s on 2 CPU cores); the
BatchNorm re-estimation after training is what makes such a short run score > 0.93.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn import load_dataset
from lstmfcn.training import TrainConfig
from lstmfcn.workflow import train_on_dataset

SHORT = TrainConfig(epochs=150, device="cpu", seed=0)


@pytest.fixture(scope="session")
def gunpoint():
    """The embedded GunPoint dataset: 50 train / 150 test series of length 150, 2 classes."""
    return load_dataset("GunPoint")


@pytest.fixture(scope="session")
def trained_lstmfcn(gunpoint):
    """``(model, metadata)``: LSTM-FCN (shuffle on, 8 cells) trained on GunPoint for 150 epochs."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    return train_on_dataset(gunpoint, "lstmfcn", config=SHORT)


@pytest.fixture(scope="session")
def trained_alstmfcn(gunpoint):
    """``(model, metadata)``: ALSTM-FCN with the shuffle off (attention over time) on GunPoint."""
    return train_on_dataset(gunpoint, "alstmfcn", shuffle=False, config=SHORT)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
