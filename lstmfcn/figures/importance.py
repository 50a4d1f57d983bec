"""What matters across a split: the variable × window importance map and the bars with intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ._style import apply_style, lying_bars, matrix_row_px

#: Importance is a loss, never a class's evidence: a white-to-purple scale of its own, apart from
#: the maps' red/blue and the class colours.
IMPORTANCE_SCALE = "Purples"
IMPORTANCE_COLOR = "#54278f"

#: The loss a metric's numbers are in, for axes and hovers.
METRIC_UNITS = {"accuracy": "accuracy lost (points)", "log_prob": "log-probability lost"}


def _scaled(metric: str, a: np.ndarray) -> np.ndarray:
    """Accuracy in percentage points (0.12 → 12), log-probability as it is."""
    return np.asarray(a, np.float64) * (100.0 if metric == "accuracy" else 1.0)


def window_labels(windows: Sequence[tuple[int, int]]) -> list[str]:
    """``"40–69"`` for each window ``[40, 70)``."""
    return [f"{a}–{b - 1}" if b - a > 1 else str(a) for a, b in windows]


def importance_map_figure(
    importance: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    variables: Sequence[str],
    windows: Sequence[tuple[int, int]],
    *,
    metric: str = "accuracy",
    title: str = "",
) -> go.Figure:
    """Heatmap of ``(V, W)`` importances: rows are variables, columns windows of time.

    A cell whose interval reaches 0 is drawn hatched-pale (its number in the hover only): it does
    not clearly matter. Losses below 0 (the model did better) are drawn as 0: white.
    """
    imp, lo, hi = (_scaled(metric, a) for a in (importance, low, high))
    clear = np.nan_to_num(lo, nan=0.0) > 0
    shown = np.where(clear, np.maximum(imp, 0.0), 0.0)
    shown[~np.isfinite(imp)] = np.nan
    cols = window_labels(windows)
    rows = [str(v) for v in variables]
    unit = "points" if metric == "accuracy" else "nats"
    text = np.vectorize(lambda i, a, b: "not counted" if i != i else f"{i:.2f} [{a:.2f}, {b:.2f}] {unit}")(imp, lo, hi)
    fig = go.Figure(
        go.Heatmap(
            z=shown,
            x=cols,
            y=rows,
            zmin=0.0,
            # a map where nothing clearly matters is all white on a readable scale, not a scale of 0 to 1e-9
            zmax=max(float(np.nanmax(shown, initial=0.0)), 1.0 if metric == "accuracy" else 0.01),
            colorscale=IMPORTANCE_SCALE,
            customdata=text,
            colorbar=dict(title=dict(text=METRIC_UNITS[metric])),
            hovertemplate="%{y} · steps %{x}: %{customdata}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", tickmode="array", tickvals=rows, ticktext=rows)
    fig.update_xaxes(type="category", title="time steps (windows)")
    return apply_style(fig, title, height=max(260, matrix_row_px(len(rows)) * len(rows) + 170), legend=False)


def importance_bars_figure(
    importance: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    labels: Sequence[str],
    *,
    metric: str = "accuracy",
    title: str = "",
    color: str = IMPORTANCE_COLOR,
) -> go.Figure:
    """Lying bars of importances with their intervals as error bars, one row per label (a variable
    or a window), in the order given. A bar whose interval reaches 0 is pale."""
    imp, lo, hi = (_scaled(metric, a) for a in (importance, low, high))
    clear = np.nan_to_num(lo, nan=0.0) > 0
    fig = go.Figure(
        go.Bar(
            x=np.nan_to_num(imp),
            y=[str(s) for s in labels],
            orientation="h",
            marker=dict(color=[color if c else "#d0d4db" for c in clear]),
            error_x=dict(
                type="data",
                symmetric=False,
                array=np.nan_to_num(hi - imp),
                arrayminus=np.nan_to_num(imp - lo),
                color="#1f2430",
                thickness=1.5,
            ),
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color="#1f2430", width=1))
    fig.update_xaxes(title=METRIC_UNITS[metric])
    return lying_bars(apply_style(fig, title, legend=False), labels)


#: What each chart of :func:`importance_figures` shows, in one sentence for its caption.
READ_WINDOW_BARS = (
    "Each bar is the loss when that window of time is shuffled, with its 95% interval; grey bars do not clearly "
    "matter (their interval reaches 0)."
)
READ_MAP = (
    "Each cell is one variable's window of time; the darker, the more the model loses when it is shuffled. White "
    "cells do not clearly matter (their interval reaches 0); the hover gives each loss with its 95% interval."
)
READ_VARIABLE_BARS = (
    "Each bar is the loss when the whole variable is shuffled, with its 95% interval; grey bars do not clearly matter."
)
METRIC_TITLES = {"accuracy": "Accuracy lost", "log_prob": "Log-probability lost"}


def importance_figures(result, group: str | None, metric: str = "accuracy") -> list[tuple[go.Figure, str, str]]:
    """The charts of one group's importance (a class name, or None for all): ``(figure, how to read it,
    a short name)`` each. One variable: the windows as bars. Several: the variable × window map and
    each variable's bar."""
    g = result.group(group, metric)
    who = "all classes" if group is None else f"class {group}"
    title = f"{METRIC_TITLES[metric]} when one window is shuffled · {who}"
    w = g.window
    if len(result.variables) == 1:
        bars = importance_bars_figure(
            w.importance[0], w.low[0], w.high[0], window_labels(result.windows), metric=metric, title=title
        )
        return [(bars, READ_WINDOW_BARS, "importance")]
    heat = importance_map_figure(
        w.importance, w.low, w.high, result.variables, result.windows, metric=metric, title=title
    )
    v = g.variable
    bars = importance_bars_figure(
        v.importance, v.low, v.high, result.variables, metric=metric, title=f"Each variable shuffled whole · {who}"
    )
    return [(heat, READ_MAP, "importance"), (bars, READ_VARIABLE_BARS, "importance_bars")]
