"""Counterfactual explanations by the Native Guide (Delaney, Greene & Keane 2021).

"What is the smallest change to this series that makes the model call it class B?" The Native
Guide answers with real data instead of optimised noise:

1. the *guide* is the training series of the target class nearest to the sample (Euclidean
   distance on the model's input, over the sample's valid steps), preferring those the model
   itself assigns to the target class;
2. the class activation maps for the target class say where the guide is most "target-like"
   compared with the sample (:func:`gain_centre`); a segment centred there is copied from the
   guide into the sample;
3. the segment grows until the model predicts the target class, or the budget (a largest
   fraction of the series, a number of model calls) is spent;
4. on multivariate series, the fewest variables are tried first: the one whose copy from the guide
   raises the target class's logit most, then the best two, and so on, all of them last
   (:func:`variable_order`); the variables changed are reported.

Candidate segment sizes are tried in rounds, one batched forward pass per round, and the smallest
size that flips the prediction is kept. A result says ``found=True`` only when the model, run once
more on exactly the returned series, predicts the target class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from torch import nn

from .errors import UserInputError
from .evaluation import predict_logits, softmax
from .explain.cam import class_activation_maps
from .whatif import Splice, as_series
from .words import percent


@dataclass(frozen=True)
class Origin:
    """What a counterfactual was made from, in the words its charts and sentences use.

    Attributes:
        dataset: the dataset as shown (``"GunPoint"``).
        model: the model as shown (``"LSTM-FCN · shipped"``).
        split: the split the sample comes from (``"test"``), "" when it is not a split's sample.
        sample: the sample's index in that split, None when unknown.
        classes: the model's classes as shown, in its output order (empty: class indices are used).
        var_names: the variables as shown (empty: generic names).
    """

    dataset: str = ""
    model: str = ""
    split: str = ""
    sample: int | None = None
    classes: tuple[str, ...] = ()
    var_names: tuple[str, ...] = ()

    def class_name(self, k: int) -> str:
        """Class ``k``'s name, or its index when no names were given."""
        return str(self.classes[k]) if 0 <= k < len(self.classes) else str(k)

    def var_name(self, v: int, n_vars: int) -> str:
        """Variable ``v``'s name, or ``"variable v+1"`` (``"series"`` for a univariate series)."""
        if len(self.var_names) == n_vars:
            return str(self.var_names[v])
        return "series" if n_vars == 1 else f"variable {v + 1}"

    def subtitle(self) -> str:
        """The line under a chart's title: ``"GunPoint · LSTM-FCN · shipped · test sample 3"``."""
        where = f"{self.split} sample {self.sample}".strip() if self.sample is not None else ""
        return " · ".join(filter(None, (self.dataset, self.model, where)))

    def sample_label(self) -> str:
        """``"test sample #3"``, ``"sample #3"`` or ``"the series"``."""
        if self.sample is None:
            return "the series"
        return f"{self.split} sample #{self.sample}".strip() if self.split else f"sample #{self.sample}"


@dataclass(frozen=True)
class Counterfactual:
    """The outcome of a counterfactual search for one series.

    Attributes:
        found: the model predicts ``to_class`` on ``counterfactual`` (checked on that very series).
        from_class: the class the model predicts on ``x`` (an index into the model's classes).
        to_class: the class asked for.
        segment: ``(start, stop)``, the steps ``[start, stop)`` copied from the guide; when nothing
            was found, the largest segment tried.
        variables: the variables copied.
        probabilities: ``(K,)`` the model's probabilities on ``counterfactual``.
        distance: Euclidean distance between ``x`` and ``counterfactual`` (input units).
        x: ``(V, T)`` the sample.
        counterfactual: ``(V, T)`` the sample with the segment spliced in from the guide.
        guide_index: index of the guide in the training arrays.
        model_calls: series the model was run on (candidates plus checks).
        original_probabilities: ``(K,)`` the model's probabilities on ``x``.
        length: valid (unpadded) steps of ``x``; None: all.
        origin: what it was made from (dataset, model, sample, class and variable names), for labels.
    """

    found: bool
    from_class: int
    to_class: int
    segment: tuple[int, int]
    variables: tuple[int, ...]
    probabilities: np.ndarray
    distance: float
    x: np.ndarray
    counterfactual: np.ndarray
    guide_index: int
    model_calls: int
    original_probabilities: np.ndarray | None = None
    length: int | None = None
    origin: Origin = field(default_factory=Origin)

    @property
    def changed_variables(self) -> tuple[int, ...]:
        """The variables whose values differ between ``x`` and ``counterfactual`` (a copied variable
        that happened to equal the guide's over the segment is not among them)."""
        return tuple(int(v) for v in np.flatnonzero((self.counterfactual != self.x).any(axis=1)))


def summary(cf: Counterfactual) -> str:
    """The counterfactual in one sentence (markdown), every name from its ``origin``: the steps
    copied, the variables that changed (on a multivariate series), the guide, the class the model
    now names with its probability, and the distance; or, when none was found, what was tried."""
    o, (s0, s1) = cf.origin, cf.segment
    V, T = cf.x.shape
    valid = cf.length or T
    to = o.class_name(cf.to_class)
    if not cf.found:
        return (
            f"No counterfactual within the search budget: even copying steps {s0}–{s1 - 1} from the nearest "
            f"{to} training series (#{cf.guide_index}) leaves the model at {percent(float(cf.probabilities[cf.to_class]))}"
            f" for {to}."
        )
    changed = cf.changed_variables
    where = ""
    if V > 1:
        names = ", ".join(o.var_name(v, V) for v in changed)
        where = f" of {len(changed)} of the {V} variables ({names})"
    return (
        f"Copying steps {s0}–{s1 - 1} ({s1 - s0} of {valid}){where} from training series #{cf.guide_index} makes the"
        f" model say **{to}** ({percent(float(cf.probabilities[cf.to_class]))}); distance {cf.distance:.2f}."
    )


def nearest_of_class(
    model: nn.Module,
    x: np.ndarray,
    X_train: np.ndarray,
    y_train: np.ndarray,
    target: int,
    *,
    length: int | None = None,
    lengths_train: np.ndarray | None = None,
) -> int:
    """Index of the training series of class ``target`` nearest to ``x (V, T)`` (Euclidean, valid steps of ``x``).

    Series the model assigns to ``target`` are preferred (a guide the model doubts is a poor
    guide); when there is none, every series labelled ``target`` is a candidate.

    Raises:
        ValueError: no training series of class ``target``, or shapes that do not match.
    """
    if X_train.ndim != 3 or X_train.shape[1:] != x.shape:
        raise UserInputError(f"training series must have shape (N, {x.shape[0]}, {x.shape[1]}), got {X_train.shape}")
    of_class = np.flatnonzero(np.asarray(y_train) == target)
    if len(of_class) == 0:
        raise UserInputError(f"the training split holds no series of class {target} to guide a counterfactual")
    lens = None if lengths_train is None else np.asarray(lengths_train)[of_class]
    agreed = predict_logits(model, X_train[of_class], lens).argmax(1) == target
    pool = of_class[agreed] if agreed.any() else of_class
    valid = length or x.shape[-1]
    diff = X_train[pool, :, :valid] - x[None, :, :valid]  # (P, V, valid)
    return int(pool[np.argmin((diff**2).sum(axis=(1, 2)))])


def segment_sizes(max_size: int, max_calls: int) -> np.ndarray:
    """Sizes to try, smallest first: every size up to ``max_size``, or ``max_calls`` evenly spread ones."""
    if max_size <= max_calls:
        return np.arange(1, max_size + 1)
    return np.unique(np.linspace(1, max_size, max(1, max_calls)).round().astype(np.int64))


def centred_segment(centre: int, size: int, valid: int) -> tuple[int, int]:
    """``[start, stop)`` of ``size`` steps centred on ``centre``, moved to fit in ``[0, valid)``."""
    start = min(max(0, centre - size // 2), valid - size)
    return start, start + size


def gain_centre(
    model: nn.Module, x: np.ndarray, guide: np.ndarray, to_class: int, *, valid: int, guide_length: int | None
) -> int:
    """The step where the guide ``(V, T)`` shows the most target-class evidence over the sample ``x (V, T)``.

    Delaney et al. centre the segment on the peak of the guide's CAM for the target class. Here
    the sample's own CAM for that class is subtracted: the CAM is linear in the conv features, so
    the difference says where swapping in the guide should gain the most. It finds the guide's
    target pattern (the guide's CAM is high there) *and* the sample's own pattern that argues
    against the target (the sample's CAM is low there), which the guide's CAM alone does not see.
    """
    lengths = None
    if guide_length is not None or valid < x.shape[-1]:
        lengths = np.array([valid, guide_length or x.shape[-1]])
    cam = class_activation_maps(model, np.stack([x, guide]), lengths).cam[:, to_class]  # (2, T)
    length = min(valid, guide_length or valid)
    return int((cam[1, :length] - cam[0, :length]).argmax())


def native_guide(
    model: nn.Module,
    x: np.ndarray,
    X_train: np.ndarray,
    y_train: np.ndarray,
    *,
    target: int | None = None,
    length: int | None = None,
    lengths_train: np.ndarray | None = None,
    variables: tuple[int, ...] | None = None,
    per_variable: bool | None = None,
    max_fraction: float = 1.0,
    max_calls: int = 512,
    per_round: int = 32,
    origin: Origin | None = None,
) -> Counterfactual:
    """A Native Guide counterfactual of one series ``x (V, T)`` (the model's input, e.g. ``model_input(...).X[i]``).

    Args:
        model: an LSTM-FCN-family model in eval mode.
        x: ``(V, T)`` float series as the model reads it.
        X_train, y_train: ``(N, V, T)`` training series as the model reads them and their classes
            (indices into the model's classes): where guides come from.
        target: the class to move to; default the most likely class other than the predicted one.
        length, lengths_train: valid steps of ``x`` and of each training series (None: all).
        variables: the variables copied from the guide (default: chosen by the search).
        per_variable: for ``V > 1`` with ``variables`` None (the default then), try copying the
            fewest variables first: the best one, the best two, … (ranked by
            :func:`variable_order`), and all of them last; the first set that flips the model wins,
            with its shortest segment. False: always all variables.
        max_fraction: the longest segment, as a fraction of the valid steps (1.0: the whole series).
        max_calls: the most candidate series the model is run on per set of variables tried.
        per_round: candidate sizes per batched forward pass.
        origin: what ``x`` and the model are called (kept in the result for its labels).

    Returns:
        A :class:`Counterfactual`; ``found`` is False when no segment within the budget flips the
        prediction (the largest segment tried is reported then).

    Raises:
        ValueError: a target outside the model's classes or equal to the predicted class, a bad
            budget, or training arrays that do not fit ``x``.
    """
    x = as_series(x)
    valid = length or x.shape[-1]
    if not 0 < max_fraction <= 1 or max_calls < 1 or per_round < 1:
        raise UserInputError(
            f"max_fraction must lie in (0, 1] and max_calls, per_round be at least 1, got {max_fraction},"
            f" {max_calls}, {per_round}"
        )
    one = None if length is None else np.array([valid])
    probs = softmax(predict_logits(model, x[None], one))[0]
    from_class = int(probs.argmax())
    to_class = _resolve_target(target, probs, from_class)
    guide = nearest_of_class(model, x, X_train, y_train, to_class, length=length, lengths_train=lengths_train)
    centre = gain_centre(model, x, X_train[guide], to_class, valid=valid, guide_length=_at(lengths_train, guide))
    sizes = segment_sizes(max(1, int(np.floor(max_fraction * valid))), max_calls)
    calls = 1 + len(np.flatnonzero(np.asarray(y_train) == to_class))
    donor = X_train[guide]
    subsets: list[tuple[int, ...] | None] = [variables]
    if per_variable is None:
        per_variable = variables is None and x.shape[0] > 1
    if per_variable and variables is None and x.shape[0] > 1:
        order = variable_order(model, x, donor, to_class, length=length)
        calls += x.shape[0]
        subsets = [tuple(sorted(order[:k])) for k in range(1, x.shape[0])] + [None]
    made = dict(original=probs, length=length, origin=origin or Origin())
    for chosen in subsets:  # the fewest variables first, each with the shortest segment that flips
        found, last, used = _grow(model, x, donor, to_class, centre, sizes, chosen, length, per_round)
        calls += used
        if found is not None:
            edit, series, p = found
            return _result(True, from_class, to_class, edit, series, p, x, guide, calls, **made)
    edit, series = last
    p = softmax(predict_logits(model, series[None], one))[0]
    return _result(False, from_class, to_class, edit, series, p, x, guide, calls + 1, **made)


def variable_order(
    model: nn.Module, x: np.ndarray, donor: np.ndarray, to_class: int, *, length: int | None
) -> list[int]:
    """The variables of ``x (V, T)``, the most promising to copy from ``donor`` first.

    Each variable is scored by how much the target class's logit rises when that variable alone is
    copied from the guide over all valid steps: the guide's attribution per variable, measured by
    the model itself (one batch of ``V`` series), not estimated.
    """
    valid = length or x.shape[-1]
    swaps = np.stack([Splice(0, valid, (v,), donor=donor).apply(x, length=length) for v in range(x.shape[0])])
    lens = None if length is None else np.full(len(swaps), valid)
    gain = predict_logits(model, swaps, lens)[:, to_class]
    return [int(v) for v in np.argsort(-gain, kind="stable")]


def _grow(model, x, donor, to_class, centre, sizes, variables, length, per_round):
    """Grow a segment centred on ``centre`` through ``sizes`` in batched rounds, copying ``variables``.

    Returns ``(found, last, calls)``: ``found`` is ``(edit, series, probabilities)`` of the smallest
    segment that flips the model (checked alone), or None; ``last`` the largest ``(edit, series)`` tried.
    """
    valid = length or x.shape[-1]
    one = None if length is None else np.array([valid])
    calls, last = 0, None
    for r in range(0, len(sizes), per_round):
        edits = [
            Splice(*centred_segment(centre, int(s), valid), variables=variables, donor=donor)
            for s in sizes[r : r + per_round]
        ]
        batch = np.stack([e.apply(x, length=length) for e in edits])  # (B, V, T)
        lens = None if length is None else np.full(len(batch), valid)
        flipped = predict_logits(model, batch, lens).argmax(1) == to_class
        calls += len(batch)
        last = (edits[-1], batch[-1])
        for i in np.flatnonzero(flipped):
            p = softmax(predict_logits(model, batch[i : i + 1], one))[0]  # checked alone: no batch effects
            calls += 1
            if int(p.argmax()) == to_class:
                return (edits[i], batch[i], p), last, calls
    return None, last, calls


def _at(lengths: np.ndarray | None, i: int) -> int | None:
    return None if lengths is None else int(np.asarray(lengths)[i])


def _resolve_target(target: int | None, probs: np.ndarray, from_class: int) -> int:
    """The class index to move to: ``target`` checked, or the most likely other class."""
    if target is None:
        others = probs.copy()
        others[from_class] = -np.inf
        return int(others.argmax())
    if not 0 <= int(target) < len(probs):
        raise UserInputError(f"the target class must be an index in 0..{len(probs) - 1}, got {target}")
    if int(target) == from_class:
        raise UserInputError(f"the model already predicts class {target} for this series: pick another target")
    return int(target)


def _result(
    found, from_class, to_class, edit: Splice, series, probs, x, guide, calls, *, original, length, origin
) -> Counterfactual:
    variables = tuple(range(x.shape[0])) if edit.variables is None else tuple(int(v) for v in edit.variables)
    return Counterfactual(
        found=bool(found),
        from_class=from_class,
        to_class=to_class,
        segment=(edit.start, edit.stop),
        variables=variables,
        probabilities=probs,
        distance=float(np.linalg.norm(series - x)),
        x=x,
        counterfactual=series,
        guide_index=guide,
        model_calls=calls,
        original_probabilities=original,
        length=length,
        origin=origin,
    )


__all__ = [
    "Counterfactual",
    "Origin",
    "centred_segment",
    "native_guide",
    "nearest_of_class",
    "segment_sizes",
    "summary",
    "variable_order",
]
