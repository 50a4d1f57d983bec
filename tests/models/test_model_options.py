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


@pytest.mark.parametrize("options", [{"bidirectional": True}, {"lstm_layers": 2}])
def test_the_attention_lstm_keeps_its_one_layer_and_one_direction(options):
    with pytest.raises(ValueError, match="attention LSTM"):
        ModelConfig("alstmfcn", 1, 150, 2, **options)


@pytest.mark.parametrize("slope", [0.2, 1 / 6])
@pytest.mark.parametrize("masked", [False, True])
def test_the_attention_lstm_with_hard_sigmoid_gates_follows_its_equations(slope, masked):
    """The authors' Keras 2 AttentionLSTM has hard-sigmoid gates: the fast cell's forward and its
    hand-written backward against the equations written out with autograd."""
    from lstmfcn.models import AttentionLSTM
    from tests.helpers.attention_reference import attention_lstm_by_the_equations

    torch.manual_seed(1)
    cell = AttentionLSTM(5, 6, gate_slope=slope).double()
    for p in cell.parameters():
        torch.nn.init.normal_(p, std=0.8)  # wide enough that some gates saturate at 0 or 1
    seq = torch.randn(3, 7, 5, dtype=torch.float64, requires_grad=True)
    mask = torch.arange(7)[None, :] < torch.tensor([[7], [4], [6]]) if masked else None

    def hard(z):
        return torch.clamp(slope * z + 0.5, 0.0, 1.0)

    h, alphas, _ = cell(seq, mask)
    h_ref, alphas_ref, _ = attention_lstm_by_the_equations(cell, seq, mask, gate=hard)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(alphas, alphas_ref)
    w = torch.randn_like(h)
    params = list(cell.parameters())
    grads = torch.autograd.grad((h * w).sum(), [seq, *params])
    grads_ref = torch.autograd.grad((h_ref * w).sum(), [seq, *params])
    for g, g_ref in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, g_ref)


def test_every_architecture_and_option_provides_the_declared_interface():
    """The architecture table answers "which kind is it?"; every model, imported options included,
    provides what explainers use (:class:`lstmfcn.models.ExplainableModel`)."""
    from lstmfcn.models import ARCH_NAMES, ARCHITECTURE_TABLE, ARCHITECTURES, ExplainableModel

    assert ARCHITECTURES == tuple(ARCHITECTURE_TABLE) and set(ARCH_NAMES) == set(ARCHITECTURES)
    for key, arch in ARCHITECTURE_TABLE.items():
        config = ModelConfig(key, 2, 30, 3, filters=(8, 16, 8))
        assert (config.attention, config.squeeze_excite) == (arch.attention, arch.squeeze_excite)
        assert isinstance(LSTMFCN(config), ExplainableModel)
    for options in OPTIONS:
        assert isinstance(LSTMFCN(ModelConfig("lstmfcn", 2, 30, 3, filters=(8, 16, 8), **options)), ExplainableModel)
    assert not isinstance(torch.nn.Linear(2, 2), ExplainableModel)
