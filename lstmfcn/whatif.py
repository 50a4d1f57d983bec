"""What-if editing: change a window of one series and see what the model makes of it.

Every edit is a small frozen dataclass naming a window ``[start, stop)`` of time steps and the
variables it touches (default all), with ``apply(x, *, length=None) -> x'`` on one series
``x (V, T)`` (float32, as the model reads it: take it from :func:`lstmfcn.model_input`). Edits
never modify their input; :func:`apply_edits` stacks a list of them in order.

Undo and reset are the caller's list operations: keep the list of edits, ``edits.pop()`` undoes
the last, ``edits.clear()`` resets, and ``apply_edits(x, edits)`` on the untouched original gives
the current series. Nothing is stored here.

:class:`Baseline` uses :func:`lstmfcn.explain.baselines.make_baseline`, the very function occlusion
replaces its windows with, so replacing a window by the baseline changes a class's logit by
exactly the value occlusion reports for that window (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .errors import UserInputError
from .explain.baselines import BASELINES, make_baseline
from .explain.cam import class_activation_maps


@dataclass(frozen=True)
class Window:
    """A window of one series: steps ``[start, stop)`` of the listed variables (None: all).

    Subclasses implement :meth:`edited`; :meth:`apply` checks the window and copies the series.
    """

    start: int
    stop: int
    variables: tuple[int, ...] | None = None

    def apply(self, x: np.ndarray, *, length: int | None = None) -> np.ndarray:
        """The edited copy of ``x (V, T)``; ``length``: valid (unpadded) steps, default ``T``.

        Raises:
            ValueError: the window is empty or outside the valid steps, a variable does not exist,
                or a parameter of the edit is out of range.
        """
        x = as_series(x)
        valid = _check_length(length, x.shape[-1])
        rows = self.rows(x.shape[0], valid)
        out = x.copy()
        out[rows, self.start : self.stop] = self.edited(x, valid)[rows, self.start : self.stop]
        return out

    def rows(self, n_vars: int, valid: int) -> np.ndarray:
        """Indices of the variables edited, after checking the window against ``valid`` steps."""
        if not 0 <= self.start < self.stop <= valid:
            raise UserInputError(
                f"the window [{self.start}, {self.stop}) must be non-empty and lie within the series' {valid} valid steps"
            )
        if self.variables is None:
            return np.arange(n_vars)
        rows = np.asarray(self.variables, dtype=np.int64).reshape(-1)
        if len(rows) == 0 or rows.min() < 0 or rows.max() >= n_vars:
            raise UserInputError(
                f"variables must be a non-empty list of indices in 0..{n_vars - 1}, got {self.variables}"
            )
        return rows

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        """``(V, T)`` the series as the edit would make it everywhere; :meth:`apply` keeps the window."""
        raise NotImplementedError


@dataclass(frozen=True)
class Baseline(Window):
    """Replace the window by occlusion's baseline: ``"zeros"``, ``"mean"`` (the series' own per-variable
    mean over its valid steps) or ``"blur"`` (Gaussian, sigma ``blur_sigma`` steps, default ``T / 20``)."""

    baseline: str = "zeros"
    blur_sigma: float | None = None

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        if self.baseline not in BASELINES:
            raise UserInputError(f"unknown baseline {self.baseline!r}; choose one of {', '.join(BASELINES)}")
        xt = torch.as_tensor(x)[None]  # (1, V, T)
        lt = None if valid == x.shape[-1] else torch.tensor([valid])
        return make_baseline(xt, self.baseline, lt, blur_sigma=self.blur_sigma)[0].numpy()


@dataclass(frozen=True)
class Smooth(Window):
    """Moving average of ``width`` steps (centred; the series' edges extended), kept inside the window.

    The average reads steps around the window too, so the edited part joins its neighbours smoothly.
    """

    width: int = 5

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        from scipy.ndimage import uniform_filter1d

        if self.width < 1:
            raise UserInputError(f"the smoothing width must be at least 1 step, got {self.width}")
        out = x.copy()
        out[:, :valid] = uniform_filter1d(x[:, :valid], self.width, axis=-1, mode="nearest")
        return out


@dataclass(frozen=True)
class Scale(Window):
    """Multiply the window's values by ``factor`` (about 0, the level a per-sample normalised series centres on)."""

    factor: float = 1.0

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        if not np.isfinite(self.factor):
            raise UserInputError(f"the scale factor must be a finite number, got {self.factor}")
        return x * np.float32(self.factor)


@dataclass(frozen=True)
class Shift(Window):
    """Move the window's content ``steps`` later in time (negative: earlier), inside the window.

    Steps the content leaves are filled with the window's edge value (its first step for a shift
    later, its last for a shift earlier); content shifted past the window's end is dropped.
    """

    steps: int = 0

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        source = np.clip(np.arange(x.shape[-1]) - int(self.steps), self.start, self.stop - 1)  # (T,)
        return x[:, source]


@dataclass(frozen=True)
class Noise(Window):
    """Add Gaussian noise of ``sigma`` times the window's own standard deviation (per variable), seeded.

    A flat window (standard deviation 0) gets no noise: ``sigma`` is relative to what is there.
    """

    sigma: float = 0.5
    seed: int = 0

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        if not (np.isfinite(self.sigma) and self.sigma >= 0):
            raise UserInputError(f"the noise sigma must be a finite number >= 0, got {self.sigma}")
        std = x[:, self.start : self.stop].std(axis=-1, keepdims=True)  # (V, 1)
        noise = np.random.default_rng(self.seed).normal(0.0, 1.0, x.shape).astype(np.float32)
        return x + np.float32(self.sigma) * std * noise


@dataclass(frozen=True, eq=False)
class Splice(Window):
    """Copy the same window from another series ``donor (V, T)`` (e.g. a training series of another class)."""

    donor: np.ndarray | None = None

    def edited(self, x: np.ndarray, valid: int) -> np.ndarray:
        if self.donor is None:
            raise UserInputError("a splice needs a donor series of the same shape as the edited one")
        donor = as_series(self.donor)
        if donor.shape != x.shape:
            raise UserInputError(f"the donor series has shape {donor.shape}, the edited one {x.shape}: they must match")
        return donor


def as_series(x: np.ndarray) -> np.ndarray:
    """``x`` as a float32 ``(V, T)`` array (a copy is made only where needed; callers never write to it)."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != 2:
        raise UserInputError(f"a series must have shape (V, T) (variables, time), got shape {arr.shape}")
    return arr


def _check_length(length: int | None, total: int) -> int:
    if length is None:
        return total
    if not 1 <= int(length) <= total:
        raise UserInputError(f"length must lie between 1 and the series length {total}, got {length}")
    return int(length)


def apply_edits(x: np.ndarray, edits: list[Window], *, length: int | None = None) -> np.ndarray:
    """``x (V, T)`` with ``edits`` applied in order (each sees the previous one's result); ``x`` is untouched."""
    out = as_series(x).copy()
    for edit in edits:
        out = edit.apply(out, length=length)
    return out


def brushed_window(event: dict | None, length: int) -> tuple[int, int] | None:
    """The window ``[start, stop)`` a chart selection covers, on a series of ``length`` valid steps.

    Args:
        event: a Plotly selection as Streamlit reports it (``{"selection": {"box": [{"x": [x0, x1]}, …],
            "points": [{"x": t}, …]}}``), the x axis being the time step; a box wins over points.
        length: valid steps; the window is kept inside ``0..length``.

    Returns:
        ``(start, stop)`` with ``stop > start``, or None when the selection covers no step.
    """
    sel = (event or {}).get("selection") or {}
    boxes = [b for b in sel.get("box") or [] if len(b.get("x") or []) == 2]
    if boxes:
        lo, hi = sorted(float(v) for v in boxes[-1]["x"])
        start, stop = int(np.ceil(lo)), int(np.floor(hi)) + 1  # the steps inside the box
    else:
        steps = [p["x"] for p in sel.get("points") or [] if isinstance(p.get("x"), int | float)]
        if not steps:
            return None
        start, stop = int(round(min(steps))), int(round(max(steps))) + 1
    start, stop = max(start, 0), min(stop, int(length))
    return (start, stop) if stop > start else None


@dataclass(frozen=True)
class WhatIf:
    """What the model makes of one series.

    Attributes:
        probabilities: ``(K,)`` softmax of the logits (for display).
        logits: ``(K,)``.
        cam: ``(K, T)`` class activation map of every class (logit units per step, 0 on padding).
        predicted: index of the most likely class.
    """

    probabilities: np.ndarray
    logits: np.ndarray
    cam: np.ndarray
    predicted: int


def predict_and_cam(model: nn.Module, x: np.ndarray, length: int | None = None) -> WhatIf:
    """Probabilities, logits and every class's CAM of one series ``x (V, T)``: one forward pass."""
    x = as_series(x)
    valid = _check_length(length, x.shape[-1])
    res = class_activation_maps(model, x[None], None if valid == x.shape[-1] else np.array([valid]))
    logits = res.logits[0]
    shifted = np.exp(logits - logits.max())
    return WhatIf(shifted / shifted.sum(), logits, res.cam[0], int(logits.argmax()))


#: Up to this many classes every class gets its before/after bars; beyond, :func:`classes_to_compare` picks.
ALL_BARS_UP_TO = 12


@dataclass(frozen=True)
class BarsShown:
    """Which classes a before/after bar chart shows, and the words that say so.

    Attributes:
        classes: class indices, in class order.
        most_probable: how many were picked as the most probable before or after.
        moved_most: how many more were picked as those whose probability moved most.
        note: ``""`` when every class is shown, else a sentence naming the rule
            (``"11 of 37 classes: the 8 most probable (before or after) and the 3 that moved most"``).
    """

    classes: tuple[int, ...]
    most_probable: int
    moved_most: int
    note: str


def classes_to_compare(
    before: np.ndarray, after: np.ndarray, *, most: int = 8, moved: int = 3, all_up_to: int = ALL_BARS_UP_TO
) -> BarsShown:
    """The classes worth a bar pair when there are too many for all: the ``most`` highest by
    ``max(before, after)``, then the ``moved`` (others) whose probability changed most; every class
    when there are at most ``all_up_to``. Ties go to the lower class index.

    Args:
        before, after: ``(K,)`` probabilities before and after an edit.
    """
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    K = len(before)
    if K <= all_up_to:
        return BarsShown(tuple(range(K)), K, 0, "")
    top = [int(k) for k in np.argsort(-np.maximum(before, after), kind="stable")[:most]]
    rest = [int(k) for k in np.argsort(-np.abs(after - before), kind="stable") if int(k) not in top][:moved]
    note = f"{len(top) + len(rest)} of {K} classes: the {len(top)} most probable (before or after)"
    note += f" and the {len(rest)} that moved most" if rest else ""
    return BarsShown(tuple(sorted(top + rest)), len(top), len(rest), note)


__all__ = [
    "ALL_BARS_UP_TO",
    "Baseline",
    "BarsShown",
    "Noise",
    "Scale",
    "Shift",
    "Smooth",
    "Splice",
    "WhatIf",
    "Window",
    "apply_edits",
    "as_series",
    "brushed_window",
    "classes_to_compare",
    "predict_and_cam",
]
