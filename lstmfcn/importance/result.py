"""What a permutation-importance run found: estimates with intervals, per class and overall."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """Importances with their interval, all of one shape (``(V,)`` per variable, ``(V, W)`` per window).

    Attributes:
        importance: mean loss when the unit is perturbed (accuracy in [-1, 1], or nats of the true
            class's log-probability); NaN where no series counts the unit.
        low, high: the interval's ends (see :mod:`lstmfcn.importance.intervals`).
    """

    importance: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def clear(self) -> np.ndarray:
        """Bool, same shape: the unit certainly costs something (its whole interval is above 0)."""
        return np.nan_to_num(self.low, nan=0.0) > 0

    def to_json(self) -> dict:
        return {k: _listed(getattr(self, k)) for k in ("importance", "low", "high")}


@dataclass(frozen=True)
class GroupImportance:
    """One group's (a class's, or all series') importances under one metric.

    Attributes:
        variable: ``(V,)`` each variable perturbed whole.
        window: ``(V, W)`` each variable's each window perturbed.
        score: the metric before any perturbation (accuracy, or mean log-probability of the true class).
        samples: the group's series.
    """

    variable: Estimate
    window: Estimate
    score: float
    samples: int

    def to_json(self) -> dict:
        return {
            "variable": self.variable.to_json(),
            "window": self.window.to_json(),
            "score": _number(self.score),
            "samples": self.samples,
        }


@dataclass(frozen=True)
class ImportanceResult:
    """Permutation importance of every variable and variable × window, per class and overall.

    Attributes:
        variables: variable names, ``V``.
        windows: ``[start, stop)`` steps of each window, ``W``.
        classes: class names in the model's order.
        mode: ``"permute"`` or ``"baseline"``.
        baseline: what replaces a blanked unit (``"zeros"`` or ``"mean"``), and a short donor's tail.
        repeats: permutations per unit.
        level: the intervals' coverage (0.95).
        sample_indices: ``(N,)`` the series of the split used.
        overall: metric name → :class:`GroupImportance` over all the series used.
        by_class: class name → metric name → :class:`GroupImportance` over that class's series
            (only classes with series in the sample).
        seconds: wall time of the run.
    """

    variables: list[str]
    windows: list[tuple[int, int]]
    classes: list[str]
    mode: str
    baseline: str
    repeats: int
    level: float
    sample_indices: np.ndarray
    overall: dict[str, GroupImportance]
    by_class: dict[str, dict[str, GroupImportance]]
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def group(self, name: str | None, metric: str = "accuracy") -> GroupImportance:
        """A class's importances (``name``), or all series' (None)."""
        return self.overall[metric] if name is None else self.by_class[name][metric]

    def classes_by_dependence(self, metric: str = "accuracy") -> list[str]:
        """The classes in the sample, the one that depends most on a single unit first."""

        def most(name: str) -> float:
            g = self.by_class[name][metric]
            # With one variable, shuffling it whole shuffles the series: every class loses, which ranks nothing.
            units = [g.window.importance.ravel()] + ([g.variable.importance] if len(self.variables) > 1 else [])
            return float(np.nanmax(np.concatenate(units), initial=0))

        return sorted(self.by_class, key=lambda c: (-most(c), self.classes.index(c)))

    def to_json(self, metric: str = "accuracy") -> dict:
        """The JSON of ``lstmfcn importance --json`` for ``metric``."""
        return {
            "metric": metric,
            "mode": self.mode,
            "baseline": self.baseline,
            "repeats": self.repeats,
            "level": self.level,
            "samples": len(self.sample_indices),
            "sample_indices": self.sample_indices.tolist(),
            "variables": list(self.variables),
            "windows": [list(w) for w in self.windows],
            "overall": self.overall[metric].to_json(),
            "classes": {c: groups[metric].to_json() for c, groups in self.by_class.items()},
            "seconds": round(self.seconds, 3),
        }


def _number(x: float) -> float | None:
    return None if x != x else float(x)


def _listed(a: np.ndarray) -> list:
    return _nan_none(np.asarray(a, dtype=np.float64).tolist())


def _nan_none(value):
    if isinstance(value, list):
        return [_nan_none(v) for v in value]
    return None if value != value else float(value)
