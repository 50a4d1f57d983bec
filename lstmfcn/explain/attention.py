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

Attention can also be nearly uniform: the shipped GunPoint model's weights lie within 0.005-0.010
around 1/150 = 0.0067. :func:`attention_spread` says how far weights are from uniform (peak and
minimum over the uniform level, entropy over its maximum) in numbers and in one sentence, and
:func:`can_show_attention` says whether a model has attention over more than one position at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import LstmFcnError
from ..models import ModelConfig
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


def can_show_attention(model_or_config: nn.Module | ModelConfig) -> bool:
    """Whether the model has attention over more than one position, so that it can show something.

    True for an attention architecture (ALSTM-FCN, MALSTM-FCN) that attends over time (dimension
    shuffle off) or over several variables (shuffle on, ``V > 1``). False for models without
    attention and for a shuffle-on model of univariate data, whose single weight is always 1.

    Args:
        model_or_config: a model with a ``config``, or the :class:`ModelConfig` a checkpoint stores.
    """
    cfg = getattr(model_or_config, "config", model_or_config)
    if not isinstance(cfg, ModelConfig) or not cfg.attention:
        return False
    return not cfg.shuffle or cfg.n_vars > 1


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
    net = inference_model(model)
    device = model_device(net)
    xt = as_input(x, device)
    lt = as_lengths(lengths, xt.shape[0], xt.shape[-1], device)
    collect = AttentionCollector(net, xt.shape, lt)
    slices = batch_slices(len(xt), batch_size or collect.pass_size)
    for i, sl in enumerate(slices):
        collect(sl, net.forward_details(xt[sl], None if lt is None else lt[sl]))
        report(progress, (i + 1) / len(slices))
    return collect.result()


class AttentionCollector:
    """Gathers :func:`attention_maps`' result from forward passes run for something else too.

    Call it with each pass's sample slice and :class:`~lstmfcn.models.lstm_fcn.ForwardDetails`
    (:func:`~.cam.class_activation_maps` takes it as ``also``, so CAM and attention share one
    forward), then :meth:`result`.

    Args:
        net: the model in eval mode (an attention architecture, else :class:`NoAttentionError`).
        shape: ``(N, V, T)`` of the input.
        lengths: ``(N,)`` valid steps as a tensor, or None.
    """

    def __init__(self, net: nn.Module, shape: tuple[int, int, int], lengths: torch.Tensor | None) -> None:
        _require_attention(net)
        n, v, total = shape
        self.axis = attended_axis(net)
        self.steps = v if self.axis == "variables" else total
        features = total if self.axis == "variables" else v
        self.lengths = lengths
        self.alignment = np.zeros((n, self.steps, self.steps), np.float32)
        self.contexts = np.zeros((n, self.steps, features), np.float32)
        # The attention LSTM is a Python loop over S steps; its (B, S, S) output is the memory cost.
        rule = batch_size_for(net, total, gradients=False)
        self.pass_size = min(rule, max(1, 2**26 // max(1, self.steps * self.steps)))

    def __call__(self, sl: slice, details) -> None:
        self.alignment[sl] = details.attention.float().cpu().numpy()
        self.contexts[sl] = details.contexts.float().cpu().numpy()

    def result(self) -> AttentionResult:
        n, s = len(self.alignment), self.steps
        over_time = self.axis == "time" and self.lengths is not None
        # Over time with padding, the last step that updated the state is lengths - 1.
        last = self.lengths.cpu().numpy() - 1 if over_time else np.full(n, s - 1)
        trivial = s == 1
        return AttentionResult(
            self.alignment,
            self.contexts,
            self.alignment[np.arange(n), last],  # (N, S)
            self.axis,
            trivial,
            TRIVIAL_NOTE if trivial else None,
            self.lengths.cpu().numpy() if over_time else None,
        )


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


# ------------------------------------------------------------------------------------------
# How far from uniform: attention that spreads 1/n everywhere looked nowhere in particular

NEAR_UNIFORM_PEAK = 1.5
"""Peak-over-uniform below which (with :data:`NEAR_UNIFORM_ENTROPY`) attention is "close to
uniform": no position gets even one and a half times its even share."""

NEAR_UNIFORM_ENTROPY = 0.95
"""Normalised entropy at or above which (with :data:`NEAR_UNIFORM_PEAK`) attention is "close to
uniform". A ratio ``r`` is what spreading the weight evenly over ``n**r`` of the ``n`` positions
gives: 0.95 is 117 of 150 time steps."""

CONCENTRATED_ENTROPY = 0.75
"""Normalised entropy below which attention is "concentrated": less spread than an even share over
``n**0.75`` positions (43 of 150 time steps, 3.8 of 6 variables). Between the two: "uneven"."""

_VERDICT_WORDS = {
    "close to uniform": "the model spreads its attention almost evenly over the {n}{over}",
    "uneven": "some {over} get clearly more weight than others, but the attention is still spread out",
    "concentrated": "the model concentrates its attention on a few of the {n}{over}",
}


@dataclass(frozen=True)
class AttentionSpread:
    """How far attention weights are from uniform (``1/n`` on each of ``n`` positions).

    Attributes:
        n: ``(N,)`` positions each sample's weights spread over (valid steps of a padded series).
        peak: ``(N,)`` largest weight over the uniform level, ``max · n``: 1 when uniform, ``n``
            when all weight is on one position.
        low: ``(N,)`` smallest weight over the uniform level, ``min · n``: 1 when uniform, 0 when
            some position gets nothing.
        entropy: ``(N,)`` entropy over its maximum, ``H / log n`` in [0, 1]: 1 when uniform, 0 when
            one-hot (1 for ``n == 1``, where the only distribution is the uniform one).
        verdict: ``"trivial"`` (a single position), ``"close to uniform"``, ``"uneven"`` or
            ``"concentrated"``, from the means over samples (thresholds :data:`NEAR_UNIFORM_PEAK`,
            :data:`NEAR_UNIFORM_ENTROPY`, :data:`CONCENTRATED_ENTROPY`).
        sentence: the verdict and its numbers in one sentence for the user.
    """

    n: np.ndarray
    peak: np.ndarray
    low: np.ndarray
    entropy: np.ndarray
    verdict: str
    sentence: str

    @property
    def mean_peak(self) -> float:
        """Peak over uniform, averaged over samples."""
        return float(self.peak.mean())

    @property
    def mean_low(self) -> float:
        """Minimum over uniform, averaged over samples."""
        return float(self.low.mean())

    @property
    def mean_entropy(self) -> float:
        """Normalised entropy, averaged over samples."""
        return float(self.entropy.mean())


def _as_distributions(weights: ArrayLike, lengths: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``p (N, S)``: rows summing to 1 over their valid positions, zeros beyond; ``n (N,)`` valid
    positions per row; ``valid (N, S)`` bool."""
    w = np.asarray(weights, dtype=np.float64)
    w = w[None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[1] == 0:
        raise ValueError(f"expected attention weights of shape (S,) or (N, S), got {np.shape(weights)}")
    N, S = w.shape
    n = np.full(N, S) if lengths is None else np.clip(np.asarray(lengths, dtype=np.int64).reshape(-1), 1, S)
    if n.shape != (N,):
        raise ValueError(f"expected {N} lengths, one per row of weights, got {n.size}")
    valid = np.arange(S)[None, :] < n[:, None]  # (N, S)
    if not np.isfinite(w[valid]).all() or (w[valid] < 0).any():
        raise ValueError("attention weights must be finite and non-negative")
    w = np.where(valid, w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise ValueError("every row of attention weights needs a positive sum over its valid positions")
    # Softmax rows already sum to 1; normalising lets class means or raw scores be read the same way.
    return w / total, n, valid


def attention_spread(
    weights: ArrayLike, lengths: ArrayLike | None = None, *, over: str = "positions"
) -> AttentionSpread:
    """How far attention weights are from uniform, per sample and in one sentence.

    Args:
        weights: ``(S,)`` one sample's weights or ``(N, S)`` one row per sample (e.g.
            :attr:`AttentionResult.final`); each row is normalised to sum to 1.
        lengths: ``(N,)`` valid positions per row (padded series over time) or None (all ``S``).
        over: what the positions are, for the sentence (``"time steps"``, ``"variables"``).

    Returns:
        :class:`AttentionSpread`. Example: on GunPoint the shipped attention-over-time model's
        test weights average a peak of 1.1 × the uniform 1/150 and 99.9 % of the maximum entropy:
        "close to uniform".

    Raises:
        ValueError: a shape other than (S,) or (N, S), negative or non-finite weights, a row
            without weight.
    """
    p, n, valid = _as_distributions(weights, lengths)
    peak = p.max(axis=1) * n
    low = np.where(valid, p, np.inf).min(axis=1) * n
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    log_n = np.log(np.maximum(n, 2))  # n == 1 is handled below; avoid 0/0
    entropy = np.where(n > 1, np.clip(-plogp.sum(axis=1) / log_n, 0.0, 1.0), 1.0)
    verdict = _verdict(n, peak, entropy)
    return AttentionSpread(n, peak, low, entropy, verdict, _sentence(verdict, n, peak, entropy, over))


def _verdict(n: np.ndarray, peak: np.ndarray, entropy: np.ndarray) -> str:
    """The verdict of the means over samples (the thresholds above)."""
    if (n == 1).all():
        return "trivial"
    if peak.mean() < NEAR_UNIFORM_PEAK and entropy.mean() >= NEAR_UNIFORM_ENTROPY:
        return "close to uniform"
    return "concentrated" if entropy.mean() < CONCENTRATED_ENTROPY else "uneven"


def _sentence(verdict: str, n: np.ndarray, peak: np.ndarray, entropy: np.ndarray, over: str) -> str:
    if verdict == "trivial":
        return "Trivial: there is a single position to attend to, so its weight is always 1 and says nothing."
    same_n = bool((n == n[0]).all())
    level = f" (1/{n[0]})" if same_n else " (1/n, n the valid steps of each sample)"
    scope = "" if len(n) == 1 else f"averaged over {len(n)} samples, "
    words = _VERDICT_WORDS[verdict].format(n=f"{n[0]} " if same_n else "", over=over)
    most = "" if len(n) == 1 else f" (the most peaked sample reaches {peak.max():.2f} ×)"
    return (
        f"{verdict.capitalize()}: {scope}the peak is {peak.mean():.2f} × the uniform level{level} and the "
        f"entropy {100 * entropy.mean():.1f} % of its maximum — {words}{most}."
    )
