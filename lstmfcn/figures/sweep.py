"""A sweep against the published numbers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ._style import apply_style, neutral_style

_OUTCOME_SYMBOL = {"win": "triangle-up", "draw": "circle", "loss": "triangle-down"}


def sweep_comparison_figure(comparison: pd.DataFrame, theirs_label: str = "published") -> go.Figure:
    """Ours (selected on validation) against theirs, one point per (dataset, model), with the diagonal.

    Points above the diagonal are wins; ``customdata`` holds ``[dataset, model]`` for a click.
    """
    fig = go.Figure()
    models = sorted(comparison["model"].unique()) if len(comparison) else []
    colors = [neutral_style(i)["color"] for i in range(max(len(models), 1))]  # models, not classes
    for model, color in zip(models, colors, strict=False):
        g = comparison[comparison["model"] == model]
        fig.add_trace(
            go.Scatter(
                x=g["theirs"],
                y=g["ours"],
                mode="markers+text",
                text=g["dataset"],
                textposition="top center",
                name=model,
                marker=dict(size=12, color=color, symbol=[_OUTCOME_SYMBOL[o] for o in g["outcome"]]),
                customdata=g[["dataset", "model"]].to_numpy(),
                hovertemplate="%{customdata[0]} · %{customdata[1]}<br>theirs %{x:.4f}<br>ours %{y:.4f}<extra></extra>",
            )
        )
    lo = float(min(comparison["ours"].min(), comparison["theirs"].min())) if len(comparison) else 0.0
    lo = max(0.0, lo - 0.05)
    fig.add_trace(
        go.Scatter(
            x=[lo, 1], y=[lo, 1], mode="lines", line=dict(color="#888", dash="dash"), name="equal", hoverinfo="skip"
        )
    )
    fig.update_xaxes(title=f"test accuracy, {theirs_label}", range=[lo, 1.01])
    fig.update_yaxes(title="test accuracy, ours (cells chosen on validation)", range=[lo, 1.01])
    return apply_style(fig, "Ours against the published results (above the line: ours higher)", height=560)
