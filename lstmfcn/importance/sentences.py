"""Importance in plain words: tested functions of the numbers, never free text.

Rules, so that every sentence is a claim the numbers back:

* a unit *matters* only when its whole interval is above 0 (:meth:`Estimate.clear`);
* the sentence names the unit that costs most; "nothing else matters much" is said only when no
  other unit that matters costs at least :data:`NEXT_SHARE` of it; otherwise the next ones are named;
* with several variables, the whole variable that costs most is named first;
* when nothing matters, it says so, with the largest loss seen.
"""

from __future__ import annotations

import numpy as np

from ..words import percent
from .agreement import AGREE_AT_LEAST, AGREE_IN_PART_AT_LEAST, MapAgreement
from .result import ImportanceResult

#: Another unit is named too when it matters and costs at least this share of the top one.
NEXT_SHARE = 1 / 3
#: At most this many further units are named.
NEXT_AT_MOST = 2

_DONE_TO = {"permute": "shuffled", "baseline": "blanked"}
_PRETTY_METHODS = {"cam": "CAM", "ig": "integrated gradients", "occlusion": "occlusion", "saliency": "saliency"}


def steps(span: tuple[int, int]) -> str:
    """``"steps 40–69"`` for the window ``[40, 70)`` (steps count from 0, as on the charts)."""
    a, b = span
    return f"step {a}" if b - a == 1 else f"steps {a}–{b - 1}"


def _unit_words(result: ImportanceResult, v: int, w: int) -> str:
    where = steps(result.windows[w])
    return where if len(result.variables) == 1 else f"{result.variables[v]}'s {where}"


def accuracy_words(a: float) -> str:
    """An accuracy for a sentence: ``"100%"`` only when every series was right, else as :func:`percent`."""
    return "100%" if a >= 1.0 else percent(a)


def _after(metric: str, score: float, loss: float) -> str:
    if metric == "accuracy":
        return f"accuracy falls from {accuracy_words(score)} to {accuracy_words(max(0.0, score - loss))}"
    return f"the true class's mean log-probability falls by {loss:.2f}"


def _to(metric: str, score: float, loss: float) -> str:
    return f"to {accuracy_words(max(0.0, score - loss))}" if metric == "accuracy" else f"by {loss:.2f}"


def importance_sentence(result: ImportanceResult, group: str | None = None, metric: str = "accuracy") -> str:
    """One sentence on what ``group`` (a class name, or None for all series) relies on.

    Examples: ``"For Gun, accuracy falls from 99.0% to 60.0% when steps 40–69 are shuffled;
    nothing else matters much."``; with several variables: ``"For two, accuracy falls from 100% to
    30.0% when variable 3 is shuffled whole, and to 31.1% when only its steps 40–49 are; nothing
    else matters much."``
    """
    g = result.group(group, metric)
    who = f"For {group}" if group is not None else "Over all classes"
    done = _DONE_TO[result.mode]
    imp = np.where(g.window.clear(), g.window.importance, -np.inf)
    order = [np.unravel_index(i, imp.shape) for i in np.argsort(-imp, axis=None) if np.isfinite(imp.flat[i])]
    head = None
    if len(result.variables) > 1 and g.variable.clear().any():
        v = int(np.argmax(np.where(g.variable.clear(), g.variable.importance, -np.inf)))
        head = f"{_after(metric, g.score, g.variable.importance[v])} when {result.variables[v]} is {done} whole"
        if not order:
            return f"{who}, {head}; no single stretch of it, or of another variable, clearly matters."
        top = order[0]
        if top[0] == v:
            head += f", and {_to(metric, g.score, float(imp[top]))} when only its {steps(result.windows[top[1]])} are"
        else:
            head += (
                f"; of the windows, {_unit_words(result, *top)} matter most ({_to(metric, g.score, float(imp[top]))})"
            )
    elif not order:
        return _nothing(result, g, who, metric, done)
    else:
        top = order[0]
        head = f"{_after(metric, g.score, float(imp[top]))} when {_unit_words(result, *top)} are {done}"
    named = [
        f"{_unit_words(result, *u)} ({_to(metric, g.score, float(imp[u]))})"
        for u in order[1:]
        if imp[u] >= NEXT_SHARE * imp[top]
    ]
    if len(result.variables) > 1 and g.variable.clear().any():
        vi = np.where(g.variable.clear(), g.variable.importance, -np.inf)
        v = int(np.argmax(vi))
        named = [
            f"{result.variables[u]} whole ({_to(metric, g.score, float(vi[u]))})"
            for u in np.argsort(-vi)[1:]
            if np.isfinite(vi[u]) and vi[u] >= NEXT_SHARE * vi[v]
        ] + named
    if not named:
        return f"{who}, {head}; nothing else matters much."
    return f"{who}, {head}; next: {', '.join(named[:NEXT_AT_MOST])}."


def _nothing(result: ImportanceResult, g, who: str, metric: str, done: str) -> str:
    units = "variable or stretch of time" if len(result.variables) > 1 else "stretch of time"
    # With one variable, the "whole variable" is the whole series: not a stretch of time.
    seen = (
        g.window.importance.ravel()
        if len(result.variables) == 1
        else np.concatenate([g.variable.importance, g.window.importance.ravel()])
    )
    largest = np.nanmax(np.abs(seen), initial=0.0)
    size = f"{largest * 100:.1f} points of accuracy" if metric == "accuracy" else f"{largest:.2f} in log-probability"
    return (
        f"{who}, no single {units} clearly matters: with any one of them {done}, the model loses at most {size},"
        f" and every {int(round(result.level * 100))}% interval reaches 0."
    )


def agreement_verdict(rho: float) -> str:
    """``"agrees"`` (ρ ≥ 0.6), ``"agrees in part"`` (≥ 0.3) or ``"does not agree"``, for one method."""
    if rho >= AGREE_AT_LEAST:
        return "agrees"
    return "agrees in part" if rho >= AGREE_IN_PART_AT_LEAST else "does not agree"


def agreement_sentence(agreements: dict[str, MapAgreement], group: str | None = None) -> str:
    """Whether each method's maps rank the same cells first as the model's behaviour, with ρ.

    Example: ``"Integrated gradients agrees with the model's own behaviour (ρ = 0.81); CAM agrees
    in part (ρ = 0.45, over time only). (Spearman's rank correlation of the cells: …)"``
    """
    several = any(a.grid.shape[0] > 1 for a in agreements.values())
    ranked = [(m, a.rho(group), a.over) for m, a in agreements.items()]
    said = [
        f"{_PRETTY_METHODS.get(m, m)} {agreement_verdict(r)} (ρ = {r:.2f}"
        + (", over time only: one value per step for every variable" if several and over == "windows" else "")
        + ")"
        for m, r, over in ranked
        if r == r
    ]
    if not said:
        return "The maps cannot be compared with the model's behaviour here: nothing clearly matters to the model."
    said[0] = said[0][0].upper() + said[0][1:]
    said[0] = said[0].replace(" (ρ", " with the model's own behaviour (ρ", 1)
    silent = [_PRETTY_METHODS.get(m, m) for m, r, _ in ranked if r != r]
    cannot = f" {', '.join(silent)}: nothing to rank (all equal)." if silent else ""
    return (
        f"{'; '.join(said)}. (Spearman's rank correlation of the grid's cells: 1 = the same order, 0 = unrelated;"
        f" cells whose interval reaches 0 count as 0.){cannot}"
    )
