"""Why the model says a class, in plain words: the stretches of time that carry its evidence.

``evidence`` is one sample's per-step contribution to one class's score, ``(V, T)``: a CAM row
(``cam_for_class``; the class's logit is the CAM's mean over time plus the LSTM's share, so each
step adds ``cam[t] / T`` to the logit) or an attribution map. Positive values speak *for* the
class, negative ones *against* it. The rules, so that every sentence is a claim the numbers back:

* the class's evidence *for* it is the positive mass ``P = Σ max(e, 0)`` over every variable and
  step; the evidence *against* it the negative mass ``N = Σ max(-e, 0)``;
* the *high* steps are the fewest that together hold :data:`HIGH_MASS` of ``P`` (per sign; ties
  with the last one needed are high too);
  neighbouring high steps of one variable with at most :func:`merge_gap` steps between them are one
  stretch (the steps in the gap belong to it too);
* a stretch's ``share`` is the positive mass inside it over ``P``, so shares of distinct stretches
  add up to at most 1; an *against* stretch's share is of ``N`` instead;
* a stretch *stands out* when its share is at least :data:`MIN_SHARE` and it holds at least
  :data:`STAND_OUT` times the evidence its length would hold were the evidence even; only
  stretches that stand out are named, at most ``max_stretches``, largest share first; when none
  does, the evidence is *spread thin* and the sentence says so;
* the evidence against is named only when ``N`` is at least :data:`AGAINST_AT_LEAST` of ``P + N``;
* steps count from 0 and a stretch ``[start, stop)`` reads "steps start–(stop − 1)", as on the
  charts' time axis; a stretch of one variable reads "steps 3–15 of variable accel_x", unnamed
  variables counting from 1 ("variable 2"), as in the charts' row labels;
* a percentage is a share rounded to a whole percent, "over 99%" rather than a rounded "100%".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: The high steps are the fewest that together hold this share of one sign's mass.
HIGH_MASS = 0.5
#: A stretch is named only when it holds at least this share of its sign's mass.
MIN_SHARE = 0.05
#: ... and at least this many times the share its length would hold under even evidence.
STAND_OUT = 1.5
#: The evidence against is spoken of only when it is at least this share of all the evidence.
AGAINST_AT_LEAST = 0.05


@dataclass(frozen=True)
class Stretch:
    """One stretch of time (and variable) that speaks for or against the class.

    Attributes:
        variable: the variable's row in the evidence, or None when the evidence has one row for all
            variables (a univariate series, or a multivariate CAM, which marks time only).
        start: first step, 0-based.
        stop: one past the last step.
        share: share of the class's evidence for it (its positive mass) inside the stretch, in
            ``[0, 1]``; for an *against* stretch, its share of the negative mass.
        sign: +1 speaks for the class, -1 against.
        density: ``share`` over the share of all ``V × T`` cells the stretch covers (1 = as much as
            even evidence would give it).
    """

    variable: int | None
    start: int
    stop: int
    share: float
    sign: int
    density: float = 1.0


@dataclass(frozen=True)
class Because:
    """Why the model gives ``class_name`` its score, for one sample.

    Attributes:
        class_name: the class explained.
        supporting: 0 to ``max_stretches`` stretches that speak for it, largest share first.
        opposing: 0 or 1 stretch that speaks against it.
        spread_thin: there is evidence for the class but no single stretch stands out.
        sentences: the plain-words sentences; the first is the headline.
        positive_mass: ``P``, the sum of the evidence's positive part (in the evidence's units).
        negative_mass: ``N``, the sum of its negative part (positive number).
        method_label: what the evidence came from ("CAM", "Integrated Gradients").
        signed: whether the map's sign means for and against (False: supporting stretches are only
            where the map is largest).
    """

    class_name: str
    supporting: tuple[Stretch, ...]
    opposing: tuple[Stretch, ...]
    spread_thin: bool
    sentences: tuple[str, ...]
    positive_mass: float = 0.0
    negative_mass: float = 0.0
    method_label: str = "CAM"
    signed: bool = True

    @property
    def supporting_share(self) -> float:
        """The share of the evidence for the class that the named supporting stretches hold together."""
        return float(sum(s.share for s in self.supporting))

    @property
    def text(self) -> str:
        """All the sentences as one paragraph."""
        return " ".join(self.sentences)


def class_words(name: str) -> str:
    """A class as a sentence names it: ``"Gun"``, but ``"class 2"`` for a bare number (the charts say "class 2")."""
    try:
        float(name)
    except (TypeError, ValueError):
        return str(name)
    return f"class {name}"


def _unsigned_sentence(P: float, spread_thin: bool, named: str, cls: str, method_label: str) -> str:
    """The sentence for a map without a sign (saliency, attention): where it is largest, never "for"."""
    if P == 0:
        return f"By {method_label}, nothing in this sample matters for {cls}: the map is 0 at every step."
    if spread_thin:
        return f"No single stretch stands out: {method_label}'s map for {cls} is spread over the whole series."
    return (
        f"By {method_label}, what matters most for {cls} is {named} of the map's total; this map does not say "
        f"whether a step speaks for or against {cls}."
    )


def merge_gap(length: int) -> int:
    """Steps between two high steps that still make them one stretch: 2% of the series, at least 2."""
    return max(2, math.ceil(0.02 * length))


def percent_words(share: float) -> str:
    """A share as a whole percent, ``"62%"``; ``"over 99%"`` when it is below 1 but would round to 100."""
    whole = math.floor(100 * share + 0.5)
    return "over 99%" if whole >= 100 and share < 1 else f"{whole}%"


def _high_steps(mass: np.ndarray) -> np.ndarray:
    """``(V, T)`` bool: the fewest cells whose ``mass`` (≥ 0) holds :data:`HIGH_MASS` of the total, ties included."""
    flat = mass.ravel()
    order = np.argsort(-flat, kind="stable")
    held = np.cumsum(flat[order])
    needed = int(np.searchsorted(held, HIGH_MASS * held[-1])) + 1
    level = flat[order[min(needed, len(flat)) - 1]]
    return (mass >= level) & (mass > 0)  # ties with the last one needed are high too: no arbitrary cut


def _runs(row: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """``[start, stop)`` runs of True in ``row``, joined across at most ``gap`` False steps."""
    idx = np.flatnonzero(row)
    if not len(idx):
        return []
    cuts = np.flatnonzero(np.diff(idx) > gap + 1)
    starts = np.r_[idx[0], idx[cuts + 1]]
    stops = np.r_[idx[cuts], idx[-1]] + 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def find_stretches(mass: np.ndarray, sign: int, *, one_row_for_all: bool, at_most: int) -> list[Stretch]:
    """The stretches of ``mass`` (``(V, T)``, ≥ 0: one sign's part of the evidence) that stand out.

    Returns at most ``at_most`` stretches, largest share first; empty when the mass is 0 or spread thin.
    """
    total = float(mass.sum())
    if total <= 0:
        return []
    V, T = mass.shape
    gap = merge_gap(T)
    found = []
    for v, row in enumerate(_high_steps(mass)):
        for a, b in _runs(row, gap):
            share = float(mass[v, a:b].sum()) / total
            density = share / ((b - a) / (V * T))
            if share >= MIN_SHARE and density >= STAND_OUT:
                found.append(Stretch(None if one_row_for_all else v, a, b, share, sign, density))
    found.sort(key=lambda s: (-s.share, s.variable or 0, s.start))
    return found[:at_most]


def _steps(s: Stretch) -> str:
    return f"step {s.start}" if s.stop - s.start == 1 else f"steps {s.start}–{s.stop - 1}"


def _where(s: Stretch, names: Sequence[str] | None, n_rows: int) -> str:
    """``"steps 45–69"``, or ``"steps 45–69 of variable accel_x"`` on one of several variables (no comma
    inside: a list of stretches is separated by commas)."""
    if s.variable is None or n_rows == 1:
        return _steps(s)
    name = str(names[s.variable]) if names is not None and len(names) == n_rows else str(s.variable + 1)
    return f"{_steps(s)} of {name if name.startswith('variable ') else f'variable {name}'}"  # not "variable variable 2"


def _whole(names: Sequence[str] | None, n_rows: int) -> str:
    """What the steps are steps of, for a sentence."""
    if n_rows == 1 and names is not None and len(names) > 1:
        return " (all variables together)"
    return " of the series" if n_rows == 1 else ""


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _check(evidence: np.ndarray) -> np.ndarray:
    e = np.asarray(evidence, dtype=np.float64)
    if e.ndim == 1:
        e = e[None, :]
    if e.ndim != 2 or e.shape[1] == 0:
        raise ValueError(f"evidence must be one sample's (V, T) map with T ≥ 1; got shape {np.shape(evidence)}")
    if not np.isfinite(e).all():
        raise ValueError("evidence has NaN or infinite values: there is no share of evidence to speak of")
    return e


def because(
    evidence: np.ndarray,
    class_name: str,
    *,
    variable_names: Sequence[str] | None = None,
    method_label: str = "CAM",
    max_stretches: int = 3,
    predicted: str | None = None,
    signed: bool = True,
) -> Because:
    """The stretches that give ``class_name`` its evidence in one sample, and sentences that say so.

    Args:
        evidence: ``(V, T)`` per-step contribution to the class's score (``(1, T)`` or ``(T,)`` for a
            univariate series or a multivariate CAM): a CAM row or an attribution map, in the map's
            own units (only shares of it are reported). Padded steps must be 0.
        class_name: the class's name as the charts show it.
        variable_names: the ``V`` variables' names (of the series when the evidence has one row for
            all of them); None for "variable 1", "variable 2", ...
        method_label: what the evidence came from, for the sentences ("CAM", "integrated gradients").
        max_stretches: at most this many supporting stretches are named.
        predicted: the class the model predicts for the sample: the headline says "The model says
            Gun because ..." only when it is ``class_name``; None when the caller does not say.
        signed: whether the map's sign means for and against (CAM, Integrated Gradients). False for
            a map that is never negative and does not say which way a step pushed (saliency,
            attention): its stretches are where the map is largest, and the sentence says only that.

    Returns:
        A :class:`Because` with the stretches and the sentences (the first is the headline).

    Raises:
        ValueError: when ``evidence`` is not one sample's ``(V, T)`` map of finite numbers.

    Example:
        >>> b = because(cam[i, k][None], "Gun", predicted="Gun")
        >>> b.sentences[0]
        'The model says Gun mostly because of steps 45–69 of the series, which carry 62% of its evidence for Gun (by CAM).'
    """
    e = _check(evidence)
    if predicted is not None and not isinstance(predicted, str):
        # True or an index would be read as a class's name ("class True"): ask for the name.
        raise ValueError(f"predicted is the predicted class's name, e.g. ds.classes[k]; got {predicted!r}")
    rows = e.shape[0]
    one_row_for_all = rows == 1
    pos, neg = np.maximum(e, 0.0), np.maximum(-e, 0.0)
    P, N = float(pos.sum()), float(neg.sum())
    supporting = tuple(find_stretches(pos, +1, one_row_for_all=one_row_for_all, at_most=max_stretches))
    against_counts = signed and N > 0 and N >= AGAINST_AT_LEAST * (P + N)
    opposing = tuple(find_stretches(neg, -1, one_row_for_all=one_row_for_all, at_most=1)) if against_counts else ()
    spread_thin = P > 0 and not supporting
    whole = _whole(variable_names, rows)
    cls = class_words(class_name)
    total = sum(s.share for s in supporting)
    if len(supporting) == 1:
        named = f"{_where(supporting[0], variable_names, rows)}{whole}, which carry {percent_words(total)}"
    else:
        parts = [f"{_where(s, variable_names, rows)} ({percent_words(s.share)})" for s in supporting]
        named = f"{_listed(parts) if parts else ''}{whole}: together {percent_words(total)}"
    if not signed:
        sentences = [_unsigned_sentence(P, spread_thin, named, cls, method_label)]
    elif P == 0:
        nothing = "nothing in this sample speaks for or against" if N == 0 else "nothing in this sample speaks for"
        rest = "the map is 0 at every step" if N == 0 else "every step's evidence is against it or 0"
        sentences = [f"By {method_label}, {nothing} {cls}: {rest}."]
    elif spread_thin:
        sentences = [
            f"No single stretch stands out: the evidence for {cls} (by {method_label}) is spread over the whole series."
        ]
    else:
        how = "mostly" if total >= 0.5 else "in part"
        if predicted is None:
            lead = f"The evidence for {cls} comes {how} from"
        elif predicted == class_name:
            lead = f"The model says {cls} {how} because of"
        else:
            lead = f"The model says {class_words(predicted)}, not {cls}; its evidence for {cls} comes {how} from"
        sentences = [f"{lead} {named} of its evidence for {cls} (by {method_label})."]
    if opposing:
        s = opposing[0]
        sentences.append(
            f"The strongest evidence against {cls} is in {_where(s, variable_names, rows)}{whole}: "
            f"{percent_words(s.share)} of all the evidence against it."
        )
    elif P > 0 and against_counts:
        sentences.append(f"The evidence against {cls} is spread thin: no single stretch stands out.")
    return Because(
        class_name=str(class_name),
        supporting=supporting,
        opposing=opposing,
        spread_thin=spread_thin,
        sentences=tuple(sentences),
        positive_mass=P,
        negative_mass=N,
        method_label=method_label,
        signed=signed,
    )
