"""Attention weights of ALSTM-FCN and MALSTM-FCN: where the attention LSTM looked.

At every step ``s`` the attention LSTM spreads weights ``α[s, :]`` (summing to 1) over all ``S``
input steps. The whole ``(S, S)`` matrix is the alignment matrix. The row of the last step the
LSTM read (the last *valid* step for padded input) produced the final hidden state the head
sees, so it is the short answer to "where did the model look".

What the ``S`` steps are depends on the dimension shuffle:

* shuffle off: the LSTM reads ``T`` steps of ``V`` features → attention is over **time**
  (``S = T``) and can be drawn over the series;
* shuffle on (the papers' default): it reads ``V`` steps of ``T`` features → attention is over
  the **variables** (``S = V``). With a univariate series (``V = 1``) there is a single step, so
  its weight is trivially 1 and carries no information.

Attention weights are the same whatever class is explained.

Caution with a single variable over time: a step's score ``v · tanh(U x_j + b + W h)`` depends
on that step only through its value ``x_j``, so the weights rank the steps almost exactly as the
values rank (or the reverse), whatever the weights. On GunPoint the model-randomisation check
(:mod:`.sanity`) gives a Spearman correlation of 1.00 between the trained ALSTM-FCN's attention
and that of a fully randomised copy. Read such attention as "which values the LSTM looked at",
not as evidence of what the model learnt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import LstmFcnError
from ._common import (
    ArrayLike,
    Progress,
    as_input,
    as_lengths,
    batch_size_for,
    batch_slices,
    inference_model,
    model_device,
    report,
)

TRIVIAL_NOTE = (
    "This model's attention runs over the variables (dimension shuffle on) and the series has a "
    "single variable, so the attention weight is always 1: it says nothing about the decision."
)


class NoAttentionError(LstmFcnError, ValueError):
    """The model has no attention (LSTM-FCN, MLSTM-FCN), or no attention over time to draw."""


@dataclass
class AttentionResult:
    """Attention of every sample.

    Attributes:
        alignment: ``(N, S, S)`` weights; row ``s`` is step ``s``'s attention over the ``S`` inputs.
        contexts: ``(N, S, F)`` context vectors (attention-weighted input steps).
        final: ``(N, S)`` the row of the last (valid) step: where the model looked.
        axis: ``"time"`` (``S = T``, shuffle off) or ``"variables"`` (``S = V``, shuffle on).
        trivial: True when ``S == 1`` (univariate data, shuffle on): every weight is 1.
        note: a sentence for the user when the attention needs one (``trivial``), else None.
        lengths: ``(N,)`` valid steps for padded input over time, else None.
    """

    alignment: np.ndarray
    contexts: np.ndarray
    final: np.ndarray
    axis: str
    trivial: bool
    note: str | None = None
    lengths: np.ndarray | None = None


@dataclass
class ClassAttention:
    """Final-step attention summarised per class.

    Attributes:
        mean: ``(K, S)`` mean weights of the samples in each class (NaN for an empty class).
        std: ``(K, S)`` standard deviation.
        count: ``(K,)`` samples per class.
    """

    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray


def has_attention(model: nn.Module) -> bool:
    """Whether the model's LSTM branch is an attention LSTM."""
    return bool(getattr(getattr(model, "config", None), "attention", False))


def attended_axis(model: nn.Module) -> str:
    """``"time"`` when the attention runs over time steps, ``"variables"`` when over variables."""
    return "variables" if model.config.shuffle else "time"


def _require_attention(model: nn.Module) -> None:
    if not has_attention(model):
        arch = getattr(getattr(model, "config", None), "arch", type(model).__name__)
        raise NoAttentionError(
            f"a {arch} model has no attention to show; attention exists in ALSTM-FCN and MALSTM-FCN models"
        )


@torch.no_grad()
def attention_maps(
    model: nn.Module,
    x: ArrayLike,
    lengths: ArrayLike | None = None,
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> AttentionResult:
    """Alignment matrices, context vectors and final-step weights of every sample, batched.

    Args:
        model: an ALSTM-FCN or MALSTM-FCN model (not changed).
        x: ``(N, V, T)`` series.
        lengths: ``(N,)`` valid steps or None. With attention over time, padded steps get no
            weight and ``final`` is the row of each series' last valid step.
        batch_size: samples per forward pass.
        progress: fraction-done callback.

    Raises:
        NoAttentionError: the model has no attention.
    """
    _require_attention(model)
    net = inference_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    n, v, total = xt.shape
    lt = as_lengths(lengths, n, total, device)
    axis = attended_axis(net)
    s, f = (v, total) if axis == "variables" else (total, v)
    alignment = np.zeros((n, s, s), np.float32)
    contexts = np.zeros((n, s, f), np.float32)
    # The attention LSTM is a Python loop over S steps; its (B, S, S) output is the memory cost.
    size = batch_size or min(batch_size_for(net, total, gradients=False), max(1, 2**26 // max(1, s * s)))
    slices = batch_slices(n, size)
    for i, sl in enumerate(slices):
        d = net.forward_details(xt[sl], None if lt is None else lt[sl])
        alignment[sl] = d.attention.float().cpu().numpy()
        contexts[sl] = d.contexts.float().cpu().numpy()
        report(progress, (i + 1) / len(slices))
    # Over time with padding, the last step that updated the state is lengths - 1.
    last = np.full(n, s - 1) if (axis == "variables" or lt is None) else lt.cpu().numpy() - 1
    final = alignment[np.arange(n), last]  # (N, S)
    trivial = s == 1
    return AttentionResult(
        alignment, contexts, final, axis, trivial, TRIVIAL_NOTE if trivial else None,
        None if (lt is None or axis == "variables") else lt.cpu().numpy(),
    )  # fmt: skip


def attention_by_class(final: np.ndarray, labels: ArrayLike, n_classes: int) -> ClassAttention:
    """Mean and std of the final-step weights ``(N, S)`` over the samples of each class.

    Pass the true labels for "what the model looks at for class k" or the predictions for "what
    it looked at when it said k"; :func:`attention_summary` gives both.
    """
    labels = np.asarray(labels)
    s = final.shape[1]
    mean = np.full((n_classes, s), np.nan, np.float32)
    std = np.full((n_classes, s), np.nan, np.float32)
    count = np.bincount(labels, minlength=n_classes)[:n_classes]
    for k in range(n_classes):
        rows = final[labels == k]
        if len(rows):
            mean[k], std[k] = rows.mean(axis=0), rows.std(axis=0)
    return ClassAttention(mean, std, count)


def attention_summary(
    result: AttentionResult, y_true: ArrayLike | None, y_pred: ArrayLike, n_classes: int
) -> dict[str, ClassAttention]:
    """Class-wise final-step attention: ``{"true": …, "predicted": …}`` (``"true"`` only with ``y_true``)."""
    out = {"predicted": attention_by_class(result.final, y_pred, n_classes)}
    if y_true is not None:
        out["true"] = attention_by_class(result.final, y_true, n_classes)
    return out


def attention_over_time(result: AttentionResult, n_vars: int) -> np.ndarray:
    """The final-step weights over time ``(N, T)`` repeated over ``V`` → ``(N, V, T)``.

    Raises:
        NoAttentionError: the attention runs over variables, so there is no per-step map.
    """
    if result.axis != "time":
        raise NoAttentionError(
            "this model's attention runs over the variables (dimension shuffle on), not over time, so it"
            " has no per-time-step map; train with the shuffle off to see attention over the series"
            + (" (and with a single variable its weight is always 1)" if result.trivial else "")
        )
    return np.repeat(result.final[:, None, :], n_vars, axis=1)


def attention_for_target(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike | None = None,
    *,
    lengths: ArrayLike | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Final-step attention over time in the unified ``(N, V, T)`` shape (weights repeated over V).

    ``target`` is accepted for the common calling convention and ignored: attention does not
    depend on the class being explained.

    Raises:
        NoAttentionError: the model has no attention, or its attention is over variables.
    """
    res = attention_maps(model, x, lengths, batch_size=batch_size, progress=progress)
    return attention_over_time(res, np.shape(x)[1])
