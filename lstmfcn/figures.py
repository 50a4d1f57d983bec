"""Plotly figure builders shared by the dashboard, the command line and the tests.

Every builder takes numpy arrays and returns a ``plotly.graph_objects.Figure``; none computes an
explanation. Series are ``(V, T)`` (one sample) or ``(N, V, T)``; maps (CAM, attributions) have
the series' shape or ``(T,)``. Conventions kept on every chart:

* one colour per class everywhere (:func:`class_colors`; pass the same list to every builder);
* signed maps use one diverging scale centred on 0 (:data:`MAP_SCALE`): red is evidence *for*
  the class, blue evidence *against*;
* multivariate series get one row per variable;
* fonts and lines sized to stay readable on a projector.

:func:`figure_html` turns any of them into a standalone HTML file (plotly.js included).
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Okabe-Ito (colour-blind safe), then Plotly's Dark24 for many classes. Yellow is left out: it
# vanishes on a white projector screen.
_OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B"]
_DARK24 = [
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86", "#EB663B", "#511CFB",
    "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE", "#862A16", "#A777F1", "#620042", "#1616A7",
    "#DA60CA", "#6C4516", "#0D2A63", "#AF0038",
]  # fmt: skip
MAP_SCALE = "RdBu_r"
SEQ_SCALE = "Viridis"
FONT = dict(size=15, family="Inter, 'Source Sans Pro', Arial, sans-serif", color="#1f2430")
SERIES_GREY = "rgba(90, 90, 90, 0.55)"
MAX_GRID_COLUMNS = 4
MAX_LINE_CLASSES = 10  # more classes than this: class summaries become heatmaps


def class_colors(n_classes: int) -> list[str]:
    """``n_classes`` distinct colours, the same for the same class index on every chart.

    The first 32 are hand-picked; beyond them (Adiac has 37 classes, FiftyWords 50, ShapesAll 60)
    hues step by the golden angle at two lightnesses, so no two classes share a colour.
    """
    base = _OKABE_ITO + _DARK24
    return [base[k] if k < len(base) else _golden_hue(k - len(base)) for k in range(n_classes)]


def _golden_hue(i: int) -> str:
    """The ``i``-th extra class colour as hex: hue ``i·137.5°``, mid saturation, darker on odd ``i``."""
    r, g, b = colorsys.hls_to_rgb((i * 0.381966) % 1.0, 0.38 if i % 2 else 0.5, 0.7)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def colors_for(classes: Sequence[str], reference: Sequence[str]) -> list[str]:
    """Colours of ``classes`` by *name*, numbered as in ``reference`` (the dataset's class order).

    A model may order its classes differently from the dataset it is shown on; colouring by name
    keeps a class's colour the same on every page. Names absent from ``reference`` follow it.
    """
    ref = [str(c) for c in reference]
    extra = [str(c) for c in classes if str(c) not in ref]
    palette = class_colors(len(ref) + len(extra))
    order = ref + extra
    return [palette[order.index(str(c))] for c in classes]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


_AXIS = dict(
    gridcolor="#E6EAF0",
    linecolor="#C9CED6",
    zerolinecolor="#C9CED6",
    zerolinewidth=1.5,
    automargin=True,
    title=dict(standoff=8),
)
# A small template of our own: Plotly's named templates carry defaults for every trace type and
# copying one costs more than building the rest of a figure (this keeps a sample change fast).
TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white", plot_bgcolor="white", colorway=_OKABE_ITO, xaxis=_AXIS, yaxis=_AXIS,
        colorscale=dict(sequential=SEQ_SCALE, diverging=MAP_SCALE),
    )
)  # fmt: skip


def _style(fig: go.Figure, title: str | None = None, height: int | None = None, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        title=dict(text=title or "", x=0.0, xanchor="left", font=dict(size=18)),
        margin=dict(l=60, r=20, t=70 if title else 30, b=50),
        showlegend=legend,
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02, font=dict(size=14)),
        hoverlabel=dict(font_size=14),
    )
    if height:
        fig.update_layout(height=height)
    return fig


def _var_names(n_vars: int, names: Sequence[str] | None) -> list[str]:
    if names is not None and len(names) == n_vars:
        return [str(n) for n in names]
    return ["series"] if n_vars == 1 else [f"variable {v + 1}" for v in range(n_vars)]


def _as_vt(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a[None, :] if a.ndim == 1 else a


def _grid(n: int, columns: int = MAX_GRID_COLUMNS) -> tuple[int, int]:
    cols = max(1, min(n, columns))
    return (n + cols - 1) // cols, cols


def _row_height(n_rows: int) -> int:
    """Pixels per subplot row: roomy for a few rows, compact for many variables."""
    return 210 if n_rows <= 2 else 170 if n_rows <= 6 else 120


def _sym_range(*maps: np.ndarray) -> float:
    m = max((float(np.nanmax(np.abs(a))) if np.size(a) else 0.0) for a in maps)
    return m if m > 0 and np.isfinite(m) else 1.0


def _valid_len(length: int | None, total: int) -> int:
    return total if length is None else int(min(max(length, 1), total))


# --------------------------------------------------------------------------------------------
# Data


def class_samples_figure(
    X: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    lengths: np.ndarray | None = None,
    per_class: int = 5,
    var_names: Sequence[str] | None = None,
    seed: int = 0,
    title: str = "Samples of each class",
) -> go.Figure:
    """A few series of every class: one panel per class (and per variable when ``V > 1``).

    Args:
        X: ``(N, V, T)`` series; y: ``(N,)`` class indices; classes, colors: per class.
        lengths: ``(N,)`` valid steps (padding is not drawn).
        per_class: series drawn per class (picked at random with ``seed``).
    """
    X = np.asarray(X)
    N, V, T = X.shape
    K = len(classes)
    rng = np.random.default_rng(seed)
    names = _var_names(V, var_names)
    if V == 1:
        rows, cols = _grid(K)
        titles = [f"{classes[k]} (n={int((y == k).sum())})" for k in range(K)]
        fig = make_subplots(
            rows=rows, cols=cols, subplot_titles=titles, shared_yaxes=True, vertical_spacing=0.12 / max(rows, 1) + 0.04
        )
        cell = lambda k, v: (k // cols + 1, k % cols + 1)  # noqa: E731
    else:
        rows, cols = V, K
        fig = make_subplots(
            rows=V,
            cols=K,
            column_titles=[str(c) for c in classes],
            row_titles=names,
            shared_xaxes=True,
            vertical_spacing=0.03,
        )
        cell = lambda k, v: (v + 1, k + 1)  # noqa: E731
    for k in range(K):
        idx = np.flatnonzero(y == k)
        if len(idx) > per_class:
            idx = np.sort(rng.choice(idx, per_class, replace=False))
        for j, n in enumerate(idx):
            L = _valid_len(None if lengths is None else lengths[n], T)
            for v in range(V):
                r, c = cell(k, v)
                fig.add_trace(
                    go.Scatter(
                        x=np.arange(L), y=X[n, v, :L], mode="lines", line=dict(color=colors[k], width=1.8),
                        opacity=0.8, name=str(classes[k]), legendgroup=str(classes[k]),
                        showlegend=bool(j == 0 and v == 0), hovertemplate=f"sample {n}<br>t=%{{x}}<br>%{{y:.3f}}<extra>{classes[k]}</extra>",
                    ),
                    row=r, col=c,
                )  # fmt: skip
    fig.update_xaxes(title_text="time step", row=rows)
    return _style(fig, title, height=max(320, _row_height(rows) * rows + 80), legend=False)


def class_mean_figure(
    mean: np.ndarray,
    std: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    var_names: Sequence[str] | None = None,
    title: str = "Class mean ± one standard deviation",
    y_title: str = "value",
) -> go.Figure:
    """Per class the mean series with a ± std band; one row per variable.

    Beyond :data:`MAX_LINE_CLASSES` classes the means are a heatmap (see :func:`class_average_map_figure`).

    Args:
        mean, std: ``(K, V, T)`` (NaN where undefined, e.g. past every series' end).
    """
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    if len(classes) > MAX_LINE_CLASSES:  # lines and bands of many classes would be a tangle
        return _class_map_heatmap(mean, std, classes, counts, var_names, title, y_title)
    K, V, T = mean.shape
    names = _var_names(V, var_names)
    fig = make_subplots(
        rows=V,
        cols=1,
        shared_xaxes=True,
        subplot_titles=names if V > 1 else None,
        vertical_spacing=0.06 / max(V, 1) + 0.02,
    )
    t = np.arange(T)
    for k in range(K):
        label = f"{classes[k]}" + (f" (n={counts[k]})" if counts is not None else "")
        for v in range(V):
            m, s = mean[k, v], std[k, v]
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([t, t[::-1]]), y=np.concatenate([m + s, (m - s)[::-1]]), fill="toself",
                    fillcolor=_rgba(colors[k], 0.18), line=dict(width=0), hoverinfo="skip", showlegend=False,
                    legendgroup=str(classes[k]),
                ),
                row=v + 1, col=1,
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=t, y=m, mode="lines", line=dict(color=colors[k], width=3), name=label, legendgroup=str(classes[k]),
                    showlegend=v == 0, hovertemplate=f"t=%{{x}}<br>mean %{{y:.3f}}<extra>{classes[k]}</extra>",
                ),
                row=v + 1, col=1,
            )  # fmt: skip
    fig.update_xaxes(title_text="time step", row=V, col=1)
    fig.update_yaxes(title_text=y_title if V == 1 else None)
    return _style(fig, title, height=max(380, _row_height(V) * V + 120))


def class_balance_figure(
    train_counts: Sequence[int],
    test_counts: Sequence[int],
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    title: str = "Samples per class",
) -> go.Figure:
    """Grouped bars: train (solid) and test (hatched) counts per class, in class colours."""
    x = [str(c) for c in classes]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=list(train_counts),
        name="train",
        marker=dict(color=list(colors)),
        text=list(train_counts),
        textposition="outside",
    )
    fig.add_bar(
        x=x, y=list(test_counts), name="test", text=list(test_counts), textposition="outside",
        marker=dict(color=[_rgba(c, 0.35) for c in colors], line=dict(color=list(colors), width=2), pattern=dict(shape="/")),
    )  # fmt: skip
    fig.update_layout(barmode="group", xaxis=dict(type="category", title="class"), yaxis=dict(title="samples"))
    return _style(fig, title, height=380)


# --------------------------------------------------------------------------------------------
# Accuracy


def confusion_figure(cm: np.ndarray, classes: Sequence[str], *, title: str = "Confusion matrix") -> go.Figure:
    """Counts with row-normalised colour (row = true class, column = predicted class)."""
    cm = np.asarray(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    names = [str(c) for c in classes]
    K = len(names)
    fig = go.Figure(
        go.Heatmap(
            z=rate, x=names, y=names, colorscale="Blues", zmin=0, zmax=1, text=cm, texttemplate="%{text}",
            textfont=dict(size=16 if K <= 12 else 10), colorbar=dict(title=dict(text="row share")),
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text} samples (%{z:.0%} of the row)<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title_text="predicted class", type="category", side="bottom")
    fig.update_yaxes(title_text="true class", type="category", autorange="reversed")
    return _style(fig, title, height=max(360, min(900, 60 * K + 160)), legend=False)


def per_class_accuracy_figure(
    accuracy: Sequence[float],
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    counts: Sequence[int] | None = None,
    title: str = "Accuracy per class",
) -> go.Figure:
    """Bars of each class's recall (share of its samples predicted correctly)."""
    acc = [None if (a is None or not np.isfinite(a)) else float(a) for a in accuracy]
    text = [
        ("—" if a is None else f"{a:.0%}") + (f" of {counts[k]}" if counts is not None else "")
        for k, a in enumerate(acc)
    ]
    fig = go.Figure(
        go.Bar(x=[str(c) for c in classes], y=acc, marker=dict(color=list(colors)), text=text, textposition="outside")
    )
    fig.update_layout(
        xaxis=dict(type="category", title="class"), yaxis=dict(title="accuracy", range=[0, 1.15], tickformat=".0%")
    )
    return _style(fig, title, height=380, legend=False)


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
                x=idx[sel], y=p_true[sel], mode="markers", name=str(name), customdata=idx[sel],
                marker=dict(color=colors[k], size=np.where(wrong, 13, 9), symbol=np.where(wrong, "x", "circle"), line=dict(width=0)),
                text=[str(classes[p]) for p in pred[sel]],
                hovertemplate="sample %{customdata}<br>p(true class) = %{y:.3f}<br>predicted: %{text}<extra>" + str(name) + "</extra>",
            )
        )  # fmt: skip
    if selected is not None and 0 <= selected < len(y):
        fig.add_trace(
            go.Scatter(
                x=[selected], y=[p_true[selected]], mode="markers", name=f"selected: {selected}", hoverinfo="skip",
                marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="#111", width=3)),
            )
        )  # fmt: skip
    fig.add_hline(y=0.5, line=dict(color="#999", dash="dot", width=1))
    fig.update_layout(
        xaxis=dict(title="sample"), yaxis=dict(title="p(true class)", range=[-0.05, 1.05]), clickmode="event+select"
    )
    return _style(fig, title, height=330)


# --------------------------------------------------------------------------------------------
# Maps drawn on the series (CAM, attributions)


def _map_trace(
    t,
    xs,
    ms,
    vmax,
    *,
    colorbar: bool,
    cb_title: str,
    name: str,
    size: int = 7,
    line_color: str = SERIES_GREY,
    line_width: float = 2,
) -> go.Scatter:
    """The series as one trace: a line, and a marker per step coloured by the map (one trace per
    variable keeps a redraw cheap when the user picks another sample)."""
    return go.Scatter(
        x=t, y=xs, mode="lines+markers", name=name, showlegend=False, line=dict(color=line_color, width=line_width),
        marker=dict(
            color=ms, colorscale=MAP_SCALE, cmin=-vmax, cmax=vmax, cmid=0.0, size=size, line=dict(width=0),
            showscale=colorbar, colorbar=dict(title=dict(text=cb_title), thickness=14, len=0.8) if colorbar else None,
        ),
        hovertemplate="t=%{x}<br>value %{y:.3f}<br>" + cb_title + " %{marker.color:.3f}<extra></extra>",
    )  # fmt: skip


ALL_VARIABLES = "all variables together"
"""What a map without a variable axis (CAM, Grad-CAM, all-variable occlusion) is labelled on a
multivariate series: it is drawn once, over time, never copied onto every variable as if it said
which variable mattered."""


def _time_map_trace(t, m, vmax, *, colorbar: bool, cb_title: str, name: str, size: int = 7) -> go.Scatter:
    """A ``(T,)`` map drawn once as a curve over time, its markers in the map's colours."""
    return _map_trace(t, m, m, vmax, colorbar=colorbar, cb_title=cb_title, name=name, size=size, line_width=1.5)


def _plain_series_trace(t, xs, name: str, line_color: str = SERIES_GREY) -> go.Scatter:
    """A variable's series as a plain line: context under a map that has no variable axis."""
    return go.Scatter(
        x=t, y=xs, mode="lines", name=name, showlegend=False, line=dict(color=line_color, width=2),
        hovertemplate="t=%{x}<br>value %{y:.3f}<extra>" + name + "</extra>",
    )  # fmt: skip


def _is_time_map(values: np.ndarray, n_vars: int) -> bool:
    """Whether ``values`` is one ``(T,)`` map for a multivariate series (so drawn once, not per variable)."""
    return n_vars > 1 and np.ndim(values) == 1


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
    x = _as_vt(x)
    V, T = x.shape
    if _is_time_map(values, V):
        return _time_map_over_series(
            x, np.asarray(values, dtype=np.float64), length=length, var_names=var_names, title=title,
            colorbar_title=colorbar_title, line_color=line_color, vmax=vmax,
        )  # fmt: skip
    m = _as_vt(values)
    m = np.broadcast_to(m, (V, T)) if m.shape[0] == 1 else m
    L = _valid_len(length, T)
    vmax = vmax or _sym_range(m[:, :L])
    names = _var_names(V, var_names)
    fig = make_subplots(
        rows=V, cols=1, shared_xaxes=True, subplot_titles=names if V > 1 else None, vertical_spacing=0.04
    )
    t = np.arange(L)
    for v in range(V):
        fig.add_trace(
            _map_trace(
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
    return _style(fig, title, height=max(360, _row_height(V) * V + 130), legend=False)


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
    L = _valid_len(length, T)
    vmax = vmax or _sym_range(m[:L])
    names = _var_names(V, var_names)
    fig = make_subplots(
        rows=V + 1, cols=1, shared_xaxes=True, vertical_spacing=0.04,
        subplot_titles=[f"{colorbar_title}: {ALL_VARIABLES}", *names],
    )  # fmt: skip
    t = np.arange(L)
    fig.add_trace(_time_map_trace(t, m[:L], vmax, colorbar=True, cb_title=colorbar_title, name=ALL_VARIABLES), 1, 1)
    fig.update_yaxes(title_text=colorbar_title, row=1, col=1)
    for v in range(V):
        fig.add_trace(_plain_series_trace(t, x[v, :L], names[v], line_color), row=v + 2, col=1)
    fig.update_xaxes(title_text="time step", row=V + 1, col=1)
    return _style(fig, title, height=max(360, _row_height(V + 1) * (V + 1) + 130), legend=False)


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
    x = _as_vt(x)
    V, T = x.shape
    maps = np.asarray(maps, dtype=np.float64)
    over_time = V > 1 and maps.ndim == 2
    if over_time:
        title = f"{title} ({ALL_VARIABLES})"
    maps = maps[:, None, :] if maps.ndim == 2 else maps
    K = maps.shape[0]
    L = _valid_len(length, T)
    vmax = _sym_range(maps[..., :L])
    rows, cols = _grid(K)
    titles = [
        f"<b style='color:{colors[k]}'>{classes[k]}</b>" + (f"  p = {probs[k]:.2f}" if probs is not None else "") + ("  ◀" if k == highlight else "")
        for k in range(K)
    ]  # fmt: skip
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
            trace = _time_map_trace(t, maps[k, 0, :L], vmax, colorbar=k == 0, cb_title=colorbar_title,
                                    name=str(classes[k]), size=5)  # fmt: skip
            fig.add_trace(trace, row=r, col=c)
            continue
        mk = np.broadcast_to(maps[k], (V, T))
        for v in range(V):
            fig.add_trace(
                _map_trace(
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
    return _style(fig, title, height=max(300, 240 * rows + 90), legend=False)


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


def _class_map_heatmap(
    mean: np.ndarray,
    std: np.ndarray,
    classes: Sequence[str],
    counts: Sequence[int] | None,
    var_names: Sequence[str] | None,
    title: str,
    value_name: str,
) -> go.Figure:
    """``mean`` ``(K, V, T)`` as one class × time heatmap per variable (rows stacked)."""
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    K, V, T = mean.shape
    names = _var_names(V, var_names)
    labels = [f"{c}" + (f" (n={counts[k]})" if counts is not None else "") for k, c in enumerate(classes)]
    fig = make_subplots(
        rows=V, cols=1, shared_xaxes=True, subplot_titles=names if V > 1 else None, vertical_spacing=0.04
    )
    bound = _sym_range(mean)
    for v in range(V):
        fig.add_trace(
            go.Heatmap(
                z=mean[:, v], x=np.arange(T), y=labels, customdata=std[:, v], zmin=-bound, zmax=bound, zmid=0,
                colorscale=MAP_SCALE, showscale=v == 0, colorbar=dict(title=dict(text=value_name)),
                hovertemplate="class %{y}<br>t=%{x}<br>mean %{z:.3f} ± %{customdata:.3f}<extra></extra>",
            ),
            row=v + 1, col=1,
        )  # fmt: skip
        fig.update_yaxes(
            type="category", autorange="reversed", dtick=1, tickfont=dict(size=11),
            title_text="class" if v == 0 else None, row=v + 1, col=1,
        )  # fmt: skip
    fig.update_xaxes(title_text="time step", row=V, col=1)
    return _style(
        fig,
        title.replace(" (± one standard deviation)", "").replace(" ± one standard deviation", ""),
        height=max(380, V * (16 * K + 60) + 120),
        legend=False,
    )


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
    title: str = "Why the mistake: the true class's map next to the predicted class's",
    colorbar_title: str = "CAM",
) -> go.Figure:
    """Two columns for one misclassified sample, one shared colour range; a row per variable.

    ``(T,)`` maps on a multivariate series have no variable axis: they are drawn once, in a first
    row labelled :data:`ALL_VARIABLES`, above the variables' plain series.
    """
    x = _as_vt(x)
    V, T = x.shape
    L = _valid_len(length, T)
    over_time = _is_time_map(map_true, V) and _is_time_map(map_pred, V)
    mt = np.broadcast_to(_as_vt(map_true), (V, T))
    mp = np.broadcast_to(_as_vt(map_pred), (V, T))
    vmax = _sym_range(mt[:, :L], mp[:, :L])
    ct, cp = colors if colors is not None else (SERIES_GREY, SERIES_GREY)
    heads = [
        f"<b style='color:{ct}'>true: {true_name}</b>" + (f"  p = {p_true:.2f}" if p_true is not None else ""),
        f"<b style='color:{cp}'>predicted: {pred_name}</b>" + (f"  p = {p_pred:.2f}" if p_pred is not None else ""),
    ]
    rows = V + over_time  # the maps' own row first when they have no variable axis
    fig = make_subplots(
        rows=rows,
        cols=2,
        column_titles=heads,
        row_titles=[ALL_VARIABLES, *_var_names(V, None)] if over_time else None,
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        vertical_spacing=0.04,
    )
    t = np.arange(L)
    for col, m in ((1, mt), (2, mp)):
        if over_time:
            fig.add_trace(
                _time_map_trace(t, m[0, :L], vmax, colorbar=col == 1, cb_title=colorbar_title, name=f"{col}"), 1, col
            )
        for v in range(V):
            if over_time:
                fig.add_trace(_plain_series_trace(t, x[v, :L], _var_names(V, None)[v]), row=v + 2, col=col)
                continue
            fig.add_trace(
                _map_trace(
                    t, x[v, :L], m[v, :L], vmax, colorbar=(col == 1 and v == 0), cb_title=colorbar_title, name=f"{col}"
                ),
                row=v + 1,
                col=col,
            )
    return _style(fig, title, height=max(340, _row_height(rows) * rows + 130), legend=False)


def _row_titles(fig: go.Figure, names: Sequence[str], col: int) -> None:
    """Row titles on the right, level with the rows of column ``col`` (1-based)."""
    for v, name in enumerate(names):
        y0, y1 = fig.get_subplot(v + 1, col).yaxis.domain
        fig.add_annotation(
            text=name, x=1.0, xref="paper", xanchor="left", xshift=8, y=(y0 + y1) / 2, yref="paper",
            yanchor="middle", textangle=90, showarrow=False, font=dict(size=16),
        )  # fmt: skip


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
    x = _as_vt(x)
    V, T = x.shape
    L = _valid_len(length, T)
    labels = list(maps)
    M = len(labels)
    names = _var_names(V, var_names)
    flat = {i for i, label in enumerate(labels) if _is_time_map(maps[label], V)}
    columns = columns or (M if M <= 4 else 3)
    if V == 1:
        rows, cols = _grid(M, columns)
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
        m = np.broadcast_to(_as_vt(maps[label]), (V, T))
        scale = _sym_range(m[:, :L])
        if i in flat:  # one map over time, in one panel as tall as the variables' rows
            trace = _time_map_trace(t, m[0, :L] / scale, 1.0, colorbar=i == 0, cb_title="relative", name=label, size=6)
            fig.add_trace(trace, row=1, col=i + 1)
            continue
        for v in range(V):
            r, c = cell(i, v)
            fig.add_trace(
                _map_trace(
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
    return _style(fig, title, height=max(320, 250 * rows + 90), legend=False)


# --------------------------------------------------------------------------------------------
# Faithfulness, sanity, agreement


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
    colors = class_colors(len(curves))
    if random is not None:
        r = np.asarray(random, dtype=np.float64)
        if random_spread is not None:
            s = np.asarray(random_spread, dtype=np.float64)
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([fractions, fractions[::-1]]), y=np.concatenate([r + s, (r - s)[::-1]]),
                    fill="toself", fillcolor="rgba(120,120,120,0.15)", line=dict(width=0), hoverinfo="skip", showlegend=False,
                )
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=fractions, y=r, name="random order", mode="lines", line=dict(color="#777", dash="dash", width=3)
            )
        )
    for i, (label, curve) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=fractions,
                y=np.asarray(curve),
                name=label,
                mode="lines+markers",
                line=dict(color=colors[i], width=3),
                marker=dict(size=6),
            )
        )
    fig.update_layout(
        xaxis=dict(title=f"fraction of time steps {'removed' if kind == 'deletion' else 'inserted'}", tickformat=".0%"),
        yaxis=dict(title=y_title),
    )
    default = (
        "Deletion: remove the most important steps first"
        if kind == "deletion"
        else "Insertion: add the most important steps first"
    )
    return _style(fig, title or default, height=400)


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
    styles = {"deletion": dict(color="#0072B2"), "insertion": dict(color="#E69F00")}
    for curve, scores in gains.items():
        labels = list(scores)
        fig.add_bar(
            x=labels, y=[scores[k] for k in labels], name=curve, marker=styles.get(curve, {}),
            text=[f"{scores[k]:+.3f}" for k in labels], textposition="outside",
        )  # fmt: skip
    fig.add_hline(
        y=0,
        line=dict(color="#555", dash="dash", width=2),
        annotation_text="random order",
        annotation_position="bottom left",
    )
    fig.update_layout(
        barmode="group", xaxis=dict(type="category", title="method"), yaxis=dict(title="AOPC − random AOPC")
    )
    return _style(fig, title, height=400)


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
            z=matrix, x=[str(c) for c in cols], y=[str(r) for r in row_labels], zmin=zmin, zmax=zmax,
            colorscale=colorscale, texttemplate="%{z:" + fmt + "}", textfont=dict(size=15),
            colorbar=dict(title=dict(text=colorbar_title)), hovertemplate="%{y} · %{x}: %{z:" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return _style(fig, title, height=max(340, 55 * len(row_labels) + 160), legend=False)


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
                    fillcolor=_rgba(colors[i], 0.15),
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=list(xs),
                y=yv,
                name=label,
                mode="lines+markers",
                line=dict(color=colors[i], width=3),
                marker=dict(size=8),
            )
        )
    fig.update_layout(xaxis=dict(title=x_title), yaxis=dict(title=y_title))
    if x_labels is not None:
        fig.update_xaxes(type="category")
    return _style(fig, title, height=400)


# --------------------------------------------------------------------------------------------
# Attention: every chart shows the uniform level 1/n, the weight of a model that looks nowhere in
# particular, so that near-uniform attention is never drawn as if it were sharp focus.

UNIFORM_LINE = dict(color="#444", width=1.5, dash="dot")
# PuOr reversed: purple below the uniform weight, white at it, orange (the attention colour) above.
_UNIFORM_SCALE_COLORS = [
    "rgb(45,0,75)", "rgb(84,39,136)", "rgb(128,115,172)", "rgb(178,171,210)", "rgb(216,218,235)",
    "rgb(247,247,247)", "rgb(254,224,182)", "rgb(253,184,99)", "rgb(224,130,20)", "rgb(179,88,6)", "rgb(127,59,8)",
]  # fmt: skip


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


def _uniform_colorbar(n: int) -> dict:
    return dict(title=dict(text=f"weight<br>(white = uniform 1/{n})"))


def _uniform_line(fig: go.Figure, n: int, *, row: int | None = None, col: int | None = None) -> None:
    """A dotted, labelled horizontal line at the uniform weight ``1/n``."""
    fig.add_hline(
        y=1.0 / n, line=UNIFORM_LINE, row=row, col=col, annotation_text=f"uniform 1/{n}",
        annotation_position="top right", annotation_font=dict(size=12, color="#444"),
    )  # fmt: skip


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
            z=alpha, x=labels, y=labels, customdata=alpha * S, colorbar=_uniform_colorbar(S),
            **uniform_anchored_colors(alpha, S),
            hovertemplate="LSTM step %{y}<br>attends to %{x}<br>weight %{z:.4f} = %{customdata:.2f} × uniform"
            "<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title_text=f"attended input {axis_title}")
    fig.update_yaxes(title_text=f"LSTM {axis_title}", autorange="reversed")
    if labels is not None:
        fig.update_xaxes(type="category")
        fig.update_yaxes(type="category")
    return _style(fig, title, height=460, legend=False)


def attention_series_figure(
    x: np.ndarray,
    weights: np.ndarray | None,
    *,
    context: np.ndarray | None = None,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    color: str = "#0072B2",
    title: str = "Where the attention looks, and the context vectors it reads",
) -> go.Figure:
    """The series (solid) with the context vector sequence (dashed), one row per variable, and
    the attention weights over time in a row of their own underneath.

    Args:
        x: ``(V, T)``; weights: ``(T,)`` attention each input step receives, or None (no row),
            drawn with the uniform level ``1/L`` (``L`` the valid length) as a dotted line;
        context: ``(V, T)``.
    """
    x = _as_vt(x)
    V, T = x.shape
    L = _valid_len(length, T)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[:L]
    names = _var_names(V, var_names)
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
            cv = _as_vt(context)
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
                x=t, y=w, name="attention weight", mode="lines", fill="tozeroy", line=dict(color="#E69F00", width=2.5),
                fillcolor="rgba(230,159,0,0.3)", customdata=w * L,
                hovertemplate="t=%{x}<br>weight %{y:.4f} = %{customdata:.2f} × uniform<extra></extra>",
            ),
            row=rows, col=1,
        )  # fmt: skip
        _uniform_line(fig, L, row=rows, col=1)  # weights over the L valid steps: an even share is 1/L
        fig.update_yaxes(rangemode="tozero", title_text="weight", row=rows, col=1)
    fig.update_xaxes(title_text="time step", row=rows, col=1)
    return _style(fig, title, height=max(420, _row_height(rows) * rows + 130))


def variable_attention_figure(
    alpha: np.ndarray,
    *,
    var_names: Sequence[str] | None = None,
    title: str = "Attention over variables (the LSTM's steps)",
) -> go.Figure:
    """Mean attention each variable receives (bars) for a shuffle-on model, whose LSTM steps are
    variables, with the uniform level ``1/V`` as a dotted line.

    Args:
        alpha: ``(S, V)`` the alignment matrix (rows: the LSTM's steps), or ``(V,)`` one row.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    V = alpha.shape[-1]
    names = _var_names(V, var_names)
    received = alpha.reshape(-1, V).mean(axis=0)
    fig = go.Figure(
        go.Bar(
            x=names,
            y=received,
            marker=dict(color="#E69F00"),
            text=[f"{r:.2f}" for r in received],
            textposition="outside",
            customdata=received * V,
            hovertemplate="%{x}<br>mean weight %{y:.3f} = %{customdata:.2f} × uniform<extra></extra>",
        )
    )
    _uniform_line(fig, V)
    fig.update_layout(
        xaxis=dict(type="category", title="variable"),
        yaxis=dict(title="mean attention received", range=[0, max(1.0, received.max() * 1.15)]),
    )
    return _style(fig, title, height=360, legend=False)


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
        fig.update_traces(
            selector=dict(type="heatmap"), zmid=None, colorbar=_uniform_colorbar(n_positions),
            **uniform_anchored_colors(mean, n_positions),
        )  # fmt: skip
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
        colorbar=_uniform_colorbar(V), customdata=mean * V,
        hovertemplate="class %{y} · %{x}: %{z:.2f} = %{customdata:.2f} × uniform<extra></extra>",
        **uniform_anchored_colors(mean, V),
    )  # fmt: skip
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
    names = _var_names(V, var_names)
    fig = make_subplots(
        rows=V, cols=1, shared_xaxes=True, subplot_titles=names if V > 1 else None, vertical_spacing=0.05
    )
    t = np.arange(T)
    for k in range(K):
        for v in range(V):
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=s[k, v],
                    mode="lines",
                    name=f"{classes[k]} series",
                    legendgroup=str(k),
                    showlegend=v == 0,
                    line=dict(color=colors[k], width=2.5),
                ),
                row=v + 1,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=c[k, v],
                    mode="lines",
                    name=f"{classes[k]} context",
                    legendgroup=str(k),
                    showlegend=v == 0,
                    line=dict(color=colors[k], width=2.5, dash="dash"),
                ),
                row=v + 1,
                col=1,
            )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    return _style(fig, title, height=max(360, _row_height(V) * V + 140))


# --------------------------------------------------------------------------------------------
# Training and filters


def training_curves_figure(history: Mapping[str, Sequence[float]], *, title: str = "Training curves") -> go.Figure:
    """Training loss (log scale) and training accuracy per epoch, from ``TrainResult.history``."""
    loss = np.asarray(history.get("loss", []), dtype=np.float64)
    acc = np.asarray(history.get("accuracy", []), dtype=np.float64)
    epochs = np.arange(1, len(loss) + 1)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["training loss", "training accuracy"], horizontal_spacing=0.1)
    fig.add_trace(
        go.Scatter(x=epochs, y=loss, mode="lines", line=dict(color="#D55E00", width=2.5), name="loss"), row=1, col=1
    )
    fig.add_trace(
        go.Scatter(x=epochs, y=acc, mode="lines", line=dict(color="#0072B2", width=2.5), name="accuracy"), row=1, col=2
    )
    ticks = [m * 10.0**e for e in range(-6, 3) for m in (1, 2, 5)]  # 1-2-5 steps: readable on a log axis
    fig.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    return _style(fig, title, height=360, legend=False)


def filter_activation_figure(
    x: np.ndarray,
    activation: np.ndarray,
    *,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    color: str = "#0072B2",
    title: str = "",
) -> go.Figure:
    """The series (top rows, one per variable) and one filter's activation over time (bottom)."""
    x = _as_vt(x)
    V, T = x.shape
    L = _valid_len(length, T)
    names = _var_names(V, var_names)
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
            line=dict(color="#D55E00", width=2.5),
            fillcolor="rgba(213,94,0,0.25)",
            name="activation",
        ),
        row=V + 1,
        col=1,
    )
    fig.update_xaxes(title_text="time step", row=V + 1, col=1)
    return _style(fig, title, height=max(420, _row_height(V + 1) * (V + 1) + 120), legend=False)


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
    L = _valid_len(length, T)
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
            y0=highlight - 0.5, y1=highlight + 0.5, line=dict(color="#D55E00", width=2), fillcolor="rgba(0,0,0,0)"
        )
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(title_text="filter", autorange="reversed")
    return _style(fig, title, height=460, legend=False)


# --------------------------------------------------------------------------------------------
# Export


def figure_html(fig: go.Figure, *, title: str | None = None) -> str:
    """A standalone HTML page holding ``fig`` (plotly.js embedded: opens offline, no network)."""
    page = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    if title:
        page = page.replace("<head>", f"<head><title>{_escape(title)}</title>", 1)
    return page


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
