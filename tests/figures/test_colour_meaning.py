"""A colour means a class on every chart: a class's colour is never borrowed by a method, a
model, a curve, a before/after bar or a series drawn for itself (issue #30)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmfcn import figures as F
from lstmfcn.figures._style import NEUTRAL_COLORS

CLASS_COLORS = {c.upper() for c in F.class_colors(40)}


def _rgb(c: str) -> str | None:
    """``c`` as ``#RRGGBB`` (from hex or ``rgb(a)(…)``), or None for a name or a scale."""
    c = c.strip()
    if c.startswith("#") and len(c) == 7:
        return c.upper()
    if c.startswith("rgb"):
        r, g, b = (int(float(v)) for v in c[c.index("(") + 1 : c.index(")")].split(",")[:3])
        return f"#{r:02X}{g:02X}{b:02X}"
    return None


def _colours(trace) -> set[str]:
    """Every colour a trace paints with: line, marker (one or per point), marker outline, fill."""
    found = []
    for path in ("line.color", "marker.color", "marker.line.color", "fillcolor"):
        obj = trace
        for part in path.split("."):
            obj = getattr(obj, part, None) if obj is not None else None
        if isinstance(obj, str):
            found.append(obj)
        elif isinstance(obj, (list, tuple, np.ndarray)):
            found.extend(v for v in obj if isinstance(v, str))
    return {rgb for c in found if (rgb := _rgb(c))}


def class_coloured(fig) -> list[str]:
    """Names of the traces (and the layout's colour list) painted in a class's colour."""
    hits = [str(t.name) for t in fig.data if _colours(t) & CLASS_COLORS]
    way = fig.layout.template.layout.colorway or ()
    if {_rgb(c) for c in way} & CLASS_COLORS:
        hits.append("template colorway")
    return hits


T = np.arange(30)
rng = np.random.default_rng(0)

#: Every builder whose traces are not classes, on small made-up inputs (shapes as documented).
NOT_CLASSES = {
    "sanity lines (methods)": lambda: F.lines_figure(
        np.arange(4), {"CAM": [1, 0.5, 0.2, 0.1], "IG": [1, 0.9, 0.8, 0.7]}
    ),
    "faithfulness curves (methods)": lambda: F.faithfulness_figure(
        np.linspace(0, 1, 5), {"CAM": np.linspace(1, 0, 5), "IG": np.linspace(1, 0.2, 5)}, random=np.linspace(1, 0.5, 5)
    ),
    "AOPC bars (deletion, insertion)": lambda: F.aopc_figure(
        {"deletion": {"CAM": 0.2, "IG": 0.1}, "insertion": {"CAM": 0.1, "IG": 0.0}}
    ),
    "What-if bars (before, after)": lambda: F.grouped_bars_figure(
        ["1", "2"], {"before": np.array([0.9, 0.1]), "after": np.array([0.3, 0.7])}
    ),
    "training curves (loss, accuracy)": lambda: F.training_curves_figure({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]}),
    "filter response": lambda: F.filter_activation_figure(rng.normal(size=(1, 30)), rng.random(30)),
    "attention per variable": lambda: F.variable_attention_figure(np.full((6, 6), 1 / 6)),
    "attention series": lambda: F.attention_series_figure(rng.normal(size=(1, 30)), np.full(30, 1 / 30)),
    "sweep models": lambda: F.sweep_comparison_figure(
        pd.DataFrame(
            {
                "dataset": ["A", "B"],
                "model": ["lstmfcn", "alstmfcn"],
                "ours": [0.9, 0.8],
                "theirs": [0.85, 0.82],
                "outcome": ["win", "loss"],
            }
        )
    ),
}


@pytest.mark.parametrize("name", NOT_CLASSES)
def test_charts_of_things_that_are_not_classes_use_no_class_colour(name):
    fig = NOT_CLASSES[name]()
    assert fig.data, name
    assert class_coloured(fig) == [], f"{name}: traces in a class's colour"


def test_a_class_chart_paints_in_class_colours_only_its_classes():
    classes, colors = ["1", "2", "3"], F.class_colors(3)
    X, y = rng.normal(size=(12, 1, 30)), np.repeat([0, 1, 2], 4)
    fig = F.class_samples_figure(X, y, classes, colors, per_class=2)
    painted = [t for t in fig.data if _colours(t) & CLASS_COLORS]
    assert painted  # the check sees class colours where they belong
    for t in painted:
        (colour,) = _colours(t) & CLASS_COLORS
        k = [c.upper() for c in colors].index(colour)
        assert classes[k] in f"{t.name} {t.legendgroup}", (t.name, colour)


def test_the_scan_catches_a_borrowed_class_colour():
    fig = F.lines_figure(np.arange(3), {"CAM": [1, 0.5, 0.2]})
    fig.data[0].line.color = F.class_colors(2)[1]  # orange, class 2's: what the What-if bars once were
    assert class_coloured(fig) == ["CAM"]


def test_neutral_colours_are_no_class_colours():
    assert not {c.upper() for c in NEUTRAL_COLORS} & CLASS_COLORS
