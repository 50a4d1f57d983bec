"""Presenter mode's talk: which samples, in which order, and what each screen says.

A talk walks through the guided examples of a split (:func:`lstmfcn.dashboard.analysis.guided_examples`:
per class its most confident right answer, its most confident mistake, a close call), and shows each
in up to four screens, one idea each:

1. ``"series"``: the series, its true class and the model's answer, with the confidence in the
   words the guided examples use (clear, not clear, a close call);
2. ``"because"``: the stretches of time that gave the model's answer most of its evidence
   (:func:`lstmfcn.because.because` on the class activation map);
3. ``"other"``: the same for the runner-up class, the one the model found next most likely;
4. ``"whatif"``: "What would make it say *runner-up*?", a Native Guide counterfactual
   (:func:`lstmfcn.counterfactual.summary`), said plainly when none was found.

Screens 3 and 4 need a second class, so a one-class model shows only the first two. No Streamlit
here: the page (``pages/present.py``) draws what these functions return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .because import Because, because, class_words
from .dashboard.analysis import GuidedExample, guided_examples, is_clear
from .evaluation import softmax
from .figures.stretches import shading_note
from .words import percent

#: The kinds of screen, in the order a sample's screens are shown.
SCREENS = ("series", "because", "other", "whatif")
#: With more classes than this the talk covers those the model gets wrong most often (see
#: :func:`guided_examples`): Adiac's 37 classes would otherwise make a talk of 100 samples.
MOST_CLASSES = 6


@dataclass(frozen=True)
class Step:
    """One screen of the talk.

    Attributes:
        number: the step's position, from 1.
        example: the guided example it shows (sample index in the split, true and predicted class).
        screen: one of :data:`SCREENS`.
    """

    number: int
    example: GuidedExample
    screen: str


@dataclass(frozen=True)
class Screen:
    """What one step shows, in words.

    Attributes:
        title: the screen's heading (a question or a statement, with the class names).
        sentences: what is said, in order; the first is the headline.
        cls: the class whose evidence or colour the screen shows (an index into the model's classes).
        because: on the evidence screens, the "because" its sentences come from (its stretches are
            the ones to shade); None on the others.
    """

    title: str
    sentences: tuple[str, ...]
    cls: int
    because: Because | None = None


def talk(
    y: np.ndarray, logits: np.ndarray, classes: Sequence[str], *, most_classes: int = MOST_CLASSES
) -> tuple[Step, ...]:
    """Every step of a talk over a split, example by example.

    Args:
        y: ``(N,)`` true class indices of the split.
        logits: ``(N, K)`` the model's logits on it.
        classes: ``(K,)`` class names as shown (used in the guided examples' sentences).
        most_classes: see :data:`MOST_CLASSES`.

    Returns:
        The steps, numbered from 1: for each guided example its ``"series"`` and ``"because"``
        screens, and with two classes or more its ``"other"`` and ``"whatif"`` screens. Empty when
        the split has no sample.
    """
    logits = np.asarray(logits, dtype=np.float64)
    screens = SCREENS if logits.shape[-1] > 1 else SCREENS[:2]
    examples = guided_examples(np.asarray(y), logits, list(classes), most_classes=most_classes)
    flat = [(ex, s) for ex in examples for s in screens]
    return tuple(Step(n, ex, s) for n, (ex, s) in enumerate(flat, start=1))


#: What each screen is, as the line above it names it.
SCREEN_NAMES = {"series": "the sample", "because": "why", "other": "the other class", "whatif": "what if"}


def samples_in(steps: Sequence[Step]) -> int:
    """How many samples a talk shows."""
    return len({step.example for step in steps})


def position(step: Step, steps: Sequence[Step]) -> str:
    """Where ``step`` stands in the talk: ``"sample 2 of 14 · why (2 of 4) · screen 6 of 56"``."""
    per = len(steps) // max(1, samples_in(steps))
    return (
        f"sample {(step.number - 1) // per + 1} of {samples_in(steps)} · {SCREEN_NAMES[step.screen]} "
        f"({(step.number - 1) % per + 1} of {per}) · screen {step.number} of {len(steps)}"
    )


def runner_up(probs: np.ndarray, predicted: int) -> int:
    """The class the model found most likely after ``predicted`` (``probs``: ``(K,)``, K ≥ 2)."""
    p = np.asarray(probs, dtype=np.float64).copy()
    p[int(predicted)] = -np.inf
    return int(np.argmax(p))


def series_screen(ex: GuidedExample, logits: np.ndarray, classes: Sequence[str], split: str = "test") -> Screen:
    """Screen 1: the sample, its true class, the model's answer and how sure it is.

    Args:
        ex: the guided example.
        logits: ``(K,)`` the model's logits on the sample.
        classes: class names as shown.
        split: where the sample comes from, for the title.
    """
    p = softmax(np.asarray(logits, dtype=np.float64)[None])[0]
    true, said = class_words(classes[ex.true]), class_words(classes[ex.predicted])
    verdict = "right" if ex.true == ex.predicted else "wrong"
    answer = f"True class: **{true}**. The model says **{said}** with {percent(p[ex.predicted])}: {verdict}."
    sentences = [ex.sentence, answer]
    if len(p) > 1:
        r = runner_up(p, ex.predicted)
        sure = "a clear answer" if is_clear(p) else "not a clear answer"
        sentences.append(f"Next most likely: {class_words(classes[r])} at {percent(p[r])}, so this is {sure}.")
    return Screen(f"{split.capitalize()} sample {ex.sample}: is it {true}?", tuple(sentences), ex.predicted)


def evidence_screen(
    ex: GuidedExample,
    cam: np.ndarray,
    logits: np.ndarray,
    classes: Sequence[str],
    *,
    other: bool = False,
    variable_names: Sequence[str] | None = None,
    length: int | None = None,
) -> Screen:
    """Screen 2 (``other=False``: the model's answer) or 3 (``other=True``: the runner-up class): the
    stretches of the series that gave the class most of its evidence, from the class activation map.

    Args:
        ex: the guided example.
        cam: ``(K, T)`` the sample's class activation maps (one per class, over time), or
            ``(K, V, T)`` a map per variable.
        logits: ``(K,)`` the model's logits on the sample.
        classes: class names as shown.
        other: explain the runner-up class instead of the model's answer (needs K ≥ 2).
        variable_names: ``(V,)`` names of the series' variables (a ``(K, T)`` map on several
            variables is said to be of all of them together).
        length: valid (unpadded) steps; the padding is left out of the evidence.
    """
    p = softmax(np.asarray(logits, dtype=np.float64)[None])[0]
    k = runner_up(p, ex.predicted) if other else ex.predicted
    evidence = np.asarray(cam, dtype=np.float64)[k]
    evidence = evidence[None] if evidence.ndim == 1 else evidence  # (V, T); a CAM has one row over time
    if length is not None:
        evidence = evidence[:, : int(length)]
    names = list(variable_names) if variable_names is not None else None
    said = because(evidence, classes[k], variable_names=names, predicted=classes[ex.predicted])
    if other:
        title = f"What speaks for {class_words(classes[k])}, the runner-up ({percent(p[k])})?"
    else:
        title = f"Why does the model say {class_words(classes[k])}?"
    return Screen(title, tuple(said.sentences), k, said)


def whatif_title(ex: GuidedExample, logits: np.ndarray, classes: Sequence[str]) -> str:
    """Screen 4's question: ``"What would make it say Point?"`` (the runner-up class; ``"class 2"``
    for a class known only by a number, as the because sentences say it)."""
    p = softmax(np.asarray(logits, dtype=np.float64)[None])[0]
    return f"What would make it say {class_words(classes[runner_up(p, ex.predicted)])}?"


def whatif_screen(ex: GuidedExample, logits: np.ndarray, classes: Sequence[str], found: bool, summary: str) -> Screen:
    """Screen 4: the counterfactual towards the runner-up class, in the words of
    :func:`lstmfcn.counterfactual.summary` (``summary``), with a first sentence saying whether a change
    that flips the model was found at all (``found``)."""
    p = softmax(np.asarray(logits, dtype=np.float64)[None])[0]
    r = class_words(classes[runner_up(p, ex.predicted)])
    first = (
        f"Yes: copying one stretch of a real {r} series into this one is enough."
        if found
        else f"No small change was found that makes the model say {r}."
    )
    return Screen(whatif_title(ex, logits, classes), (first, summary), runner_up(p, ex.predicted))


def classes_in_talk(steps: Sequence[Step], logits: np.ndarray) -> list[int]:
    """The classes a talk names (each example's true class, the model's answer and the runner-up),
    in index order: the ones worth naming before it starts.

    Args:
        steps: the talk (:func:`talk`).
        logits: ``(N, K)`` the model's logits on the split the steps index.
    """
    logits = np.asarray(logits, dtype=np.float64)
    named: set[int] = set()
    for step in steps:
        ex = step.example
        named |= {ex.true, ex.predicted}
        if logits.shape[-1] > 1:
            named.add(runner_up(logits[ex.sample], ex.predicted))
    return sorted(named)


def how_to_read(screen: str, found: bool = True, said: Because | None = None) -> str:
    """One line above a screen's chart saying what it draws.

    Args:
        screen: one of :data:`SCREENS`.
        found: whether the what-if screen has a counterfactual to draw (else it draws the series).
        said: the evidence screens' "because", whose shaded stretches the line describes
            (:func:`lstmfcn.figures.stretches.shading_note`).
    """
    if screen in ("because", "other"):
        note = shading_note(said).strip() if said else ""
        return note or "The series in the colour of the class it is about: no stretch stands out to shade."
    if screen == "whatif" and found:
        return "Grey: the series as it was; purple: with the shaded stretch copied from the other class's series."
    return "The series over time, in the colour of its true class."


def unnamed(labels: Sequence[str], names: Sequence[str]) -> list[int]:
    """Indices of the classes (or variables) known only by a code: shown as their bare label when that
    label is a number or a single character (``"1"``, ``"-1"``, ``"a"``; BasicMotions' ``"Walking"`` is a
    name already), or as the generic ``"variable n"``."""

    def code(label: str) -> bool:
        try:
            float(label)
        except ValueError:
            return len(label) <= 1
        return True

    return [
        i
        for i, (label, name) in enumerate(zip(labels, names, strict=True))
        if (str(name).strip() == str(label).strip() and code(str(label).strip())) or str(name).startswith("variable ")
    ]


__all__ = [
    "MOST_CLASSES",
    "SCREENS",
    "SCREEN_NAMES",
    "position",
    "samples_in",
    "classes_in_talk",
    "how_to_read",
    "Screen",
    "Step",
    "evidence_screen",
    "runner_up",
    "series_screen",
    "talk",
    "unnamed",
    "whatif_screen",
    "whatif_title",
]
