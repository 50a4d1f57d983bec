"""General charts the pages share: an annotated heatmap and labelled lines with an optional spread
(method agreement, sanity checks, the benchmark's scaling curves)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ._style import MAP_SCALE, apply_style, class_colors, labelled_line, rgba


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
    """An annotated heatmap (method agreement, sanity-check similarities…)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    cols = list(col_labels) if col_labels is not None else list(row_labels)
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=[str(c) for c in cols],
            y=[str(r) for r in row_labels],
            zmin=zmin,
            zmax=zmax,
            colorscale=colorscale,
            texttemplate="%{z:" + fmt + "}",
            textfont=dict(size=15),
            colorbar=dict(title=dict(text=colorbar_title)),
            hovertemplate="%{y} · %{x}: %{z:" + fmt + "}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return apply_style(fig, title, height=max(340, 55 * len(row_labels) + 160), legend=False)


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
    colors = class_colors(len(lines))
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
        fig.add_trace(labelled_line(list(xs), yv, label, colors[i], marker_size=8))
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
) -> go.Figure:
    """One bar per category for each group, side by side (e.g. every class's probability before
    and after an edit). ``groups`` maps a label to values ``(len(categories),)``; categories are
    separate things, so no line joins them."""
    fig = go.Figure()
    colors = class_colors(len(groups))
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
    return apply_style(fig, title, height=400)
