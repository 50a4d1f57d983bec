"""The model's feature space drawn flat: one point per series, coloured by class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ._style import apply_style


def embedding_figure(
    points: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    classes: Sequence[str],
    colors: Sequence[str],
    *,
    is_query_split: np.ndarray,
    selected: int | None = None,
    title: str = "The model's feature space (first two principal components)",
) -> go.Figure:
    """A 2-D projection of series: ``points (N, 2)``, true classes ``y (N,)``, predictions ``pred (N,)``.

    Training series are small and faint; the explored split's are larger, ✕ where the model is wrong,
    and their ``customdata`` is their index in that split, so clicking one selects it. ``selected``
    (an index into the explored split) is ringed.
    """
    points, y, pred = np.asarray(points), np.asarray(y), np.asarray(pred)
    query = np.asarray(is_query_split, dtype=bool)
    split_index = np.cumsum(query) - 1  # position of each query point within its split
    fig = go.Figure()
    for k, name in enumerate(classes):
        for in_query in (False, True):
            sel = (y == k) & (query == in_query)
            if not sel.any():
                continue
            wrong = pred[sel] != y[sel]
            fig.add_trace(
                go.Scattergl(
                    x=points[sel, 0],
                    y=points[sel, 1],
                    mode="markers",
                    name=f"{name}" + ("" if in_query else " (training)"),
                    legendgroup=str(k),
                    showlegend=True,
                    marker=dict(
                        color=colors[k],
                        size=9 if in_query else 5,
                        opacity=0.9 if in_query else 0.35,
                        symbol=np.where(wrong, "x", "circle") if in_query else "circle",
                    ),
                    customdata=split_index[sel] if in_query else None,
                    hovertemplate=(
                        f"{name}<br>sample %{{customdata}}<extra></extra>"
                        if in_query
                        else f"{name} (training)<extra></extra>"
                    ),
                )
            )
    if selected is not None and 0 <= selected < int(query.sum()):
        p = points[np.flatnonzero(query)[selected]]
        fig.add_trace(
            go.Scatter(
                x=[p[0]],
                y=[p[1]],
                mode="markers",
                name="selected",
                showlegend=False,
                hoverinfo="skip",
                marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(width=2, color="black")),
            )
        )
    fig.update_xaxes(title_text="component 1", zeroline=False)
    fig.update_yaxes(title_text="component 2", zeroline=False)
    return apply_style(fig, title, height=520)
