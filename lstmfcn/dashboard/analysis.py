"""Array computations the pages need that are not explanations: summaries, tables, activations.

Arrays are ``(N, V, T)`` (samples, variables, time steps). Nothing here imports Streamlit, so the
pages stay thin and these functions are tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from lstmfcn.data.preprocess import valid_mask
from lstmfcn.evaluation import softmax
from lstmfcn.models import LSTMFCN
from lstmfcn.words import percent


def class_counts(y: np.ndarray, n_classes: int) -> np.ndarray:
    """``(K,)`` number of samples of each class."""
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes)[:n_classes]


def class_mean_spread(
    values: np.ndarray, y: np.ndarray, n_classes: int, lengths: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class mean and standard deviation of ``values`` over the class's samples.

    Args:
        values: ``(N, C, T)`` series or maps (C = variables, or classes for per-class maps).
        y: ``(N,)`` class index of each sample.
        n_classes: number of classes ``K``.
        lengths: ``(N,)`` valid steps; padded steps are left out of the statistics.

    Returns:
        ``mean (K, C, T)``, ``std (K, C, T)`` (NaN where a class has no valid value at a step)
        and ``counts (K,)``.
    """
    values = np.asarray(values, dtype=np.float64)
    N, C, T = values.shape
    valid = np.ones((N, T), bool) if lengths is None else valid_mask(lengths, T)
    w = valid[:, None, :].astype(np.float64)  # (N, 1, T)
    mean = np.full((n_classes, C, T), np.nan)
    std = np.full((n_classes, C, T), np.nan)
    counts = class_counts(y, n_classes)
    for k in range(n_classes):
        sel = y == k
        if not sel.any():
            continue
        wk, vk = w[sel], values[sel]
        n = wk.sum(axis=0)  # (1, T)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = (vk * wk).sum(axis=0) / n
            var = (((vk - m) ** 2) * wk).sum(axis=0) / n
        mean[k] = np.where(n > 0, m, np.nan)
        std[k] = np.where(n > 0, np.sqrt(var), np.nan)
    return mean.astype(np.float32), std.astype(np.float32), counts


def sample_table(
    y: np.ndarray, logits: np.ndarray, classes: list[str], lengths: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per sample: index, true and predicted class, confidence, probability of the truth
    (unrounded: a table shows them with :func:`lstmfcn.words.shown_probability`)."""
    probs = softmax(np.asarray(logits, dtype=np.float64))
    pred = probs.argmax(axis=1)
    names = np.array([str(c) for c in classes], dtype=object)
    table = pd.DataFrame(
        {
            "sample": np.arange(len(y)),
            "true class": names[y],
            "predicted": names[pred],
            "correct": pred == y,
            "confidence": probs.max(axis=1),
            "p(true class)": probs[np.arange(len(y)), y],
        }
    )
    if lengths is not None and len(set(np.asarray(lengths).tolist())) > 1:
        table["length"] = np.asarray(lengths)
    return table


def worst_confusions(confusion: np.ndarray, classes: list[str], n: int = 10) -> pd.DataFrame:
    """The ``n`` most frequent mistakes of a ``(K, K)`` confusion matrix (row = true), most first:
    true class, predicted class, count and the share of the true class's samples."""
    cm = np.asarray(confusion)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    rows, cols = np.nonzero(off)
    order = np.lexsort((cols, rows, -off[rows, cols]))[:n]
    support = np.maximum(cm.sum(axis=1), 1)
    return pd.DataFrame(
        {
            "true class": [classes[r] for r in rows[order]],
            "predicted": [classes[c] for c in cols[order]],
            "samples": off[rows[order], cols[order]],
            "share of the true class": (off[rows[order], cols[order]] / support[rows[order]]).round(3),
        }
    )


def misclassified_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`sample_table` the model gets wrong, least confident in the truth first."""
    wrong = table[~table["correct"]].drop(columns="correct")
    return wrong.sort_values("p(true class)").reset_index(drop=True)


def classes_to_show(probs: np.ndarray, explained: int, most: int | None = None) -> list[int]:
    """Class indices for per-class panels of one sample, most probable first: all of them, or the
    ``most`` most probable (always including ``explained``, the class being explained).

    Args:
        probs: ``(K,)`` the sample's class probabilities.
        explained: the class whose map is the one being explained.
        most: how many at most (None: every class).
    """
    order = [int(j) for j in np.argsort(-np.asarray(probs), kind="stable")]
    if most is None or most >= len(order):
        return order
    top = order[:most]
    return top if explained in top else top[: most - 1] + [int(explained)]


def conv_blocks(model: LSTMFCN) -> list[torch.nn.Module]:
    """The three conv blocks, in order (block ``b`` is ``conv_blocks(model)[b - 1]``)."""
    return [model.block1, model.block2, model.block3]


@torch.no_grad()
def conv_block_activations(model: LSTMFCN, x: np.ndarray, block: int, lengths: np.ndarray | None = None) -> np.ndarray:
    """Output of conv block ``block`` (1, 2 or 3; after BatchNorm and ReLU) for each series.

    Computed by the model's own conv branch up to that block (:meth:`LSTMFCN.conv_block_outputs`),
    so it is exactly what the next layer sees (before squeeze-and-excite, which rescales whole
    channels). No hook is put on the model: it is shared by every dashboard session, and a hook
    would also catch another session's forward pass. Padded steps are zeroed, as the model does.

    Args:
        model: the model, in eval mode.
        x: ``(N, V, T)`` or a single series ``(V, T)``.
        block: 1, 2 or 3.
        lengths: ``(N,)`` valid steps, or None for full-length series.

    Returns:
        ``(N, C_block, T)`` float32 (``(C_block, T)`` for a single series).
    """
    if block not in (1, 2, 3):
        raise ValueError(f"block must be 1, 2 or 3, not {block}")
    single = np.ndim(x) == 2
    xs = np.asarray(x, dtype=np.float32)[None] if single else np.asarray(x, dtype=np.float32)
    device = next(model.parameters()).device
    lt = None
    if lengths is not None and (np.asarray(lengths) < xs.shape[-1]).any():
        lt = torch.as_tensor(np.asarray(lengths), device=device)
    out = model.conv_block_outputs(torch.as_tensor(xs, device=device), lt, upto=block)[-1].float().cpu().numpy()
    if lengths is not None:
        out = out * valid_mask(lengths, out.shape[-1])[:, None, :]
    return out[0] if single else out


def n_filters(model: LSTMFCN, block: int) -> int:
    """Number of filters (output channels) of conv block ``block``."""
    return int(model.config.filters[block - 1])


def top_filters(acts: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices of the ``k`` filters with the highest mean activation; ``acts`` is ``(C, T)``."""
    return np.argsort(-acts.mean(axis=-1))[:k]


#: A right answer is *clear* when the model gives the class at least this probability …
CLEAR_AT_LEAST = 0.5
#: … and at least this many times the probability of any other class.
CLEAR_TIMES_NEXT = 3.0
#: A *close call*: the runner-up gets at least this share of the winner's probability (60 % against
#: 40 % is close; 90 % against 4 % is not, whatever the number of classes).
CLOSE_SHARE = 2.0 / 3.0


def is_clear(p: np.ndarray) -> bool:
    """Whether probabilities ``p (K,)`` make a clear answer: the top class at least
    :data:`CLEAR_AT_LEAST` and at least :data:`CLEAR_TIMES_NEXT` times every other class."""
    first, second = _top_two(p)
    return bool(first >= CLEAR_AT_LEAST and first >= CLEAR_TIMES_NEXT * second)


def is_close_call(p: np.ndarray) -> bool:
    """Whether probabilities ``p (K,)`` make a close call: the runner-up at least :data:`CLOSE_SHARE`
    of the top class."""
    first, second = _top_two(p)
    return bool(second >= CLOSE_SHARE * first)


def _top_two(p: np.ndarray) -> tuple[float, float]:
    s = np.sort(np.asarray(p, dtype=np.float64))
    return float(s[-1]), float(s[-2]) if s.size > 1 else 0.0


@dataclass(frozen=True)
class GuidedExample:
    """A sample worth a look, picked from a split's predictions, with one sentence in plain words.

    Attributes:
        sample: index in the split.
        true: the sample's class index.
        predicted: the model's class index.
        kind: ``"clear"`` (the most confident right answer of its class, and a clear one:
            :func:`is_clear`), ``"most confident"`` (the most confident right answer where none of
            the class is clear), ``"mistake"`` (the most confident wrong one) or ``"close call"``
            (the right-or-wrong answer of the class whose top two classes are closest, shown only
            when it is close: :func:`is_close_call`).
        sentence: what it shows, for someone who has never seen a logit; every number in it is
            one of the sample's probabilities.
    """

    sample: int
    true: int
    predicted: int
    kind: str
    sentence: str


def guided_examples(y: np.ndarray, logits: np.ndarray, names: list[str], most_classes: int = 6) -> list[GuidedExample]:
    """Per class, its most confident right answer, its most confident mistake and its closest call.

    The words follow the numbers at any number of classes: a right answer is called clear only by
    :func:`is_clear` (else "its most confident right answer", with the runner-up), and a close call
    is shown only where :func:`is_close_call` holds.

    Args:
        y: ``(N,)`` true class indices.
        logits: ``(N, K)`` the model's logits.
        names: ``(K,)`` class names to use in the sentences.
        most_classes: with more classes than this, only the ones the model gets wrong most often
            (lowest recall first), so that a 37-class set does not give 111 examples.

    Returns:
        The examples, class by class (right answer, mistake, close call; a kind is left out where
        the class has no such sample, e.g. no mistake or no close call).
    """
    y = np.asarray(y, dtype=np.int64)
    probs = softmax(np.asarray(logits, dtype=np.float64))
    pred = probs.argmax(axis=1)
    top2 = np.sort(probs, axis=1)[:, -2:] if probs.shape[1] > 1 else np.c_[probs, probs]
    share = top2[:, 0] / np.maximum(top2[:, 1], np.finfo(np.float64).tiny)  # runner-up / winner
    present = [k for k in range(probs.shape[1]) if (y == k).any()]
    recall = {k: float((pred[y == k] == k).mean()) for k in present}
    classes = sorted(present, key=lambda k: (recall[k], k))[:most_classes] if len(present) > most_classes else present
    out: list[GuidedExample] = []
    for k in classes:
        members = np.flatnonzero(y == k)
        right, wrong = members[pred[members] == k], members[pred[members] != k]
        if right.size:
            out.append(_right_answer(int(right[np.argmax(probs[right, k])]), k, probs, names))
        if wrong.size:
            i = int(wrong[np.argmax(probs[wrong, pred[wrong]])])
            p = int(pred[i])
            out.append(
                GuidedExample(
                    i,
                    k,
                    p,
                    "mistake",
                    f"Sample {i} is {names[k]}, but the model says {names[p]} with {percent(probs[i, p])}: "
                    f"its most confident mistake on {names[k]}.",
                )
            )
        i = int(members[np.argmax(share[members])])
        shown = any(e.sample == i for e in out[-2:])
        if probs.shape[1] > 1 and not shown and is_close_call(probs[i]):
            first, second = np.argsort(probs[i])[::-1][:2]
            out.append(
                GuidedExample(
                    i,
                    k,
                    int(pred[i]),
                    "close call",
                    f"Sample {i} ({names[k]}) is a close call: {names[first]} at {percent(probs[i, first])} against "
                    f"{names[second]} at {percent(probs[i, second])}.",
                )
            )
    return out


def _right_answer(i: int, k: int, probs: np.ndarray, names: list[str]) -> GuidedExample:
    """Sample ``i``, class ``k``'s most confident right answer, called clear only when it is."""
    if probs.shape[1] == 1 or is_clear(probs[i]):
        return GuidedExample(
            i, k, k, "clear", f"Sample {i} is a clear {names[k]}: the model gives it {percent(probs[i, k])}."
        )
    second = int(np.argsort(probs[i])[::-1][1])
    return GuidedExample(
        i,
        k,
        k,
        "most confident",
        f"Sample {i} is the model's most confident right answer on {names[k]}, and not a clear one: "
        f"{names[k]} at {percent(probs[i, k])} against {names[second]} at {percent(probs[i, second])}.",
    )
