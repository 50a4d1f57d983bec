"""Two models side by side: on one sample, and over a split.

Any two models that fit a dataset (:func:`lstmfcn.inputs.check_fit`) may be compared, even
when their preprocessing differs: each model gets *its own* input from the same raw series
(:func:`lstmfcn.inputs.model_input`), so a per-sample comparison takes one prepared series per
model. Classes are matched by name, not by index: two checkpoints may order them differently.

On one sample (:func:`compare_sample`): both models' probabilities, both CAMs and one attribution
method's maps of the same class, the Spearman rank agreement between the two models' maps
(:func:`lstmfcn.explain.agreement.spearman_per_sample`), and which map is more faithful to its own
model on this sample (deletion AOPC, :func:`lstmfcn.explain.faithfulness.perturbation_curves`: the
mean drop of the class's probability as the map's most important steps are deleted first).

Over a split (:func:`answer_table`): a confusion table of A's answers against B's, the share of
samples where they agree, and the samples where they do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from .data.dataset import Dataset
from .errors import UserInputError
from .evaluation import predict_logits, softmax
from .explain import explain, perturbation_curves, spearman_per_sample
from .inputs import model_classes, model_input
from .words import fixed

#: Two deletion AOPCs closer than this (in probability units) are called equally faithful.
AOPC_TIE = 0.01


@dataclass(frozen=True)
class ModelView:
    """One model's side of a sample comparison.

    Attributes:
        probabilities: ``(K,)`` the model's class probabilities (its own class order).
        predicted: the model's answer, as a class name.
        target: index of the explained class in this model's class list.
        cam: ``(T,)`` the explained class's CAM (logit units per step; 0 on padded steps).
        attribution: ``(V, T)`` the chosen method's map of the explained class.
        aopc_deletion: deletion AOPC of ``attribution`` on this model (higher: more faithful).
        length: valid steps of the series this model read.
    """

    probabilities: np.ndarray
    predicted: str
    target: int
    cam: np.ndarray
    attribution: np.ndarray
    aopc_deletion: float
    length: int


@dataclass(frozen=True)
class SampleComparison:
    """Two models on one sample (see :func:`compare_sample`).

    Attributes:
        a, b: each model's :class:`ModelView`.
        target: the explained class, by name (the same class for both models).
        method: the attribution method's key (``"ig"``, …).
        cam_agreement: Spearman correlation between the two CAMs over the valid steps.
        attribution_agreement: Spearman correlation between the two attributions over ``(V, T)``.
        more_faithful: ``"a"``, ``"b"``, ``"tie"`` (deletion AOPCs within :data:`AOPC_TIE`) or
            ``"undecided"`` (both AOPCs under :data:`AOPC_TIE`: deletion moves neither model).
    """

    a: ModelView
    b: ModelView
    target: str
    method: str
    cam_agreement: float
    attribution_agreement: float
    more_faithful: str

    def verdict(self, name_a: str = "A", name_b: str = "B", class_name: str | None = None) -> str:
        """One sentence: whose map is more faithful to its own model on this sample, with the numbers
        (``class_name``: the explained class as shown; default its label). Where deleting steps
        hardly moves either model's probability (both AOPCs under :data:`AOPC_TIE`), the metric
        cannot tell the maps apart, and the sentence says so rather than calling them equal."""
        shown = class_name or self.target
        numbers = (
            f"deletion AOPC {fixed(self.a.aopc_deletion, 3)} for {name_a}, "
            f"{fixed(self.b.aopc_deletion, 3)} for {name_b}"
        )
        if self.more_faithful == "undecided":
            return (
                f"On this sample deletion cannot tell the maps apart: blurring away the steps either map ranks first "
                f"hardly moves either model's probability of {shown} ({numbers}). Try a sample the models are less "
                "sure of."
            )
        if self.more_faithful == "tie":
            return f"On this sample both maps are about as faithful to their models ({numbers})."
        better, worse = (name_a, name_b) if self.more_faithful == "a" else (name_b, name_a)
        return (
            f"On this sample {better}'s map is more faithful to its model than {worse}'s: deleting the steps it"
            f" ranks first lowers the probability of {shown} more ({numbers})."
        )


def model_view(
    model: nn.Module,
    x: np.ndarray,
    length: int,
    target: str,
    method: str = "ig",
    *,
    baseline: str = "blur",
    ig_steps: int = 32,
) -> ModelView:
    """One model's probabilities, CAM, ``method`` map and deletion AOPC for class ``target`` on ``x``.

    Args:
        model: the classifier (not changed).
        x: ``(V, T)`` the series as *this* model reads it (from its :func:`model_input`).
        length: valid steps of ``x``.
        target: the class to explain, by name; it must be one of the model's classes.
        method: an attribution method of :data:`lstmfcn.explain.METHODS` (not ``"cam"``/``"attention"``).
        baseline: the baseline of the attribution and of the deleted steps (``"blur"`` keeps them in range).
        ig_steps: Integrated Gradients quadrature steps.

    Raises:
        ValueError: ``target`` is not one of the model's classes, or an unknown method.
    """
    classes = model_classes(model)
    if target not in classes:
        raise UserInputError(f"class {target!r} is not one of this model's classes ({', '.join(classes)})")
    k = classes.index(target)
    xb, lb = np.asarray(x, np.float32)[None], np.array([int(length)])
    res = explain(model, xb, ["cam", method], target=k, lengths=lb, baseline=baseline, ig_steps=ig_steps)
    attribution = res[method]
    curves = perturbation_curves(model, xb, k, attribution, lengths=lb, baseline=baseline)
    probs = softmax(res["logits"])[0]
    return ModelView(
        probs,
        classes[int(probs.argmax())],
        k,
        res["cam_all"][0, k],
        attribution[0],
        float(curves.aopc_deletion[0]),
        int(length),
    )


def compare_views(a: ModelView, b: ModelView, target: str, method: str) -> SampleComparison:
    """Rank agreement and the faithfulness verdict of two :class:`ModelView` of the same sample and class.

    Maps of series of different lengths (one model resamples) are compared on A's valid steps,
    B's map linearly interpolated onto them.
    """
    cam_b = _on_length(b.cam[None], b.length, a.length)
    attr_b = _on_length(b.attribution, b.length, a.length)
    lengths = np.array([a.length])
    cam_agree = spearman_per_sample(a.cam[None, None, : a.length], cam_b[None], lengths)[0]
    attr_agree = spearman_per_sample(a.attribution[None, :, : a.length], attr_b[None], lengths)[0]
    diff = a.aopc_deletion - b.aopc_deletion
    if max(abs(a.aopc_deletion), abs(b.aopc_deletion)) < AOPC_TIE:
        better = "undecided"  # both curves stay flat: the metric says nothing about either map
    else:
        better = "tie" if abs(diff) < AOPC_TIE else ("a" if diff > 0 else "b")
    return SampleComparison(a, b, target, method, float(cam_agree), float(attr_agree), better)


def _on_length(m: np.ndarray, length: int, target: int) -> np.ndarray:
    """``m (R, T)``'s first ``length`` steps on ``target`` steps (the same when equal)."""
    m = np.asarray(m, np.float64)[..., :length]
    if length == target:
        return m
    grid, src = np.linspace(0.0, 1.0, target), np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(grid, src, row) for row in m])


def compare_sample(
    model_a: nn.Module,
    model_b: nn.Module,
    ds: Dataset,
    split: str,
    index: int,
    *,
    target: str | None = None,
    method: str = "ig",
    baseline: str = "blur",
    ig_steps: int = 32,
    resample: bool = False,
    class_subset: bool = False,
) -> SampleComparison:
    """Two models on sample ``index`` of ``ds``'s ``split``, each reading the series its own way.

    Args:
        model_a, model_b: two models that fit ``ds`` (checked, with the opt-ins, by ``model_input``).
        ds, split, index: the raw sample both models read.
        target: the class both maps explain, by name; default: A's answer.
        method, baseline, ig_steps: as in :func:`model_view`.
        resample, class_subset: the user's opt-ins (see :func:`lstmfcn.inputs.check_fit`).

    Raises:
        MismatchError: a model does not fit the dataset. ValueError: ``target`` is not a class of both.
    """
    ia = model_input(model_a, ds, split, resample=resample, class_subset=class_subset)
    ib = model_input(model_b, ds, split, resample=resample, class_subset=class_subset)
    xa, la, xb, lb = ia.X[index], int(ia.lengths[index]), ib.X[index], int(ib.lengths[index])
    if target is None:
        logits = predict_logits(model_a, xa[None], np.array([la]))
        target = model_classes(model_a)[int(logits[0].argmax())]
    kw = dict(baseline=baseline, ig_steps=ig_steps)
    return compare_views(
        model_view(model_a, xa, la, target, method, **kw),
        model_view(model_b, xb, lb, target, method, **kw),
        target,
        method,
    )


@dataclass(frozen=True)
class AnswerTable:
    """Where two models' answers agree over a split (see :func:`answer_table`).

    Attributes:
        classes: class names, the order of both axes (A's classes, then any only B has).
        counts: ``(K, K)`` ``counts[i, j]`` = samples A calls ``classes[i]`` and B ``classes[j]``.
        agreement: share of samples on which both give the same answer (NaN for no sample).
        disagreeing: indices of the samples on which they differ.
        answers_a, answers_b: ``(N,)`` each model's answer as an index into ``classes``.
    """

    classes: list[str]
    counts: np.ndarray
    agreement: float
    disagreeing: np.ndarray
    answers_a: np.ndarray
    answers_b: np.ndarray


def answer_table(pred_a: np.ndarray, pred_b: np.ndarray, classes_a: list[str], classes_b: list[str]) -> AnswerTable:
    """A's answers against B's on the same samples.

    Args:
        pred_a, pred_b: ``(N,)`` each model's predicted class index, in its own class order.
        classes_a, classes_b: each model's class names (:func:`lstmfcn.inputs.model_classes`).
    """
    pred_a, pred_b = np.asarray(pred_a, np.int64), np.asarray(pred_b, np.int64)
    if pred_a.shape != pred_b.shape or pred_a.ndim != 1:
        raise ValueError(
            f"both models' answers must be (N,) for the same samples, got {pred_a.shape} and {pred_b.shape}"
        )
    classes = list(map(str, classes_a)) + [str(c) for c in classes_b if str(c) not in set(map(str, classes_a))]
    to_shared = np.array([classes.index(str(c)) for c in classes_b], dtype=np.int64)
    answers_b = to_shared[pred_b] if len(pred_b) else pred_b
    counts = np.zeros((len(classes), len(classes)), np.int64)
    np.add.at(counts, (pred_a, answers_b), 1)
    same = pred_a == answers_b
    agreement = float(same.mean()) if len(same) else float("nan")
    return AnswerTable(classes, counts, agreement, np.flatnonzero(~same), pred_a, answers_b)


def split_answers(
    model_a: nn.Module,
    model_b: nn.Module,
    ds: Dataset,
    split: str = "test",
    *,
    resample: bool = False,
    class_subset: bool = False,
) -> AnswerTable:
    """:func:`answer_table` of both models on ``ds``'s ``split``, each reading its own input."""
    preds = []
    for m in (model_a, model_b):
        mi = model_input(m, ds, split, resample=resample, class_subset=class_subset)
        preds.append(predict_logits(m, mi.X, mi.lengths).argmax(axis=1))
    return answer_table(preds[0], preds[1], model_classes(model_a), model_classes(model_b))


__all__ = [
    "AOPC_TIE",
    "AnswerTable",
    "ModelView",
    "SampleComparison",
    "answer_table",
    "compare_sample",
    "compare_views",
    "model_view",
    "split_answers",
]
