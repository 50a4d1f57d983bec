"""Faithfulness: does removing what a map points at change the model's output more than chance?

Deletion and insertion curves per method against a random order, and each method's AOPC above
the random order's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from ._style import NEUTRAL_COLORS, apply_style, band_trace, labelled_line, neutral_style


def faithfulness_figure(
    fractions: np.ndarray,
    curves: Mapping[str, np.ndarray],
    *,
    random: np.ndarray | None = None,
    random_spread: np.ndarray | None = None,
    kind: str = "deletion",
    y_title: str = "probability of the explained class",
    title: str | None = None,
) -> go.Figure:
    """Deletion or insertion curves: the model's output as the most important steps are removed
    (deletion: a faithful map drops fast) or added back (insertion: it rises fast), one line per
    method, random order dashed grey."""
    fractions = np.asarray(fractions, dtype=np.float64)
    fig = go.Figure()
    styles = [neutral_style(i) for i in range(len(curves))]  # methods, not classes
    if random is not None:
        r = np.asarray(random, dtype=np.float64)
        if random_spread is not None:
            s = np.asarray(random_spread, dtype=np.float64)
            fig.add_trace(band_trace(fractions, r, s, "rgba(120,120,120,0.15)"))
        fig.add_trace(
            go.Scatter(
                x=fractions, y=r, name="random order", mode="lines", line=dict(color="#777", dash="dash", width=3)
            )
        )
    for i, (label, curve) in enumerate(curves.items()):
        fig.add_trace(labelled_line(fractions, np.asarray(curve), label, marker_size=6, **styles[i]))
    fig.update_layout(
        xaxis=dict(title=f"fraction of time steps {'removed' if kind == 'deletion' else 'inserted'}", tickformat=".0%"),
        yaxis=dict(title=y_title),
    )
    default = (
        "Deletion: remove the most important steps first"
        if kind == "deletion"
        else "Insertion: add the most important steps first"
    )
    return apply_style(fig, title or default, height=400)


def aopc_figure(
    gains: Mapping[str, Mapping[str, float]],
    *,
    title: str = "AOPC above the random order's (higher = more faithful than random)",
) -> go.Figure:
    """Grouped bars of each method's AOPC minus the random ordering's, for deletion and insertion.

    Args:
        gains: curve name (``"deletion"``, ``"insertion"``) → method → AOPC − random AOPC.
            Above 0 the method finds the steps that matter better than chance; at 0 it is random.
    """
    fig = go.Figure()
    styles = {  # two ways of measuring, not classes: neutral, told apart by depth and hatching
        "deletion": dict(color=NEUTRAL_COLORS[0]),
        "insertion": dict(color=NEUTRAL_COLORS[1], pattern=dict(shape="/")),
    }
    for curve, scores in gains.items():
        labels = list(scores)
        fig.add_bar(
            x=labels,
            y=[scores[k] for k in labels],
            name=curve,
            marker=styles.get(curve, {}),
            text=[f"{scores[k]:+.3f}" for k in labels],
            textposition="outside",
        )
    fig.add_hline(
        y=0,
        line=dict(color="#555", dash="dash", width=2),
        annotation_text="random order",
        annotation_position="bottom left",
    )
    fig.update_layout(
        barmode="group", xaxis=dict(type="category", title="method"), yaxis=dict(title="AOPC − random AOPC")
    )
    return apply_style(fig, title, height=400)
