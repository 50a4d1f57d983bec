"""Training: the loss and the training accuracy per epoch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._style import SERIES_COLOR, apply_style


def training_curves_figure(history: Mapping[str, Sequence[float]], *, title: str = "Training curves") -> go.Figure:
    """Training loss (log scale) and training accuracy per epoch, from ``TrainResult.history``."""
    loss = np.asarray(history.get("loss", []), dtype=np.float64)
    acc = np.asarray(history.get("accuracy", []), dtype=np.float64)
    epochs = np.arange(1, len(loss) + 1)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["training loss", "training accuracy"], horizontal_spacing=0.1)
    fig.add_trace(
        go.Scatter(x=epochs, y=loss, mode="lines", line=dict(color=SERIES_COLOR, width=2.5), name="loss"), row=1, col=1
    )
    fig.add_trace(
        go.Scatter(x=epochs, y=acc, mode="lines", line=dict(color=SERIES_COLOR, width=2.5), name="accuracy"),
        row=1,
        col=2,
    )
    ticks = [m * 10.0**e for e in range(-6, 3) for m in (1, 2, 5)]  # 1-2-5 steps: readable on a log axis
    fig.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    return apply_style(fig, title, height=360, legend=False)
