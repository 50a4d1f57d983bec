"""Many maps of one sample, a small panel each: every class's map, or every method's.

Panels share one colour range when they measure in one unit (a class's maps), and are each scaled
to their own largest value when they do not (different methods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._map_traces import ALL_VARIABLES, is_time_map, map_trace, time_map_trace
from ._style import apply_style, as_vt, colored_head, grid, sym_range, valid_len, variable_labels


def map_small_multiples_figure(
    x: np.ndarray,
    maps: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    probs: Sequence[float] | None = None,
    length: int | None = None,
    highlight: int | None = None,
    title: str = "Every class's map on this sample",
    colorbar_title: str = "CAM",
) -> go.Figure:
    """One small panel per class, the series coloured by that class's map, one shared colour range.

    Args:
        x: ``(V, T)`` series; maps: ``(K, T)`` or ``(K, V, T)``; probs: ``(K,)`` probabilities.
            On a multivariate series ``(K, T)`` maps have no variable axis: each panel then draws
            its class's map once, as a curve over time (:data:`ALL_VARIABLES`), not on every variable.
        highlight: class index framed as the one the page is about (e.g. the prediction).
    """
    x = as_vt(x)
    V, T = x.shape
    maps = np.asarray(maps, dtype=np.float64)
    over_time = V > 1 and maps.ndim == 2
    if over_time:
        title = f"{title} ({ALL_VARIABLES})"
    maps = maps[:, None, :] if maps.ndim == 2 else maps
    K = maps.shape[0]
    L = valid_len(length, T)
    vmax = sym_range(maps[..., :L])
    rows, cols = grid(K)
    titles = [
        colored_head(str(classes[k]), colors[k], None if probs is None else probs[k])
        + ("  ◀" if k == highlight else "")
        for k in range(K)
    ]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        shared_yaxes=True,
        vertical_spacing=0.1 / rows + 0.06,
        horizontal_spacing=0.04,
    )
    t = np.arange(L)
    for k in range(K):
        r, c = k // cols + 1, k % cols + 1
        if over_time:
            trace = time_map_trace(
                t, maps[k, 0, :L], vmax, colorbar=k == 0, cb_title=colorbar_title, name=str(classes[k]), size=5
            )
            fig.add_trace(trace, row=r, col=c)
            continue
        mk = np.broadcast_to(maps[k], (V, T))
        for v in range(V):
            fig.add_trace(
                map_trace(
                    t,
                    x[v, :L],
                    mk[v, :L],
                    vmax,
                    colorbar=(k == 0 and v == 0),
                    cb_title=colorbar_title,
                    name=str(classes[k]),
                    size=5,
                    line_width=1.5,
                ),
                row=r,
                col=c,
            )
    if highlight is not None and 0 <= highlight < K:
        r, c = highlight // cols + 1, highlight % cols + 1
        fig.update_xaxes(showline=True, linewidth=3, linecolor=colors[highlight], mirror=True, row=r, col=c)
        fig.update_yaxes(showline=True, linewidth=3, linecolor=colors[highlight], mirror=True, row=r, col=c)
    return apply_style(fig, title, height=max(300, 240 * rows + 90), legend=False)


def _row_titles(fig: go.Figure, names: Sequence[str], col: int) -> None:
    """Row titles on the right, level with the rows of column ``col`` (1-based)."""
    for v, name in enumerate(names):
        y0, y1 = fig.get_subplot(v + 1, col).yaxis.domain
        fig.add_annotation(
            text=name,
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=8,
            y=(y0 + y1) / 2,
            yref="paper",
            yanchor="middle",
            textangle=90,
            showarrow=False,
            font=dict(size=16),
        )


def maps_side_by_side_figure(
    x: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    title: str = "",
    columns: int | None = None,
) -> go.Figure:
    """Several explanations of one sample, one panel each, each scaled to its own largest value.

    Methods measure in different units, so each map is divided by its largest magnitude: the
    colours compare *where* the methods look, not how much.

    Args:
        x: ``(V, T)``; maps: label → ``(V, T)``, or ``(T,)`` for a map without a variable axis
            (CAM, Grad-CAM, all-variable occlusion). On a multivariate series such a map gets one
            panel spanning the variables' rows, titled :data:`ALL_VARIABLES`: the map itself drawn
            once over time, never copied onto every variable.
    """
    x = as_vt(x)
    V, T = x.shape
    L = valid_len(length, T)
    labels = list(maps)
    M = len(labels)
    names = variable_labels(V, var_names)
    flat = {i for i, label in enumerate(labels) if is_time_map(maps[label], V)}
    columns = columns or (M if M <= 4 else 3)
    if V == 1:
        rows, cols = grid(M, columns)
        cell = lambda i, v: (i // cols + 1, i % cols + 1)  # noqa: E731
        fig = make_subplots(
            rows=rows,
            cols=cols,
            subplot_titles=labels,
            shared_yaxes=True,
            horizontal_spacing=0.04,
            vertical_spacing=0.1 / max(rows, 1) + 0.06,
        )
    else:
        rows, cols = V, M
        cell = lambda i, v: (v + 1, i + 1)  # noqa: E731
        specs = [[({"rowspan": V} if v == 0 else None) if i in flat else {} for i in range(M)] for v in range(V)]
        fig = make_subplots(
            rows=V,
            cols=M,
            specs=specs,
            column_titles=[f"{label}<br>({ALL_VARIABLES})" if i in flat else label for i, label in enumerate(labels)],
            row_titles=None if flat else names,
            shared_xaxes=True,
            horizontal_spacing=0.03,
            vertical_spacing=0.03,
        )
        if flat and len(flat) < M:  # plotly puts row titles by the last column, which may span every row
            _row_titles(fig, names, col=max(set(range(M)) - flat) + 1)
    t = np.arange(L)
    for i, label in enumerate(labels):
        m = np.broadcast_to(as_vt(maps[label]), (V, T))
        scale = sym_range(m[:, :L])
        if i in flat:  # one map over time, in one panel as tall as the variables' rows
            trace = time_map_trace(t, m[0, :L] / scale, 1.0, colorbar=i == 0, cb_title="relative", name=label, size=6)
            fig.add_trace(trace, row=1, col=i + 1)
            continue
        for v in range(V):
            r, c = cell(i, v)
            fig.add_trace(
                map_trace(
                    t,
                    x[v, :L],
                    m[v, :L] / scale,
                    1.0,
                    colorbar=(i == 0 and v == 0),
                    cb_title="relative",
                    name=label,
                    size=6,
                    line_width=1.5,
                ),
                row=r,
                col=c,
            )
    return apply_style(fig, title, height=max(320, 250 * rows + 90), legend=False)
