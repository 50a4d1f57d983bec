"""Fixtures for the explanation tests: the trained GunPoint model and planted-signal models."""

from __future__ import annotations

import pytest

from lstmfcn.models import ModelConfig
from lstmfcn.training import TrainConfig, fit
from tests.helpers.planted import planted_data, planted_variable_data


def pytest_collection_modifyitems(items):
    # Captum's DeepLift warns on every call that it hooks the model; ours is a private copy. The
    # package filters it at import, but pytest resets warning filters for each test.
    for item in items:
        if "explain" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning"))


@pytest.fixture(scope="session")
def gunpoint_model(trained_lstmfcn):
    """The session's trained LSTM-FCN on GunPoint."""
    return trained_lstmfcn[0]


@pytest.fixture(scope="session")
def planted():
    """``(model, X_test, y_test)``: a small LSTM-FCN trained briefly on the planted-bump data."""
    X, y = planted_data(80, 0)
    cfg = ModelConfig("lstmfcn", n_vars=1, length=100, n_classes=2, filters=(16, 32, 16))
    model, _ = fit(X, y, None, cfg, TrainConfig(epochs=60, batch_size=32, device="cpu", seed=0))
    Xt, yt = planted_data(40, 1)
    return model, Xt, yt


@pytest.fixture(scope="session")
def planted_variable():
    """``(model, X_train, y_train, X_test, y_test, centres_test)``: an MLSTM-FCN trained briefly on data whose
    class is decided by a burst in one variable of three, at a random place (see ``planted_variable_data``)."""
    X, y, _ = planted_variable_data(120, 0)
    cfg = ModelConfig("mlstmfcn", n_vars=X.shape[1], length=X.shape[-1], n_classes=2, filters=(16, 32, 16))
    model, _ = fit(X, y, None, cfg, TrainConfig(epochs=30, batch_size=32, device="cpu", seed=0))  # ~2 s
    Xt, yt, centres = planted_variable_data(40, 1)
    return model, X, y, Xt, yt, centres
