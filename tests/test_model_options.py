"""The model options foreign LSTM-FCNs need (issue #28): stacked, bidirectional and hard-sigmoid
LSTMs and what the head reads. Defaults are the papers' model; every option keeps the padding
guarantee (a padded series gets the logits of the series alone) and survives a checkpoint."""

from __future__ import annotations

import pytest
import torch

from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.models import LSTMFCN, ModelConfig

OPTIONS = [
    {"lstm_layers": 2, "bidirectional": True, "lstm_readout": "last_step"},
    {"lstm_layers": 2, "bidirectional": True, "lstm_readout": "state"},
    {"lstm_gates": "hard_sigmoid_keras2"},
    {"lstm_gates": "hard_sigmoid_keras3"},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("shuffle", [False, True])
def test_padding_leaves_the_logits_of_the_series_alone(options, shuffle):
    torch.manual_seed(0)
    config = ModelConfig("mlstmfcn", 3, 20, 4, cells=5, shuffle=shuffle, filters=(8, 16, 8), **options)
    model = LSTMFCN(config).eval()
    x = torch.randn(2, 3, 20)
    x[1, :, 12:] = 0
    padded = model(x, torch.tensor([20, 12]))[1]
    if shuffle:  # the LSTM reads the padded series as T features: only the conv branch can ignore padding
        assert torch.isfinite(padded).all()
    else:
        torch.testing.assert_close(padded, model(x[1:2, :, :12])[0], rtol=1e-5, atol=1e-6)
    again, _ = load_checkpoint_bytes(checkpoint_bytes(model, {"classes": list("abcd")}), "m.safetensors")
    assert again.config == config
    torch.testing.assert_close(again(x), model(x))


def test_the_defaults_are_the_papers_model():
    config = ModelConfig("lstmfcn", 1, 150, 2)
    assert (config.lstm_layers, config.bidirectional, config.lstm_readout, config.lstm_gates) == (
        1,
        False,
        "state",
        "sigmoid",
    )
    assert isinstance(LSTMFCN(config).lstm, torch.nn.LSTM) and config.lstm_features == 8
    assert ModelConfig("lstmfcn", 1, 150, 2, cells=8, bidirectional=True).lstm_features == 16


@pytest.mark.parametrize(
    "options",
    [{"lstm_readout": "first"}, {"lstm_gates": "relu"}, {"lstm_layers": 0}],
)
def test_unknown_options_are_refused(options):
    with pytest.raises(ValueError):
        ModelConfig("lstmfcn", 1, 150, 2, **options)


@pytest.mark.parametrize(
    "options", [{"bidirectional": True}, {"lstm_layers": 2}, {"lstm_gates": "hard_sigmoid_keras2"}]
)
def test_the_attention_lstm_keeps_its_one_layer_one_direction_and_sigmoid(options):
    with pytest.raises(ValueError, match="attention LSTM"):
        ModelConfig("alstmfcn", 1, 150, 2, **options)
