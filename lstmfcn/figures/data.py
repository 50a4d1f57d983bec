"""The dataset before any model: a few series of each class, the class means, the class balance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import (
    BAR_LABEL_SIZE,
    BAR_ROW_PX,
    MAP_SCALE,
    MAX_BAND_CLASSES,
    MAX_LINE_CLASSES,
    MAX_UPRIGHT_BARS,
    apply_style,
    band_trace,
    grid,
    lying_bars,
    rgba,
    stacked_height,
    sym_range,
    title_above_plot,
    valid_len,
    variable_labels,
    variable_rows,
)


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
    names = variable_labels(V, var_names)
    if V == 1:
        rows, cols = grid(K)
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
            L = valid_len(None if lengths is None else lengths[n], T)
            for v in range(V):
                r, c = cell(k, v)
                fig.add_trace(
                    go.Scatter(
                        x=np.arange(L),
                        y=X[n, v, :L],
                        mode="lines",
                        line=dict(color=colors[k], width=1.8),
                        opacity=0.8,
                        name=str(classes[k]),
                        legendgroup=str(classes[k]),
                        showlegend=bool(j == 0 and v == 0),
                        hovertemplate=f"sample {n}<br>t=%{{x}}<br>%{{y:.3f}}<extra>{classes[k]}</extra>",
                    ),
                    row=r,
                    col=c,
                )
    fig.update_xaxes(title_text="time step", row=rows)
    return apply_style(fig, title, height=stacked_height(rows, minimum=320, extra=80), legend=False)


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

    Up to :data:`MAX_BAND_CLASSES` classes every band is drawn; beyond, overlapping bands would
    hide each other: the means are drawn alone, each class's band is an entry of the legend that
    a click draws, and the hover gives the std. Beyond :data:`MAX_LINE_CLASSES` classes the means
    are a heatmap (see :func:`class_average_map_figure`).

    Args:
        mean, std: ``(K, V, T)`` (NaN where undefined, e.g. past every series' end).
        counts: ``(K,)`` samples per class, shown beside each class's name.
    """
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    if len(classes) > MAX_LINE_CLASSES:  # lines and bands of many classes would be a tangle
        return _class_mean_heatmap(mean, std, classes, counts, var_names, title, y_title)
    K, V, T = mean.shape
    fig = variable_rows(variable_labels(V, var_names), vertical_spacing=0.06 / max(V, 1) + 0.02)
    t = np.arange(T)
    bands_on = K <= MAX_BAND_CLASSES
    for k in range(K):
        label = _class_label(classes, counts, k)
        for v in range(V):
            m, s = mean[k, v], std[k, v]
            band = band_trace(t, m, s, rgba(colors[k], 0.18), legendgroup=str(classes[k]))
            if not bands_on:  # a legend entry of its own, drawn on a click
                band.update(
                    visible="legendonly",
                    showlegend=v == 0,
                    name=f"± SD of {classes[k]}",
                    legendgroup=f"sd {classes[k]}",
                    legendrank=2000 + k,
                )
            fig.add_trace(band, row=v + 1, col=1)
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=m,
                    customdata=s,
                    mode="lines",
                    line=dict(color=colors[k], width=3),
                    name=label,
                    legendgroup=str(classes[k]),
                    legendrank=1000 + k,
                    showlegend=v == 0,
                    hovertemplate=f"t=%{{x}}<br>mean %{{y:.3f}} ± %{{customdata:.3f}}<extra>{classes[k]}</extra>",
                ),
                row=v + 1,
                col=1,
            )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    fig.update_yaxes(title_text=y_title if V == 1 else None)
    if not bands_on:
        title = _without_sd(title) + (
            f"<br><span style='font-size:13px'>± one standard deviation: click a class's band in the legend"
            f" ({K} bands at once would hide each other)</span>"
        )
    height = stacked_height(V, minimum=380, extra=120)
    if bands_on:
        return apply_style(fig, title, height=height)
    fig = apply_style(fig, title, height=max(height, 32 * 2 * K + 170))  # room for the legend's 2K entries
    return title_above_plot(fig, gap=50 if V > 1 else 30)  # above the first panel's name


def _without_sd(title: str) -> str:
    """``title`` without its "± one standard deviation" (when the bands are not all drawn)."""
    return title.replace(" (± one standard deviation)", "").replace(" ± one standard deviation", "")


def _class_mean_heatmap(
    mean: np.ndarray,
    std: np.ndarray,
    classes: Sequence[str],
    counts: Sequence[int] | None,
    var_names: Sequence[str] | None,
    title: str,
    value_name: str,
) -> go.Figure:
    """``mean`` ``(K, V, T)`` as one class × time heatmap per variable (rows stacked), diverging
    colours centred on 0, ``std`` ``(K, V, T)`` in the hover: many classes' means, still readable."""
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    K, V, T = mean.shape
    labels = [_class_label(classes, counts, k) for k in range(K)]
    fig = variable_rows(variable_labels(V, var_names), vertical_spacing=0.04)
    bound = sym_range(mean)
    for v in range(V):
        fig.add_trace(
            go.Heatmap(
                z=mean[:, v],
                x=np.arange(T),
                y=labels,
                customdata=std[:, v],
                zmin=-bound,
                zmax=bound,
                zmid=0,
                colorscale=MAP_SCALE,
                showscale=v == 0,
                colorbar=dict(title=dict(text=value_name)),
                hovertemplate="class %{y}<br>t=%{x}<br>mean %{z:.3f} ± %{customdata:.3f}<extra></extra>",
            ),
            row=v + 1,
            col=1,
        )
        fig.update_yaxes(
            type="category",
            autorange="reversed",
            dtick=1,
            tickfont=dict(size=11),
            title_text="class" if v == 0 else None,
            row=v + 1,
            col=1,
        )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    return apply_style(
        fig,
        _without_sd(title),
        height=max(380, V * (16 * K + 60) + 120),
        legend=False,
    )


def _class_label(classes: Sequence[str], counts: Sequence[int] | None, k: int) -> str:
    """Class ``k``'s name, with its sample count ``(n=…)`` when counts are given."""
    return f"{classes[k]}" + (f" (n={counts[k]})" if counts is not None else "")


def class_balance_figure(
    train_counts: Sequence[int],
    test_counts: Sequence[int],
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    title: str = "Samples per class",
) -> go.Figure:
    """Grouped bars: train (solid) and test (hatched) counts per class, in class colours.

    Beyond :data:`MAX_UPRIGHT_BARS` classes the bars lie down, one named row per class (two bars
    in it), so that every class's name and counts stay readable."""
    x = [str(c) for c in classes]
    lying = len(x) > MAX_UPRIGHT_BARS
    fig = go.Figure()
    train = dict(marker=dict(color=list(colors)))
    test = dict(
        marker=dict(
            color=[rgba(c, 0.35) for c in colors], line=dict(color=list(colors), width=2), pattern=dict(shape="/")
        )
    )
    for name, counts, look in (("train", train_counts, train), ("test", test_counts, test)):
        where = dict(y=x, x=list(counts), orientation="h") if lying else dict(x=x, y=list(counts))
        fig.add_bar(
            **where,
            name=name,
            text=list(counts),
            textposition="outside",
            textfont=dict(size=BAR_LABEL_SIZE) if lying else None,
            cliponaxis=False,
            **look,
        )
    if lying:
        fig.update_layout(barmode="group", xaxis=dict(title="samples"), yaxis=dict(title="class"))
        return lying_bars(apply_style(fig, title), x, row_px=BAR_ROW_PX + 8)
    fig.update_layout(barmode="group", xaxis=dict(type="category", title="class"), yaxis=dict(title="samples"))
    return apply_style(fig, title, height=380)
