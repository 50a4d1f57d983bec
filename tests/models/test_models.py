"""Every architecture × shuffle × V × T: right shapes, finite logits, trainable, padding-exact."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lstmfcn.models import ARCHITECTURES, ModelConfig, build_model
from lstmfcn.training import TrainConfig, fit

VARIANTS = list(itertools.product(ARCHITECTURES, [True, False], [1, 3], [24, 61]))


def _toy(n: int, v: int, t: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes told apart by the sign of a bump in the middle: learnable in a few epochs."""
    g = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = g.normal(0, 0.3, size=(n, v, t)).astype(np.float32)
    bump = np.exp(-0.5 * ((np.arange(t) - t / 2) / (t / 10)) ** 2).astype(np.float32)
    x += (2 * y - 1)[:, None, None] * bump
    return x, y


@pytest.mark.parametrize("arch,shuffle,v,t", VARIANTS)
def test_logits_shape_and_finite(arch, shuffle, v, t):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch, n_vars=v, length=t, n_classes=3, shuffle=shuffle)).eval()
    logits = model(torch.randn(5, v, t))
    assert logits.shape == (5, 3)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("arch,shuffle", list(itertools.product(ARCHITECTURES, [True, False])))
def test_every_variant_trains(arch, shuffle):
    x, y = _toy(16, 3, 24)
    cfg = TrainConfig(epochs=12, batch_size=8, device="cpu", seed=0)
    _, result = fit(x, y, None, ModelConfig(arch, 3, 24, 2, shuffle=shuffle), cfg)
    losses = result.history["loss"]
    assert len(losses) == 12
    assert min(losses[-3:]) < losses[0], f"loss did not fall: {losses}"


def test_attention_exposes_alignment_and_contexts():
    model = build_model(ModelConfig("alstmfcn", 2, 30, 2, shuffle=False)).eval()
    d = model.forward_details(torch.randn(4, 2, 30))
    assert d.attention.shape == (4, 30, 30) and d.contexts.shape == (4, 30, 2)
    torch.testing.assert_close(d.attention.sum(-1), torch.ones(4, 30))
    on = build_model(ModelConfig("alstmfcn", 1, 30, 2, shuffle=True)).eval()
    d1 = on.forward_details(torch.randn(4, 1, 30))
    # Shuffle on with one variable: a single attended step, so the attention is trivially 1.
    assert d1.attention.shape == (4, 1, 1) and torch.all(d1.attention == 1)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_padding_does_not_change_prediction(arch):
    """Shuffle off: a zero-padded series with its length gives the logits of the series alone."""
    torch.manual_seed(1)
    model = build_model(ModelConfig(arch, 3, 50, 4, shuffle=False)).eval()
    x = torch.randn(3, 3, 50)
    x[1, :, 30:] = 0
    x[2, :, 11:] = 0
    lengths = torch.tensor([50, 30, 11])
    padded = model(x, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = model(x[i : i + 1, :, :n])
        torch.testing.assert_close(padded[i : i + 1], alone, atol=1e-5, rtol=1e-5)


def test_head_rows_split_between_branches():
    cfg = ModelConfig("lstmfcn", 1, 20, 3, cells=8)
    model = build_model(cfg)
    assert model.head_lstm_weight.shape == (3, 8)
    assert model.head_conv_weight.shape == (3, 128)
    assert torch.equal(torch.cat([model.head_lstm_weight, model.head_conv_weight], 1), model.head.weight)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown architecture"):
        ModelConfig("resnet", 1, 10, 2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        ModelConfig("lstmfcn", 1, 10, 1)
    cfg = ModelConfig("malstmfcn", 4, 10, 3, shuffle=False)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg


def test_the_architecture_table_answers_which_kind_a_model_is():
    """Every "does it attend?" and "which key is attention plus squeeze-and-excite?" is the table's
    answer, so a new row is all a new member needs; a key not in the table (a foreign checkpoint's)
    does not attend."""
    from lstmfcn.models import ARCHITECTURE_TABLE, architecture_key, attends

    for key, a in ARCHITECTURE_TABLE.items():
        assert attends(key) is a.attention
        found = ARCHITECTURE_TABLE[architecture_key(attention=a.attention, squeeze_excite=a.squeeze_excite)]
        assert (found.attention, found.squeeze_excite) == (a.attention, a.squeeze_excite)
    # the papers' four, what importers find in Keras, tsai and sktime models, come first in the table
    assert [architecture_key(attention=at, squeeze_excite=se) for se in (False, True) for at in (False, True)] == [
        "lstmfcn",
        "alstmfcn",
        "mlstmfcn",
        "malstmfcn",
    ]
    assert attends("alstmfcn") and not attends("mlstmfcn") and not attends("gru-something")


def test_no_module_decides_the_kind_by_the_key_s_spelling():
    """Outside the table, code asks the table (attends, architecture_key), never spells the keys in
    a condition: three places once did, and a new member would have been misdescribed there."""
    import re

    from tests.helpers.shipped import ROOT

    spelled = re.compile(r"""in \(\s*["']m?a?lstmfcn["']|startswith\(\(\s*["']a["']|\(True, True\): ["']malstmfcn""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("lstmfcn", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "config.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if spelled.search(line) and " for " not in f" {line}"  # a list of what ships is no condition
    ]
    assert not found, found
