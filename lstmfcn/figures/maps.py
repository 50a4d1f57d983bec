"""Maps drawn on the series (CAM, Grad-CAM, Captum attributions, occlusion): one sample, a
mistake's two maps side by side, and a class's average map.

Signed maps share one diverging scale centred on 0 (:data:`MAP_SCALE`): red is evidence *for*
the class, blue evidence *against*. A map is ``(V, T)`` like its series, or ``(T,)`` when it has
no variable axis; on a multivariate series such a map is drawn once over time, labelled
:data:`ALL_VARIABLES`, never copied onto every variable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._map_traces import ALL_VARIABLES, is_time_map, map_trace, plain_series_trace, time_map_trace
from ._style import (
    SERIES_GREY,
    apply_style,
    as_vt,
    colored_head,
    stacked_height,
    sym_range,
    valid_len,
    variable_labels,
    variable_rows,
)
from .data import class_mean_figure


def map_series_figure(
    x: np.ndarray,
    values: np.ndarray,
    *,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    title: str = "",
    colorbar_title: str = "CAM",
    line_color: str = SERIES_GREY,
    vmax: float | None = None,
) -> go.Figure:
    """One series coloured point by point by a map: red supports the class, blue speaks against it.

    Args:
        x: ``(V, T)`` or ``(T,)`` series.
        values: ``(V, T)`` map, or ``(T,)``: one map over time (a CAM). On a multivariate series a
            ``(T,)`` map is drawn once, in a first row labelled :data:`ALL_VARIABLES`, above the
            variables' plain series.
        length: valid steps (padding is not drawn).
        vmax: colour range ``[-vmax, vmax]``; default the map's largest magnitude.
    """
    x = as_vt(x)
    V, T = x.shape
    if is_time_map(values, V):
        return _time_map_over_series(
            x,
            np.asarray(values, dtype=np.float64),
            length=length,
            var_names=var_names,
            title=title,
            colorbar_title=colorbar_title,
            line_color=line_color,
            vmax=vmax,
        )
    m = as_vt(values)
    m = np.broadcast_to(m, (V, T)) if m.shape[0] == 1 else m
    L = valid_len(length, T)
    vmax = vmax or sym_range(m[:, :L])
    names = variable_labels(V, var_names)
    fig = variable_rows(names, vertical_spacing=0.04)
    t = np.arange(L)
    for v in range(V):
        fig.add_trace(
            map_trace(
                t,
                x[v, :L],
                m[v, :L],
                vmax,
                colorbar=v == 0,
                cb_title=colorbar_title,
                name=names[v],
                line_color=line_color,
            ),
            row=v + 1,
            col=1,
        )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    return apply_style(fig, title, height=stacked_height(V, minimum=360, extra=130), legend=False)


def _time_map_over_series(
    x: np.ndarray,
    m: np.ndarray,
    *,
    length: int | None,
    var_names: Sequence[str] | None,
    title: str,
    colorbar_title: str,
    line_color: str,
    vmax: float | None,
) -> go.Figure:
    """``(T,)`` map ``m`` drawn once in a first row, then each variable of ``x`` ``(V, T)`` plainly."""
    V, T = x.shape
    L = valid_len(length, T)
    vmax = vmax or sym_range(m[:L])
    names = variable_labels(V, var_names)
    fig = make_subplots(
        rows=V + 1,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[f"{colorbar_title}: {ALL_VARIABLES}", *names],
    )
    t = np.arange(L)
    fig.add_trace(time_map_trace(t, m[:L], vmax, colorbar=True, cb_title=colorbar_title, name=ALL_VARIABLES), 1, 1)
    fig.update_yaxes(title_text=colorbar_title, row=1, col=1)
    for v in range(V):
        fig.add_trace(plain_series_trace(t, x[v, :L], names[v], line_color), row=v + 2, col=1)
    fig.update_xaxes(title_text="time step", row=V + 1, col=1)
    return apply_style(fig, title, height=stacked_height(V + 1, minimum=360, extra=130), legend=False)


def true_vs_predicted_figure(
    x: np.ndarray,
    map_true: np.ndarray,
    map_pred: np.ndarray,
    true_name: str,
    pred_name: str,
    *,
    p_true: float | None = None,
    p_pred: float | None = None,
    length: int | None = None,
    colors: Sequence[str] | None = None,
    var_names: Sequence[str] | None = None,
    title: str = "Why the mistake: the true class's map next to the predicted class's",
    colorbar_title: str = "CAM",
) -> go.Figure:
    """Two columns for one misclassified sample, one shared colour range; a row per variable
    (named by ``var_names``, one per variable of ``x``, where given).

    ``(T,)`` maps on a multivariate series have no variable axis: they are drawn once, in a first
    row labelled :data:`ALL_VARIABLES`, above the variables' plain series.
    """
    x = as_vt(x)
    V, T = x.shape
    L = valid_len(length, T)
    over_time = is_time_map(map_true, V) and is_time_map(map_pred, V)
    mt = np.broadcast_to(as_vt(map_true), (V, T))
    mp = np.broadcast_to(as_vt(map_pred), (V, T))
    vmax = sym_range(mt[:, :L], mp[:, :L])
    ct, cp = colors if colors is not None else (SERIES_GREY, SERIES_GREY)
    heads = [colored_head(f"true: {true_name}", ct, p_true), colored_head(f"predicted: {pred_name}", cp, p_pred)]
    names = variable_labels(V, var_names)
    rows = V + over_time  # the maps' own row first when they have no variable axis
    fig = make_subplots(
        rows=rows,
        cols=2,
        column_titles=heads,
        row_titles=[ALL_VARIABLES, *names] if over_time else None,
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        vertical_spacing=0.04,
    )
    t = np.arange(L)
    for col, m in ((1, mt), (2, mp)):
        if over_time:
            fig.add_trace(
                time_map_trace(t, m[0, :L], vmax, colorbar=col == 1, cb_title=colorbar_title, name=f"{col}"), 1, col
            )
        for v in range(V):
            if over_time:
                fig.add_trace(plain_series_trace(t, x[v, :L], names[v]), row=v + 2, col=col)
                continue
            fig.add_trace(
                map_trace(
                    t, x[v, :L], m[v, :L], vmax, colorbar=(col == 1 and v == 0), cb_title=colorbar_title, name=f"{col}"
                ),
                row=v + 1,
                col=col,
            )
    return apply_style(fig, title, height=stacked_height(rows, minimum=340, extra=130), legend=False)


def class_average_map_figure(
    mean: np.ndarray,
    std: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    var_names: Sequence[str] | None = None,
    title: str = "Average map of each class over its samples (± one standard deviation)",
    y_title: str = "CAM",
) -> go.Figure:
    """Per class, the mean of its samples' maps over time with a ± std band.

    Beyond :data:`MAX_LINE_CLASSES` classes, lines and bands would be a tangle: the means become
    a heatmap (a row per class, diverging colours centred on 0; the std is in the hover).

    Args:
        mean, std: ``(K, T)`` (a map shared by all variables) or ``(K, V, T)``.
    """
    mean, std = np.asarray(mean), np.asarray(std)
    if mean.ndim == 2:
        mean, std = mean[:, None, :], std[:, None, :]
    fig = class_mean_figure(
        mean, std, classes, colors, counts=counts, var_names=var_names, title=title, y_title=y_title
    )
    fig.update_yaxes(zeroline=True, zerolinecolor="#888", zerolinewidth=1.5)
    return fig
