"""The attention LSTM's fast loop (one autograd node, hand-written backward) computes the papers'
equations: outputs and every gradient, with and without padding, in full and mixed precision."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.models import AttentionLSTM, ModelConfig
from lstmfcn.models.attention_recurrence import _SPLIT_MIN_ELEMENTS, _AttentionMap
from lstmfcn.training import TrainConfig, fit
from tests.helpers.attention_reference import attention_lstm_by_the_equations

# (features F, steps S, lengths or None): F = 1 is attention over time on a univariate series (the
# cell's one-feature fast path), F = 3 a multivariate one, S = 1 or 2 the shuffle-on cell.
CASES = [(1, 40, [40, 25, 1, 40]), (3, 40, [40, 25, 9, 40]), (3, 23, None), (1, 31, None), (50, 2, None)]


def _cell(f: int, seed: int = 3) -> AttentionLSTM:
    torch.manual_seed(seed)
    cell = AttentionLSTM(f, 5).double()
    with torch.no_grad():  # a non-zero attention bias, so that the bias' gradient is exercised too
        cell.att_input.bias.normal_(0, 0.5)
    return cell


def _mask(s: int, lengths: list[int] | None) -> torch.Tensor | None:
    return None if lengths is None else torch.arange(s)[None] < torch.tensor(lengths)[:, None]


def _outputs_and_gradients(cell, seq, mask, weights, run):
    """``run``'s outputs and the gradients of ``Σ weights · outputs`` w.r.t. the input and every parameter."""
    x = seq.clone().requires_grad_(True)
    outputs = run(cell, x, mask)
    loss = sum((w * out).sum() for w, out in zip(weights, outputs, strict=True) if w is not None)
    return outputs, torch.autograd.grad(loss, [x, *cell.parameters()])


def _assert_same(fast, reference):
    for a, b in zip(fast, reference, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("f,s,lengths", CASES)
def test_cell_computes_the_papers_equations_and_their_gradients(f, s, lengths):
    """Sigmoid energies, fused matmuls and the hand-written backward equal tanh Bahdanau scoring
    through autograd in float64: h, α, contexts, and the gradients of all three w.r.t. the input
    and every weight."""
    cell = _cell(f)
    seq = torch.randn(4, s, f, dtype=torch.float64)
    mask = _mask(s, lengths)
    g = torch.Generator().manual_seed(7)
    weights = [torch.randn(4, 5, generator=g, dtype=torch.float64)]
    weights += [torch.randn(4, s, s, generator=g, dtype=torch.float64), torch.randn(4, s, f, generator=g).double()]
    fast_out, fast_grads = _outputs_and_gradients(cell, seq, mask, weights, lambda c, x, m: c(x, m))
    ref_out, ref_grads = _outputs_and_gradients(cell, seq, mask, weights, attention_lstm_by_the_equations)
    _assert_same(fast_out, ref_out)
    _assert_same(fast_grads, ref_grads)


@pytest.mark.slow
def test_split_sigmoid_of_a_large_map_computes_the_same_equations():
    """A map of ``B·H·S ≥ 8192`` elements takes ``σ(k + q)`` as ``1 / (1 + e^{-k} e^{-q})``: in
    float64 outputs and gradients still equal the papers' equations, padded rows included."""
    cell = _cell(1, seed=11)
    b, s = 16, 120
    seq = torch.randn(b, s, 1, dtype=torch.float64)
    assert b * cell.hidden_size * s >= _SPLIT_MIN_ELEMENTS
    with torch.no_grad():
        assert _AttentionMap.choose(2 * cell.att_input(seq).transpose(1, 2), 2 * cell.att_hidden.weight).split
    mask = _mask(s, [s, 70, 3, s] * 4)
    g = torch.Generator().manual_seed(2)
    weights = [torch.randn(b, 5, generator=g, dtype=torch.float64), None, None]
    fast_out, fast_grads = _outputs_and_gradients(cell, seq, mask, weights, lambda c, x, m: c(x, m))
    ref_out, ref_grads = _outputs_and_gradients(cell, seq, mask, weights, attention_lstm_by_the_equations)
    _assert_same(fast_out, ref_out)
    _assert_same(fast_grads, ref_grads)


@pytest.mark.slow
@pytest.mark.parametrize("b", [4, 16])
def test_input_gradient_alone_equals_the_equations(b):
    """With the weights frozen, as explanations run the cell, backward skips the score's gradient
    and fuses the map's sigmoid derivative: the input gradient still equals the equations', with
    the plain sigmoid (b = 4) and the split one (b = 16)."""
    cell = _cell(1, seed=13).requires_grad_(False)
    seq = torch.randn(b, 120, 1, dtype=torch.float64)
    mask = _mask(120, ([120, 41, 7, 120] * 4)[:b])
    w = torch.randn(b, 5, dtype=torch.float64)
    grads = []
    for run in (lambda x: cell(x, mask), lambda x: attention_lstm_by_the_equations(cell, x, mask)):
        x = seq.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((w * run(x)[0]).sum(), x)
        grads.append(g)
    torch.testing.assert_close(grads[0], grads[1], atol=1e-12, rtol=1e-10)


def test_the_split_is_refused_where_a_factor_could_overflow_and_its_map_equals_the_sigmoid():
    g = torch.Generator().manual_seed(0)
    keys = torch.randn(32, 8, 150, generator=g) * 4
    w_att = torch.randn(8, 8, generator=g)
    query = torch.randn(32, 8, generator=g) * 4
    split = _AttentionMap.choose(keys, w_att)
    assert split.split
    out = torch.empty_like(keys)
    torch.testing.assert_close(split(query, out), torch.sigmoid(keys + query[:, :, None]), atol=3e-7, rtol=0)
    for bad_keys, bad_w in ((keys * 30, w_att), (keys, w_att * 30), (keys.clone().fill_(float("nan")), w_att)):
        plain = _AttentionMap.choose(bad_keys, bad_w)
        assert not plain.split
        torch.testing.assert_close(plain(query, out), torch.sigmoid(bad_keys + query[:, :, None]), equal_nan=True)
    assert not _AttentionMap.choose(keys[:1, :, :100], w_att).split  # a small map: one sigmoid kernel is cheaper


@pytest.mark.parametrize("used", [0, 1, 2])
def test_each_output_alone_backpropagates(used):
    """A loss on h alone (IG, saliency), on α alone or on the contexts alone: the outputs left out
    send no gradient, and what comes back still equals the reference."""
    cell = _cell(3, seed=5)
    seq = torch.randn(3, 17, 3, dtype=torch.float64)
    mask = _mask(17, [17, 10, 4])
    shapes = [(3, 5), (3, 17, 17), (3, 17, 3)]
    weights = [torch.randn(shape, dtype=torch.float64) if k == used else None for k, shape in enumerate(shapes)]
    _, fast = _outputs_and_gradients(cell, seq, mask, weights, lambda c, x, m: c(x, m))
    _, ref = _outputs_and_gradients(cell, seq, mask, weights, attention_lstm_by_the_equations)
    _assert_same(fast, ref)


@pytest.mark.slow
def test_hand_written_backward_passes_gradcheck():
    """Finite differences agree with the analytic gradient of every output (float64)."""
    cell = _cell(2)
    x = torch.randn(2, 6, 2, dtype=torch.float64, requires_grad=True)
    mask = _mask(6, [6, 4])
    assert torch.autograd.gradcheck(lambda x: cell(x, mask), (x,))


@pytest.mark.parametrize("f", [1, 3])
def test_padded_steps_change_nothing_and_get_no_gradient(f):
    """Whatever sits in the padded steps, a padded series with its mask gives the final state of
    the series alone, the same input gradient on its valid steps, and none on the padded ones."""
    torch.manual_seed(0)
    cell = AttentionLSTM(f, 8)
    alone = torch.randn(1, 19, f, requires_grad=True)
    padded = torch.cat([alone.detach(), 5 * torch.randn(1, 11, f)], dim=1).requires_grad_(True)
    mask = _mask(30, [19])
    h_alone, _, _ = cell(alone)
    h_padded, _, _ = cell(padded, mask)
    torch.testing.assert_close(h_padded, h_alone, atol=1e-6, rtol=1e-5)
    (g_alone,) = torch.autograd.grad(h_alone.pow(2).sum(), alone)
    (g_padded,) = torch.autograd.grad(h_padded.pow(2).sum(), padded)
    torch.testing.assert_close(g_padded[:, :19], g_alone, atol=1e-6, rtol=1e-5)
    assert torch.all(g_padded[:, 19:] == 0)


@pytest.mark.slow
def test_mixed_precision_runs_and_trains():
    """Under bfloat16 autocast (``train --amp``) the loop runs in the weights' precision: its
    result stays near full precision and an attention-over-time model still learns."""
    torch.manual_seed(0)
    cell = AttentionLSTM(1, 8)
    seq = torch.randn(4, 30, 1)
    h32, a32, _ = cell(seq)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h16, a16, _ = cell(seq)
    assert h16.dtype == torch.float32
    torch.testing.assert_close(h16, h32, atol=0.05, rtol=0.05)
    torch.testing.assert_close(a16, a32, atol=0.02, rtol=0.05)
    g = np.random.default_rng(0)
    y = np.arange(16) % 2
    x = (g.normal(0, 0.3, (16, 1, 24)) + (2 * y - 1)[:, None, None] * (np.arange(24) > 12)).astype(np.float32)
    cfg = TrainConfig(epochs=12, batch_size=8, device="cpu", seed=0, amp=True)
    _, result = fit(x, y, None, ModelConfig("alstmfcn", 1, 24, 2, shuffle=False), cfg)
    losses = result.history["loss"]
    assert np.isfinite(losses).all() and min(losses[-3:]) < losses[0], losses
