"""The convolution filters: what one filter responds to along a series, and every filter of a block."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import (
    NEUTRAL_COLORS,
    SEQ_SCALE,
    SERIES_COLOR,
    apply_style,
    as_vt,
    rgba,
    stacked_height,
    valid_len,
    variable_labels,
)


def filter_activation_figure(
    x: np.ndarray,
    activation: np.ndarray,
    *,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    color: str = SERIES_COLOR,
    title: str = "",
) -> go.Figure:
    """The series (top rows, one per variable) and one filter's activation over time (bottom)."""
    x = as_vt(x)
    V, T = x.shape
    L = valid_len(length, T)
    names = variable_labels(V, var_names)
    fig = make_subplots(
        rows=V + 1,
        cols=1,
        shared_xaxes=True,
        row_heights=[1.0] * V + [1.0],
        subplot_titles=(names if V > 1 else [""]) + ["filter activation"],
        vertical_spacing=0.06,
    )
    t = np.arange(L)
    for v in range(V):
        fig.add_trace(
            go.Scatter(x=t, y=x[v, :L], mode="lines", line=dict(color=color, width=2.5), name=names[v]),
            row=v + 1,
            col=1,
        )
    a = np.asarray(activation, dtype=np.float64)[:L]
    fig.add_trace(
        go.Scatter(
            x=t,
            y=a,
            mode="lines",
            fill="tozeroy",
            line=dict(color=NEUTRAL_COLORS[1], width=2.5),  # a filter's response, not a class
            fillcolor=rgba(NEUTRAL_COLORS[1], 0.25),
            name="activation",
        ),
        row=V + 1,
        col=1,
    )
    fig.update_xaxes(title_text="time step", row=V + 1, col=1)
    return apply_style(fig, title, height=stacked_height(V + 1, minimum=420, extra=120), legend=False)


def activation_heatmap_figure(
    acts: np.ndarray,
    *,
    highlight: int | None = None,
    length: int | None = None,
    title: str = "All filters of the block",
) -> go.Figure:
    """``(C, T)`` activations of every filter of a block, one row per filter."""
    acts = np.asarray(acts, dtype=np.float64)
    C, T = acts.shape
    L = valid_len(length, T)
    fig = go.Figure(
        go.Heatmap(
            z=acts[:, :L],
            colorscale=SEQ_SCALE,
            zmin=0,
            colorbar=dict(title=dict(text="activation")),
            hovertemplate="filter %{y}<br>t=%{x}<br>%{z:.3f}<extra></extra>",
        )
    )
    if highlight is not None:
        fig.add_hrect(
            y0=highlight - 0.5, y1=highlight + 0.5, line=dict(color=SERIES_COLOR, width=2), fillcolor="rgba(0,0,0,0)"
        )
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(title_text="filter", autorange="reversed")
    return apply_style(fig, title, height=460, legend=False)
