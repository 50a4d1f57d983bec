"""A model trained on data whose answer is planted (see ``planted_importance_data``)."""

from __future__ import annotations

import pytest

from lstmfcn.models import ModelConfig
from lstmfcn.training import TrainConfig, fit
from tests.helpers.planted import planted_importance_data


@pytest.fixture(scope="session")
def planted_importance():
    """``(model, X_test, y_test)``: an MLSTM-FCN (LSTM over time, so each variable has its own LSTM
    input weights) trained briefly on the planted data; it must have learned it."""
    X, y = planted_importance_data(150, 0)
    cfg = ModelConfig(
        "mlstmfcn", n_vars=X.shape[1], length=X.shape[-1], n_classes=3, filters=(16, 32, 16), shuffle=False
    )
    model, _ = fit(X, y, None, cfg, TrainConfig(epochs=40, batch_size=32, device="cpu", seed=0))
    Xt, yt = planted_importance_data(90, 1)
    return model, Xt, yt


def blind_copy(model, variables=slice(None)):
    """A copy of ``model`` that cannot see ``variables`` (default: any): their first conv layer and
    LSTM input weights are zero, so those inputs reach no logit."""
    import torch

    blind = type(model)(model.config)
    blind.load_state_dict(model.state_dict())
    blind.eval()
    with torch.no_grad():
        blind.block1.conv.weight[:, variables] = 0  # the conv branch's only view of the input
        blind.lstm.weight_ih_l0[:, variables] = 0  # the LSTM's (it reads T steps of V values)
    return blind
