"""The traces every map figure is made of: a series coloured point by point by its map, a map
drawn once over time, a plain series for context. A private module of :mod:`lstmfcn.figures`."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import MAP_SCALE, SERIES_GREY


def map_trace(
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
    variable keeps a redraw cheap when the user picks another sample).

    ``t``, ``xs``, ``ms``: ``(L,)`` the steps, one variable's values and its map; the colours span
    ``[-vmax, vmax]``, white at 0.
    """
    return go.Scatter(
        x=t,
        y=xs,
        mode="lines+markers",
        name=name,
        showlegend=False,
        line=dict(color=line_color, width=line_width),
        marker=dict(
            color=ms,
            colorscale=MAP_SCALE,
            cmin=-vmax,
            cmax=vmax,
            cmid=0.0,
            size=size,
            line=dict(width=0),
            showscale=colorbar,
            colorbar=dict(title=dict(text=cb_title), thickness=14, len=0.8) if colorbar else None,
        ),
        hovertemplate="t=%{x}<br>value %{y:.3f}<br>" + cb_title + " %{marker.color:.3f}<extra></extra>",
    )


ALL_VARIABLES = "all variables together"
"""What a map without a variable axis (CAM, Grad-CAM, all-variable occlusion) is labelled on a
multivariate series: it is drawn once, over time, never copied onto every variable as if it said
which variable mattered."""


def time_map_trace(t, m, vmax, *, colorbar: bool, cb_title: str, name: str, size: int = 7) -> go.Scatter:
    """A ``(T,)`` map drawn once as a curve over time, its markers in the map's colours."""
    return map_trace(t, m, m, vmax, colorbar=colorbar, cb_title=cb_title, name=name, size=size, line_width=1.5)


def plain_series_trace(t, xs, name: str, line_color: str = SERIES_GREY) -> go.Scatter:
    """A variable's series as a plain line: context under a map that has no variable axis."""
    return go.Scatter(
        x=t,
        y=xs,
        mode="lines",
        name=name,
        showlegend=False,
        line=dict(color=line_color, width=2),
        hovertemplate="t=%{x}<br>value %{y:.3f}<extra>" + name + "</extra>",
    )


def is_time_map(values: np.ndarray, n_vars: int) -> bool:
    """Whether ``values`` is one ``(T,)`` map for a multivariate series (so drawn once, not per variable)."""
    return n_vars > 1 and np.ndim(values) == 1
