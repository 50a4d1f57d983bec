"""Presenter mode's chart: one series, large, in its class's colour (the one colour that class has on
every page). The stretches a "because" names are shaded on it by
:func:`lstmfcn.figures.stretches.shade_stretches`, as on the other pages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import SERIES_GREY, apply_style, as_vt, valid_len, variable_labels

#: Pixels of the chart at a projector's 1280 × 720, with the heading and the buttons above and below it.
TALK_HEIGHT = 380
#: ... and of a multivariate series' rows together (still clear of the buttons at 720 pixels).
TALK_HEIGHT_ROWS = 420


def talk_figure(
    x: np.ndarray,
    *,
    length: int | None = None,
    var_names: Sequence[str] | None = None,
    line_color: str = SERIES_GREY,
    title: str = "",
    height: int = TALK_HEIGHT,
) -> go.Figure:
    """One sample's series, a thick line per variable, one row each (named on its right when ``V > 1``).

    Args:
        x: ``(V, T)`` or ``(T,)`` series (input units).
        length: valid steps (padding is not drawn).
        var_names: ``(V,)`` variable names.
        line_color: the series' colour (a class's).
        title: the chart's title ("" for none: the screen's heading says what it is).
        height: pixels.
    """
    x = as_vt(x)
    V, T = x.shape
    L = valid_len(length, T)
    fig = make_subplots(rows=V, cols=1, shared_xaxes=True, vertical_spacing=0.03)
    t = np.arange(L)
    for v in range(V):
        fig.add_trace(
            go.Scatter(x=t, y=x[v, :L], mode="lines", line=dict(color=line_color, width=3), showlegend=False),
            row=v + 1,
            col=1,
        )
    fig.update_xaxes(title_text="time step", row=V, col=1)
    fig = apply_style(fig, title, height=height if V == 1 else max(height, TALK_HEIGHT_ROWS), legend=False)
    if V > 1:  # each row's name right of it: a title above a 50-pixel row would sit on the line
        for v, name in enumerate(variable_labels(V, var_names)):
            low, high = fig.layout[f"yaxis{v + 1 if v else ''}"].domain
            fig.add_annotation(
                text=name, x=1.01, xref="paper", xanchor="left", y=(low + high) / 2, yref="paper", showarrow=False
            )
        fig.update_layout(margin=dict(r=110))
    return fig
