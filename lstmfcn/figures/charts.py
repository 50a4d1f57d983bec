"""General charts the pages share: an annotated heatmap and labelled lines with an optional spread
(method agreement, sanity checks, the benchmark's scaling curves)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ._style import (
    BEFORE_COLOR,
    CHANGED_COLOR,
    MAP_SCALE,
    apply_style,
    cell_text_size,
    labelled_line,
    matrix_row_px,
    neutral_style,
    rgba,
    title_above_plot,
)


def matrix_figure(
    matrix: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    title: str = "",
    zmin: float | None = -1.0,
    zmax: float | None = 1.0,
    colorscale: str = MAP_SCALE,
    colorbar_title: str = "",
    fmt: str = ".2f",
) -> go.Figure:
    """An annotated heatmap (method agreement, sanity-check similarities…).

    Each cell shows its number only while every number fits inside its cell at 11 px or more
    (:func:`cell_text_size`, the cells as narrow as half a wide page); else the hover tells them.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    cols = list(col_labels) if col_labels is not None else list(row_labels)
    rows = [str(r) for r in row_labels]
    row_px = matrix_row_px(len(rows))
    texts = [format(v, fmt) for v in matrix[np.isfinite(matrix)].ravel()]
    size = cell_text_size(len(rows), len(cols), texts, row_px=row_px)
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=[str(c) for c in cols],
            y=rows,
            zmin=zmin,
            zmax=zmax,
            colorscale=colorscale,
            texttemplate="%{z:" + fmt + "}" if size else None,
            textfont=dict(size=size or 11),
            colorbar=dict(title=dict(text=colorbar_title)),
            hovertemplate="%{y} · %{x}: %{z:" + fmt + "}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", tickmode="array", tickvals=rows, ticktext=rows)
    fig.update_xaxes(type="category")
    # many columns' names are written upright under the map: room for the longest
    below = 7 * max((len(str(c)) for c in cols), default=0) if len(cols) > 6 else 0
    return apply_style(fig, title, height=max(340, row_px * len(rows) + 160 + below), legend=False)


def lines_figure(
    x: np.ndarray,
    lines: Mapping[str, np.ndarray],
    *,
    x_title: str = "",
    y_title: str = "",
    title: str = "",
    spread: Mapping[str, np.ndarray] | None = None,
    x_labels: Sequence[str] | None = None,
) -> go.Figure:
    """Several labelled lines over a shared x (e.g. similarity after each randomised layer)."""
    fig = go.Figure()
    styles = [neutral_style(i) for i in range(len(lines))]  # methods, not classes
    colors = [s["color"] for s in styles]
    xs = list(x_labels) if x_labels is not None else np.asarray(x)
    for i, (label, yv) in enumerate(lines.items()):
        yv = np.asarray(yv, dtype=np.float64)
        if spread is not None and label in spread:
            s = np.asarray(spread[label], dtype=np.float64)
            fig.add_trace(
                go.Scatter(x=list(xs), y=yv + s, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
            )
            fig.add_trace(
                go.Scatter(
                    x=list(xs),
                    y=yv - s,
                    mode="lines",
                    line=dict(width=0),
                    fill="tonexty",
                    fillcolor=rgba(colors[i], 0.15),
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(labelled_line(list(xs), yv, label, marker_size=8, **styles[i]))
    fig.update_layout(xaxis=dict(title=x_title), yaxis=dict(title=y_title))
    if x_labels is not None:
        fig.update_xaxes(type="category")
    return apply_style(fig, title, height=400)


def grouped_bars_figure(
    categories: Sequence[str],
    groups: Mapping[str, np.ndarray],
    *,
    x_title: str = "",
    y_title: str = "",
    title: str = "",
    y_range: tuple[float, float] | None = None,
    colors: Sequence[str] | None = None,
    note: str = "",
) -> go.Figure:
    """One bar per category for each group, side by side (e.g. every class's probability before
    and after an edit). ``groups`` maps a label to values ``(len(categories),)``; categories are
    separate things, so no line joins them.

    Groups are not classes, so they never get class colours: ``colors`` per group, default grey
    for the first (before) and the change's purple for the second (after). ``note``: a second
    title line (e.g. which categories of many are shown and why)."""
    fig = go.Figure()
    colors = list(colors) if colors is not None else [BEFORE_COLOR, CHANGED_COLOR, "#37474F", "#26A69A"]
    for i, (label, values) in enumerate(groups.items()):
        fig.add_trace(
            go.Bar(
                x=[str(c) for c in categories],
                y=np.asarray(values, dtype=np.float64).tolist(),  # plain numbers: a handful of classes
                name=label,
                marker=dict(color=colors[i]),
                hovertemplate=f"{label}<br>%{{x}}: %{{y:.4f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", xaxis=dict(title=x_title, type="category"), yaxis=dict(title=y_title))
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    if not note:
        return apply_style(fig, title, height=400)
    # Drawn in a narrow column: the note wrapped under the title, the legend under the bars.
    wrapped = textwrap.wrap(note, 44)
    lines = "".join(f"<br><span style='font-size:13px'>{line}</span>" for line in wrapped)
    fig = apply_style(fig, title + lines, height=440 + 18 * len(wrapped))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0))
    title_above_plot(fig, gap=30)
    fig.update_layout(margin=dict(r=10, b=90))
    return fig
