"""How well the model does: the confusion matrix, accuracy per class, and every sample's probability."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ._style import BAR_LABEL_SIZE, MAX_UPRIGHT_BARS, apply_style, lying_bars

#: Up to this many classes the confusion matrix writes each cell's count; beyond, hover shows it.
LABELLED_CELLS_UP_TO = 15


def confusion_figure(cm: np.ndarray, classes: Sequence[str], *, title: str = "Confusion matrix") -> go.Figure:
    """Counts with row-normalised colour (row = true class, column = predicted class)."""
    cm = np.asarray(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    names = [str(c) for c in classes]
    K = len(names)
    fig = go.Figure(
        go.Heatmap(
            z=rate,
            x=names,
            y=names,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            text=cm,
            # Past LABELLED_CELLS_UP_TO classes the counts would be unreadable specks: hover tells them.
            texttemplate="%{text}" if K <= LABELLED_CELLS_UP_TO else None,
            textfont=dict(size=16 if K <= 12 else 10),
            colorbar=dict(title=dict(text="row share")),
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text} samples (%{z:.0%} of the row)<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="predicted class", type="category", side="bottom")
    fig.update_yaxes(title_text="true class", type="category", autorange="reversed")
    return apply_style(fig, title, height=max(360, min(900, 60 * K + 160)), legend=False)


def per_class_accuracy_figure(
    accuracy: Sequence[float],
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    title: str = "Accuracy per class",
) -> go.Figure:
    """Bars of each class's recall (share of its samples predicted correctly), each with its number.

    Beyond :data:`MAX_UPRIGHT_BARS` classes the bars lie down, one named row per class, so that
    every class's name and number stay readable (Adiac's 37)."""
    acc = [None if (a is None or not np.isfinite(a)) else float(a) for a in accuracy]
    text = [
        ("—" if a is None else f"{a:.0%}") + (f" of {counts[k]}" if counts is not None else "")
        for k, a in enumerate(acc)
    ]
    names = [str(c) for c in classes]
    if len(names) > MAX_UPRIGHT_BARS:  # upright, 37 numbers "95% of 3" would run into each other
        fig = go.Figure(
            go.Bar(
                y=names,
                x=acc,
                orientation="h",
                marker=dict(color=list(colors)),
                text=text,
                textposition="outside",
                textfont=dict(size=BAR_LABEL_SIZE),
                cliponaxis=False,
            )
        )
        fig.update_layout(xaxis=dict(title="accuracy", range=[0, 1.25], tickformat=".0%"), yaxis=dict(title="class"))
        return lying_bars(apply_style(fig, title, legend=False), names)
    fig = go.Figure(go.Bar(x=names, y=acc, marker=dict(color=list(colors)), text=text, textposition="outside"))
    fig.update_layout(
        xaxis=dict(type="category", title="class"), yaxis=dict(title="accuracy", range=[0, 1.15], tickformat=".0%")
    )
    return apply_style(fig, title, height=380, legend=False)


def sample_probability_figure(
    p_true: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    selected: int | None = None,
    title: str = "Probability of the true class for every sample (click one to select it)",
) -> go.Figure:
    """Clickable overview: one point per sample (x = index, y = p(true class)), ✕ = misclassified.

    Each point's ``customdata`` is its sample index, so a selection event names the sample.
    """
    p_true, y, pred = np.asarray(p_true), np.asarray(y), np.asarray(pred)
    idx = np.arange(len(y))
    fig = go.Figure()
    for k, name in enumerate(classes):
        sel = y == k
        if not sel.any():
            continue
        wrong = pred[sel] != k
        fig.add_trace(
            go.Scatter(
                x=idx[sel],
                y=p_true[sel],
                mode="markers",
                name=str(name),
                customdata=idx[sel],
                marker=dict(
                    color=colors[k],
                    size=np.where(wrong, 13, 9),
                    symbol=np.where(wrong, "x", "circle"),
                    line=dict(width=0),
                ),
                text=[str(classes[p]) for p in pred[sel]],
                hovertemplate="sample %{customdata}<br>p(true class) = %{y:.3f}<br>predicted: %{text}<extra>"
                + str(name)
                + "</extra>",
            )
        )
    if selected is not None and 0 <= selected < len(y):
        fig.add_trace(
            go.Scatter(
                x=[selected],
                y=[p_true[selected]],
                mode="markers",
                name=f"selected: {selected}",
                hoverinfo="skip",
                marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="#111", width=3)),
            )
        )
    fig.add_hline(y=0.5, line=dict(color="#999", dash="dot", width=1))
    fig.update_layout(
        xaxis=dict(title="sample"), yaxis=dict(title="p(true class)", range=[-0.05, 1.05]), clickmode="event+select"
    )
    return apply_style(fig, title, height=330)
