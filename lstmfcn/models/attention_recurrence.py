"""The attention LSTM's loop over time as one autograd node with a hand-written backward.

Everything that does not depend on the recurrent state (the attention keys, the input and context
projections of the gates) is computed once, outside, by :class:`AttentionLSTM`; what is left
needs ``h_{t-1}`` and runs here step by step. What makes it fast on a CPU:

- autograd records nothing inside the loop: each step is ~16 kernels forward and ~15 backward
  with no graph node, saved-tensor bookkeeping or gradient accumulation in between. At one sample
  of IG-32 (a ``(32, S, 8)`` map) the loop is bound by that dispatch overhead, not arithmetic;
- the attention map ``σ(keys + q_t)`` is never stored. Backward recomputes it for each step into
  one reused buffer that stays in L2 (1 MiB at ``(32, 1024, 8)``), instead of streaming ``S``
  saved maps (1 GiB at that size) back from memory;
- the map is laid out ``(B, H, S)``, the long axis innermost: adding the query and weighting by
  the attention's gradient broadcast along the outer axes, which torch's CPU kernels vectorise,
  where ``(B, S, H)`` broadcast along an innermost axis of 8 (2-4× slower at ``(32, 1024, 8)``).

Gradients that sum over steps (the recurrent and context weights, the keys, the attention's
score vector) are accumulated in place or formed by one matmul after the loop.
"""

from __future__ import annotations

from functools import partial

import torch
from torch.autograd.function import once_differentiable

_sigmoid_backward = torch.ops.aten.sigmoid_backward  # (grad, σ) → grad·σ·(1 − σ), one kernel
_tanh_backward = torch.ops.aten.tanh_backward  # (grad, tanh) → grad·(1 − tanh²)
_sigmoid_backward_into = torch.ops.aten.sigmoid_backward.grad_input  # the same into a buffer, broadcasting grad

#: Both factors of the split sigmoid (see :class:`_AttentionMap`) stay finite and normal below
#: this bound on ``|keys|`` and ``|q_t|`` in float32 (e^80 ≈ 5.5e34, e^-80 ≈ 1.8e-35).
_SPLIT_BOUND = 80.0

#: Below this many map elements (B·H·S) a step's map is cheaper as one sigmoid than as the split's
#: three kernels: dispatch, not arithmetic, is the cost there.
_SPLIT_MIN_ELEMENTS = 8192


class _AttentionMap:
    """``σ(keys + q_t)`` for one step at a time, into a reused ``(B, H, S)`` buffer.

    On the CPU torch's sigmoid kernel vectorises poorly on AVX2 (163 µs at ``(256, 8, 150)``
    against 74 µs for the split below), and the map is the loop's O(S²) cost. Since
    ``σ(k + q) = 1 / (1 + e^{-k} e^{-q})`` and ``e^{-k}`` is the same at every step, each step can
    be a multiply, an add and a reciprocal, which vectorise. The split is used only where both
    factors are finite and normal, ``|keys|, |q_t| < 80`` (``|q_t| ≤ max_i Σ_j |w_att[i, j]|``
    since ``|h| ≤ 1``); it differs from the sigmoid by float rounding (≤ 2e-7 in float32).
    """

    def __init__(self, keys_t: torch.Tensor, exp_keys: torch.Tensor | None) -> None:
        self.keys, self.exp_keys = keys_t, exp_keys  # (B, H, S); e^{-keys}, or None for the plain sigmoid
        self.split = exp_keys is not None

    @classmethod
    def choose(cls, keys_t: torch.Tensor, w_att: torch.Tensor) -> _AttentionMap:
        """The split where it is safe and pays (forward decides; backward reuses the decision)."""
        split = (
            keys_t.device.type == "cpu"
            and keys_t.numel() >= _SPLIT_MIN_ELEMENTS
            and float(keys_t.abs().max()) < _SPLIT_BOUND
            and float(w_att.abs().sum(1).max()) < _SPLIT_BOUND
        )  # a NaN or inf anywhere fails the comparisons: the plain sigmoid keeps IEEE semantics
        return cls(keys_t, torch.exp(-keys_t) if split else None)

    def __call__(self, query: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``out`` ``(B, H, S)`` ← ``σ(keys + query[:, :, None])`` for ``query`` ``(B, H)``."""
        if self.exp_keys is None:
            torch.add(self.keys, query.unsqueeze(2), out=out)
            return out.sigmoid_()
        torch.mul(self.exp_keys, torch.exp(-query).unsqueeze(2), out=out)
        return out.add_(1).reciprocal_()


class AttentionRecurrence(torch.autograd.Function):
    """The recurrent part of :class:`~lstmfcn.models.attention_lstm.AttentionLSTM`.

    Inputs (all but ``mask`` differentiable):
        keys: ``(B, S, H)`` ``2·(U x_j + b)``, the attention keys (doubled: see the cell's energy).
        x_gates: ``(B, S, 4H)`` ``W_x x_t + bias``, the gates' input projection (i, f, g, o).
        seq: ``(B, S, F)`` the input steps, which the attention weights average into ``c_t``.
        w_h: ``(5H, H)`` ``[W_h; 2W]``, the gates' and the attention's weights on ``h_{t-1}``.
        w_c: ``(4H, F)`` ``W_c``, the gates' weights on the context.
        score: ``(H,)`` ``2v``.
        mask: ``(B, S)`` bool, True on valid steps, or None.
        gate_slope: None for sigmoid gates, else the slope of Keras' hard sigmoid (0.2, or 1/6).

    Returns:
        ``h`` ``(B, H)``, ``alphas`` ``(B, S, S)``, ``contexts`` ``(B, S, F)`` as the cell's forward.
    """

    @staticmethod
    def forward(ctx, keys, x_gates, seq, w_h, w_c, score, mask, gate_slope=None):
        ctx.set_materialize_grads(False)  # an unused output's gradient stays None, not a (B, S, S) of zeros
        ctx.gate_slope = gate_slope
        B, S, H = keys.shape
        w_hT, w_cT = w_h.t().contiguous(), w_c.t().contiguous()  # (H, 5H), (F, 4H)
        # Every per-step view is made before the loop, in one call each: at one sample a step's
        # kernels take microseconds, so a dozen Python-level slices per step would show.
        x_steps = x_gates.unbind(1)  # S × (B, 4H)
        invalid = None if mask is None else ~mask
        valid = None if mask is None else mask.t().unsqueeze(-1).unbind(0)  # S × (B, 1)
        keys_t = keys.transpose(1, 2).contiguous()  # (B, H, S): the layout the module docstring explains
        z = torch.empty_like(keys_t)  # (B, H, S), reused by every step
        attention_map = _AttentionMap.choose(keys_t, w_h[4 * H :])
        score_rows = score.view(1, 1, H).expand(B, 1, H)
        energy_rows = keys.new_empty(B, 1, S)
        energy = energy_rows.view(B, S)
        h = keys.new_zeros(B, H)
        c = keys.new_zeros(B, H)
        split = (4 * H, H)
        hs, cs, acts, tcs, queries, alphas, contexts = [h], [c], [], [], [], [], []
        for t in range(S):
            h_gates, query = torch.mm(h, w_hT).split(split, 1)  # (B, 4H), (B, H)
            torch.bmm(score_rows, attention_map(query, z), out=energy_rows)  # (B, 1, S)
            if invalid is not None:
                energy.masked_fill_(invalid, float("-inf"))
            alpha = torch.softmax(energy, dim=-1)  # (B, S)
            context = _weighted_steps(alpha, seq)  # (B, F)
            gates = torch.add(x_steps[t], h_gates).addmm_(context, w_cT)  # (B, 4H)
            act = _gates(gates, gate_slope)  # the g block is replaced by its tanh below
            i, f, g, o = act.split(H, 1)
            torch.tanh(gates.narrow(1, 2 * H, H), out=g)
            c_new = torch.addcmul(f * c, i, g)
            tc = torch.tanh(c_new)
            h_new = o * tc
            if valid is not None:
                c_new = torch.where(valid[t], c_new, c)
                h_new = torch.where(valid[t], h_new, h)
            h, c = h_new, c_new
            hs.append(h)
            cs.append(c)
            acts.append(act)
            tcs.append(tc)
            queries.append(query)
            alphas.append(alpha)
            contexts.append(context)
        alpha_all, context_all = torch.stack(alphas, dim=1), torch.stack(contexts, dim=1)  # (B, S, S), (B, S, F)
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(
                keys_t, seq, w_h, w_c, score, alpha_all, context_all, torch.stack(hs), torch.stack(cs),
                torch.stack(acts), torch.stack(tcs), torch.stack(queries), mask, attention_map.exp_keys,
            )  # fmt: skip
        return h, alpha_all, context_all

    @staticmethod
    @once_differentiable
    def backward(ctx, d_h, d_alphas, d_contexts):
        keys, seq, w_h, w_c, score, alphas, contexts, hs, cs, acts, tcs, queries, mask, exp_keys = ctx.saved_tensors
        B, H, S = keys.shape  # keys (B, H, S), as forward laid them out
        F = seq.shape[-1]
        want_score = ctx.needs_input_grad[5]
        seq_t = seq.transpose(1, 2).contiguous()  # (B, F, S)
        # The gates' derivatives for every step at once (S, B, ·): a handful of kernels, not S.
        i, f, g, o = acts.unflatten(-1, (4, H)).unbind(2)
        gate_backward = _sigmoid_backward if ctx.gate_slope is None else partial(_hard_backward, slope=ctx.gate_slope)
        slopes = torch.stack(
            (gate_backward(g, i), gate_backward(cs[:-1], f), _tanh_backward(i, g), gate_backward(tcs, o)),
            dim=2,
        )  # (S, B, 4, H): ∂c_t/∂a_i, ∂c_t/∂a_f, ∂c_t/∂a_g per unit of dc; ∂h_t/∂a_o per unit of dh
        dc_dh = _tanh_backward(o, tcs)  # (S, B, H): ∂h_t/∂c_t
        # One row per step: [dL/dc_t (F) | dL/da_t (4H) | dL/dq_t (H)]; its last 5H columns are
        # the gradient of h_{t-1} @ w_h.T.
        rows = keys.new_zeros(S, B, F + 5 * H)
        if d_contexts is not None:
            rows[:, :, :F] = d_contexts.transpose(0, 1)
        # Per-step views, each list made by one call (see forward).
        d_context_rows = rows[:, :, :F].unbind(0)  # S × (B, F)
        d_gate_rows = rows[:, :, F : F + 4 * H].unbind(0)  # S × (B, 4H)
        d_cell_rows = rows[:, :, F : F + 3 * H].unflatten(-1, (3, H)).unbind(0)  # S × (B, 3, H): i, f, g
        d_out_rows = rows[:, :, F + 3 * H : F + 4 * H].unbind(0)  # S × (B, H): o
        d_query_rows = rows[:, :, F + 4 * H :].unbind(0)  # S × (B, H)
        d_hq_rows = rows[:, :, F:].unbind(0)  # S × (B, 5H)
        cell_slopes, out_slopes = slopes[:, :, :3].unbind(0), slopes[:, :, 3].unbind(0)
        dc_dh, forget = dc_dh.unbind(0), f.unbind(0)
        query_steps = queries.unbind(0)  # S × (B, H)
        alpha_steps = alphas.unbind(1)  # S × (B, S)
        d_alpha_steps = None if d_alphas is None else d_alphas.unbind(1)
        d_keys = torch.zeros_like(keys)  # (B, H, S): Σ_t de_t · σ'(z_t), scaled by the score at the end
        d_score = keys.new_zeros(B, H) if want_score else None
        z = torch.empty_like(keys)  # σ(z_t), then de_t · σ'(z_t), for one step at a time
        attention_map = _AttentionMap(keys, exp_keys)  # the map forward computed, the same way
        z_grad = torch.empty_like(keys)
        keep = None if mask is None else mask.t().unsqueeze(-1).to(keys.dtype).unbind(0)  # S × (B, 1)
        dh = d_h if d_h is not None else keys.new_zeros(B, H)
        dc = keys.new_zeros(B, H)
        for t in range(S - 1, -1, -1):
            if keep is not None:
                dh_new, dc_new = dh * keep[t], dc * keep[t]
                dh_skip, dc_skip = dh - dh_new, dc - dc_new  # a padded step passes its state on
            else:
                dh_new, dc_new = dh, dc
            dc_new = torch.addcmul(dc_new, dh_new, dc_dh[t])
            torch.mul(cell_slopes[t], dc_new.unsqueeze(1), out=d_cell_rows[t])
            torch.mul(out_slopes[t], dh_new, out=d_out_rows[t])
            dc = dc_new * forget[t]
            d_context = d_context_rows[t].addmm_(d_gate_rows[t], w_c)  # (B, F)
            d_alpha = _weighted_steps_backward(d_context, seq_t)  # (B, S)
            if d_alpha_steps is not None:
                d_alpha += d_alpha_steps[t]
            d_energy = torch._softmax_backward_data(d_alpha, alpha_steps[t], -1, keys.dtype)  # (B, S)
            attention_map(query_steps[t], z)
            if d_score is not None:
                torch.mul(z, d_energy.unsqueeze(1), out=z_grad)  # de · σ
                d_score += z_grad.sum(-1)
                torch.addcmul(z_grad, z, z_grad, value=-1, out=z_grad)  # de · σ(1 − σ) = de · σ'
            else:  # input gradients only (explanations): one pass over the map, not two
                _sigmoid_backward_into(d_energy.unsqueeze(1), z, grad_input=z_grad)
            d_keys += z_grad
            torch.mul(z_grad.sum(-1), score, out=d_query_rows[t])
            if keep is not None:
                dh = torch.addmm(dh_skip, d_hq_rows[t], w_h)
                dc = dc + dc_skip
            else:
                dh = torch.mm(d_hq_rows[t], w_h)
        d_gates_all = rows[:, :, F : F + 4 * H]  # (S, B, 4H)
        d_w_h = rows[:, :, F:].flatten(0, 1).t() @ hs[:-1].flatten(0, 1)  # (5H, H)
        d_w_c = d_gates_all.flatten(0, 1).t() @ contexts.transpose(0, 1).flatten(0, 1)  # (4H, F)
        # (α^T @ dc) as (dc^T @ α)^T: the first form sends torch's CPU bmm down a path 15× slower.
        d_seq = torch.bmm(rows[:, :, :F].permute(1, 2, 0), alphas).transpose(1, 2)  # (B, S, F)
        d_score = d_score.sum(0) if d_score is not None else None
        return (
            d_keys.mul_(score.unsqueeze(1)).transpose(1, 2),
            d_gates_all.transpose(0, 1),
            d_seq,
            d_w_h,
            d_w_c,
            d_score,
            None,
            None,
        )


def _gates(gates: torch.Tensor, slope: float | None) -> torch.Tensor:
    """The gates' activation: the logistic sigmoid, or Keras' hard sigmoid ``clip(slope·x + 0.5, 0, 1)``."""
    if slope is None:
        return torch.sigmoid(gates)
    return gates.mul(slope).add_(0.5).clamp_(0.0, 1.0)


def _hard_backward(grad: torch.Tensor, act: torch.Tensor, *, slope: float) -> torch.Tensor:
    """``grad · σ_hard'`` from the activation: ``slope`` where it is strictly inside (0, 1), else 0."""
    return grad * ((act > 0) & (act < 1)).to(grad.dtype) * slope


def _weighted_steps(alpha: torch.Tensor, seq: torch.Tensor) -> torch.Tensor:
    """``Σ_j α[b, j] seq[b, j]``: ``(B, S)``, ``(B, S, F)`` → ``(B, F)``.

    With one feature a product and a sum: torch's CPU ``bmm`` of B (1 × S)·(S × 1) products is 2-4×
    slower than that at B = 32.
    """
    if seq.shape[-1] == 1:
        return (alpha * seq[..., 0]).sum(-1, keepdim=True)
    return torch.bmm(alpha.unsqueeze(1), seq).squeeze(1)


def _weighted_steps_backward(d_out: torch.Tensor, seq_t: torch.Tensor) -> torch.Tensor:
    """Gradient of :func:`_weighted_steps` with respect to ``alpha``: ``(B, F)``, ``(B, F, S)`` → ``(B, S)``."""
    if seq_t.shape[1] == 1:
        return seq_t[:, 0] * d_out
    return torch.bmm(d_out.unsqueeze(1), seq_t).squeeze(1)
