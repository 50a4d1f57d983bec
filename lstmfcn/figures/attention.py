"""Attention of the attention LSTM (ALSTM-FCN, MALSTM-FCN): the alignment matrix, where one sample's
attention looks, and its average per class.

Every chart shows the uniform level ``1/n``, the weight of a model that looks nowhere in
particular, so that near-uniform attention is never drawn as if it were sharp focus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import (
    MAX_LINE_CLASSES,
    NEUTRAL_COLORS,
    SERIES_COLOR,
    apply_style,
    as_vt,
    lying_bars,
    rgba,
    stacked_height,
    valid_len,
    variable_labels,
    variable_rows,
)
from .charts import matrix_figure
from .maps import class_average_map_figure

UNIFORM_LINE = dict(color="#444", width=1.5, dash="dot")
# PuOr reversed: purple below the uniform weight, white at it, orange (the attention colour) above.
_UNIFORM_SCALE_COLORS = [
    "rgb(45,0,75)",
    "rgb(84,39,136)",
    "rgb(128,115,172)",
    "rgb(178,171,210)",
    "rgb(216,218,235)",
    "rgb(247,247,247)",
    "rgb(254,224,182)",
    "rgb(253,184,99)",
    "rgb(224,130,20)",
    "rgb(179,88,6)",
    "rgb(127,59,8)",
]

WEIGHT_COLOR = NEUTRAL_COLORS[1]  # attention weights: a quantity, never a class


def uniform_anchored_colors(values: np.ndarray, n: int) -> dict:
    """Heatmap colour settings (``colorscale``, ``zmin``, ``zmax``) with white at the uniform weight ``1/n``.

    An auto-scaled palette stretches whatever range the weights have over all its colours, so
    weights of 0.005-0.010 around a uniform 0.0067 would look like sharp focus. Here the range runs
    from 0 to at least twice the uniform level with white pinned at ``1/n``: near-uniform attention
    stays pale everywhere. Stronger peaks extend the orange side up to the largest weight (nothing
    saturates); the purple side always spans 0 to ``1/n``.

    Args:
        values: weights of any shape (NaN ignored); n: positions they spread over.
    """
    uniform = 1.0 / max(int(n), 1)
    finite = np.asarray(values, dtype=np.float64)[np.isfinite(values)]
    top = max(2.0 * uniform, float(finite.max()) if finite.size else 0.0)
    mid = uniform / top  # where white sits on the 0-1 colour axis
    below, above = _UNIFORM_SCALE_COLORS[:6], _UNIFORM_SCALE_COLORS[5:]
    scale = [[mid * i / 5, c] for i, c in enumerate(below)]
    scale += [[mid + (1 - mid) * i / 5, c] for i, c in enumerate(above)][1:]
    return dict(colorscale=scale, zmin=0.0, zmax=top)


def _uniform_heatmap_colors(values: np.ndarray, n: int) -> dict:
    """A heatmap's colour settings from :func:`uniform_anchored_colors` and a colour bar that says where white is."""
    return dict(
        colorbar=dict(title=dict(text=f"weight<br>(white = uniform 1/{n})")), **uniform_anchored_colors(values, n)
    )


def _uniform_line(fig: go.Figure, n: int, *, row: int | None = None, col: int | None = None) -> None:
    """A dotted, labelled horizontal line at the uniform weight ``1/n``."""
    fig.add_hline(
        y=1.0 / n,
        line=UNIFORM_LINE,
        row=row,
        col=col,
        annotation_text=f"uniform 1/{n}",
        annotation_position="top right",
        annotation_font=dict(size=12, color="#444"),
    )


def attention_matrix_figure(
    alpha: np.ndarray, *, axis_title: str = "time step", title: str = "Alignment matrix"
) -> go.Figure:
    """``(S, S)`` attention weights: row = the LSTM's step, column = the input step it attends to.

    Colours are anchored on the uniform weight ``1/S`` (:func:`uniform_anchored_colors`): white
    is an even share, orange more, purple less; the hover gives each weight as a multiple of it.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    S = alpha.shape[0]
    labels = None if axis_title == "time step" else [str(i + 1) for i in range(S)]
    fig = go.Figure(
        go.Heatmap(
            z=alpha,
            x=labels,
            y=labels,
            customdata=alpha * S,
            **_uniform_heatmap_colors(alpha, S),
            hovertemplate="LSTM step %{y}<br>attends to %{x}<br>weight %{z:.4f} = %{customdata:.2f} × uniform"
            "<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=f"attended input {axis_title}")
    fig.update_yaxes(title_text=f"LSTM {axis_title}", autorange="reversed")
    if labels is not None:
        fig.update_xaxes(type="category")
        fig.update_yaxes(type="category")
    return apply_style(fig, title, height=460, legend=False)


def attention_series_figure(
    x: np.ndarray,
    weights: np.ndarray | None,
    *,
    context: np.ndarray | None = None,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    color: str = SERIES_COLOR,
    title: str = "Where the attention looks, and the context vectors it reads",
) -> go.Figure:
    """The series (solid) with the context vector sequence (dashed), one row per variable, and
    the attention weights over time in a row of their own underneath.

    Args:
        x: ``(V, T)``; weights: ``(T,)`` attention each input step receives, or None (no row),
            drawn with the uniform level ``1/L`` (``L`` the valid length) as a dotted line;
        context: ``(V, T)``.
    """
    x = as_vt(x)
    V, T = x.shape
    L = valid_len(length, T)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[:L]
    names = variable_labels(V, var_names)
    rows = V + (w is not None)
    titles = (names if V > 1 else [""]) + (["attention weight of each time step"] if w is not None else [])
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.08)
    t = np.arange(L)
    for v in range(V):
        fig.add_trace(
            go.Scatter(
                x=t, y=x[v, :L], name="series", mode="lines", line=dict(color=color, width=2.5), showlegend=v == 0
            ),
            row=v + 1,
            col=1,
        )
        if context is not None:
            cv = as_vt(context)
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=cv[v, :L],
                    name="context vector",
                    mode="lines",
                    line=dict(color="#111", width=2.5, dash="dash"),
                    showlegend=v == 0,
                ),
                row=v + 1,
                col=1,
            )
    if w is not None:
        fig.add_trace(
            go.Scatter(
                x=t,
                y=w,
                name="attention weight",
                mode="lines",
                fill="tozeroy",
                line=dict(color=WEIGHT_COLOR, width=2.5),  # weights, not a class: no class's colour
                fillcolor=rgba(WEIGHT_COLOR, 0.3),
                customdata=w * L,
                hovertemplate="t=%{x}<br>weight %{y:.4f} = %{customdata:.2f} × uniform<extra></extra>",
            ),
            row=rows,
            col=1,
        )
        _uniform_line(fig, L, row=rows, col=1)  # weights over the L valid steps: an even share is 1/L
        fig.update_yaxes(rangemode="tozero", title_text="weight", row=rows, col=1)
    fig.update_xaxes(title_text="time step", row=rows, col=1)
    return apply_style(fig, title, height=stacked_height(rows, minimum=420, extra=130))


#: Variable names longer than this, or more variables than :data:`MAX_UPRIGHT_VARIABLES`, make the
#: bars lie down: upright, 12 names like "LPC cepstrum coefficient 1" stood on end squeezed the plot
#: to a sliver and their numbers overlapped.
LONGEST_UPRIGHT_NAME = 12
MAX_UPRIGHT_VARIABLES = 8


def variable_attention_figure(
    alpha: np.ndarray,
    *,
    var_names: Sequence[str] | None = None,
    title: str = "Attention over variables (the LSTM's steps)",
) -> go.Figure:
    """Mean attention each variable receives (bars) for a shuffle-on model, whose LSTM steps are
    variables, with the uniform level ``1/V`` as a dotted line. Many or long-named variables get
    one horizontal bar per named row.

    Args:
        alpha: ``(S, V)`` the alignment matrix (rows: the LSTM's steps), or ``(V,)`` one row.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    V = alpha.shape[-1]
    names = variable_labels(V, var_names)
    received = alpha.reshape(-1, V).mean(axis=0)
    lying = V > MAX_UPRIGHT_VARIABLES or max(map(len, names)) > LONGEST_UPRIGHT_NAME
    along, across = ("y", "x") if lying else ("x", "y")
    fig = go.Figure(
        go.Bar(
            **{along: names, across: received},
            orientation="h" if lying else "v",
            marker=dict(color=WEIGHT_COLOR),
            text=[f"{r:.2f}" for r in received],
            textposition="outside",
            cliponaxis=False,
            customdata=received * V,
            hovertemplate=f"%{{{along}}}<br>mean weight %{{{across}:.3f}} = %{{customdata:.2f}} × uniform<extra></extra>",
        )
    )
    value_axis = dict(title="mean attention received", range=[0, max(1.0, received.max() * 1.15)])
    if lying:
        fig.add_vline(x=1.0 / V, line=UNIFORM_LINE)  # named in the axis title: a label by it hid a bar's number
        fig.update_layout(xaxis=value_axis | dict(title=f"mean attention received (dotted: uniform 1/{V})"))
        fig = apply_style(fig, title, height=360, legend=False)
        return lying_bars(fig, names)
    _uniform_line(fig, V)
    fig.update_layout(xaxis=dict(type="category", title="variable"), yaxis=value_axis)
    return apply_style(fig, title, height=360, legend=False)


def class_attention_figure(
    mean: np.ndarray,
    std: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    n_positions: int | None,
    counts: Sequence[int] | None = None,
    title: str = "Last-step attention per class",
) -> go.Figure:
    """Per class, the mean attention weight of each time step (± std), with the uniform level.

    Lines get a dotted line at ``1/n_positions``; beyond :data:`MAX_LINE_CLASSES` classes the
    heatmap is coloured with white at that level (:func:`uniform_anchored_colors`).

    Args:
        mean, std: ``(K, T)``.
        n_positions: the steps each sample's weights spread over (``T`` for full-length series),
            or None when that differs between samples (padded series): no single uniform level.
    """
    fig = class_average_map_figure(mean, std, classes, colors, counts=counts, title=title, y_title="attention weight")
    if n_positions is None:
        return fig
    if len(classes) > MAX_LINE_CLASSES:
        fig.update_traces(selector=dict(type="heatmap"), zmid=None, **_uniform_heatmap_colors(mean, n_positions))
    else:
        _uniform_line(fig, n_positions)
    return fig


def class_variable_attention_figure(
    mean: np.ndarray,
    classes: Sequence[str],
    var_names: Sequence[str],
    *,
    title: str = "Last-step attention per class",
) -> go.Figure:
    """``(K, V)`` mean weight each class's samples put on each variable, white at the uniform ``1/V``."""
    mean = np.asarray(mean, dtype=np.float64)
    V = mean.shape[1]
    fig = matrix_figure(mean, classes, var_names, title=title, fmt=".2f")
    fig.update_traces(
        customdata=mean * V,
        **_uniform_heatmap_colors(mean, V),
        hovertemplate="class %{y} · %{x}: %{z:.2f} = %{customdata:.2f} × uniform<extra></extra>",
    )
    return fig


def class_context_figure(
    series_mean: np.ndarray,
    context_mean: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    var_names: Sequence[str] | None = None,
    title: str = "Class mean series (solid) with the class mean context vectors (dashed)",
) -> go.Figure:
    """Per class the mean series and the mean context vector sequence; one row per variable.

    Args:
        series_mean, context_mean: ``(K, V, T)``.
    """
    s, c = np.asarray(series_mean, dtype=np.float64), np.asarray(context_mean, dtype=np.float64)
    K, V, T = s.shape
    fig = variable_rows(variable_labels(V, var_names), vertical_spacing=0.05)
    t = np.arange(T)
    for k in range(K):
        for v in range(V):
            for what, values, dash in (("series", s, None), ("context", c, "dash")):  # solid, then dashed
                fig.add_trace(
                    go.Scatter(
                        x=t,
                        y=values[k, v],
                        mode="lines",
                        name=f"{classes[k]} {what}",
                        legendgroup=str(k),
                        showlegend=v == 0,
                        line=dict(color=colors[k], width=2.5, dash=dash),
                    ),
                    row=v + 1,
                    col=1,
                )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    return apply_style(fig, title, height=stacked_height(V, minimum=360, extra=140))
