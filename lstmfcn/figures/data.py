"""The dataset before any model: a few series of each class, the class means, the class balance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import (
    MAP_SCALE,
    MAX_LINE_CLASSES,
    apply_style,
    band_trace,
    grid,
    rgba,
    stacked_height,
    sym_range,
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

    Beyond :data:`MAX_LINE_CLASSES` classes the means are a heatmap (see :func:`class_average_map_figure`).

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
    for k in range(K):
        label = _class_label(classes, counts, k)
        for v in range(V):
            m, s = mean[k, v], std[k, v]
            fig.add_trace(band_trace(t, m, s, rgba(colors[k], 0.18), legendgroup=str(classes[k])), row=v + 1, col=1)
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=m,
                    mode="lines",
                    line=dict(color=colors[k], width=3),
                    name=label,
                    legendgroup=str(classes[k]),
                    showlegend=v == 0,
                    hovertemplate=f"t=%{{x}}<br>mean %{{y:.3f}}<extra>{classes[k]}</extra>",
                ),
                row=v + 1,
                col=1,
            )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    fig.update_yaxes(title_text=y_title if V == 1 else None)
    return apply_style(fig, title, height=stacked_height(V, minimum=380, extra=120))


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
        title.replace(" (± one standard deviation)", "").replace(" ± one standard deviation", ""),
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
        x=x,
        y=list(test_counts),
        name="test",
        text=list(test_counts),
        textposition="outside",
        marker=dict(
            color=[rgba(c, 0.35) for c in colors], line=dict(color=list(colors), width=2), pattern=dict(shape="/")
        ),
    )
    fig.update_layout(barmode="group", xaxis=dict(type="category", title="class"), yaxis=dict(title="samples"))
    return apply_style(fig, title, height=380)
