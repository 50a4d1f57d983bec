"""A counterfactual drawn as what changed: the original and the counterfactual overlaid in each
variable, the copied stretch shaded in the variables that changed, the probabilities before and after.

Every label is read off the :class:`~lstmfcn.counterfactual.Counterfactual` itself (its
:class:`~lstmfcn.counterfactual.Origin`), never from the page that shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from lstmfcn.words import percent

from ._style import (
    CHANGED_COLOR,
    SERIES_GREY,
    apply_style,
    rgba,
    stacked_height,
    title_above_plot,
    valid_len,
    variable_rows,
)

if TYPE_CHECKING:  # the builder only reads the result: no torch to import for a chart
    from lstmfcn.counterfactual import Counterfactual

#: The counterfactual's line and the shade of what changed: a purple no class gets
#: (:func:`lstmfcn.figures.class_colors` never returns it), so it is never read as a class.
COUNTERFACTUAL_COLOR = CHANGED_COLOR
ORIGINAL_COLOR = SERIES_GREY


def counterfactual_figure(
    cf: Counterfactual,
    *,
    variables: Sequence[int] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The original series (grey) and the counterfactual (purple) in one panel per variable, the
    copied steps shaded only in the variables whose values changed, the probabilities of the
    original class and of the target class before and after in the title.

    Args:
        cf: the counterfactual; its ``origin`` names the sample, the classes and the variables,
            and makes the subtitle (dataset · model).
        variables: the variables to draw (default all); the changed ones are always drawn.
        title: the first line of the title (default: ``"Counterfactual of test sample #3: A → B"``).
    """
    x, c = np.asarray(cf.x, dtype=np.float64), np.asarray(cf.counterfactual, dtype=np.float64)
    V, T = x.shape
    L = valid_len(cf.length, T)
    changed = set(cf.changed_variables)
    shown = sorted(set(range(V) if variables is None else (int(v) for v in variables)) | changed)
    o = cf.origin
    names = [o.var_name(v, V) for v in shown]
    heads = [f"{n} — changed" if v in changed else n for n, v in zip(names, shown, strict=True)]
    fig = variable_rows(heads, vertical_spacing=0.06 / max(len(shown), 1) + 0.02)
    t = np.arange(L)
    s0, s1 = cf.segment
    for row, v in enumerate(shown, start=1):
        for what, y, color, width in (
            ("original", x, ORIGINAL_COLOR, 4),
            ("counterfactual", c, COUNTERFACTUAL_COLOR, 2),
        ):
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=y[v, :L],
                    mode="lines",
                    name=what,
                    legendgroup=what,
                    showlegend=row == 1,
                    line=dict(color=color, width=width),
                    hovertemplate=f"t=%{{x}}<br>%{{y:.3f}}<extra>{what} · {names[row - 1]}</extra>",
                ),
                row=row,
                col=1,
            )
        if v in changed:
            fig.add_vrect(
                x0=s0 - 0.5,
                x1=s1 - 0.5,
                row=row,
                col=1,
                fillcolor=rgba(COUNTERFACTUAL_COLOR, 0.12),
                line_width=0,
                layer="below",
                name="changed",
            )
    fig.update_xaxes(title_text="time step", row=len(shown), col=1)
    lines = [title or _default_title(cf), probability_line(cf), _shaded_note(cf, len(changed), V)]
    text = lines[0] + "".join(f"<br><span style='font-size:14px'>{line}</span>" for line in lines[1:])
    fig = apply_style(fig, text)
    fig.update_layout(
        height=stacked_height(len(shown), minimum=380, extra=200),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    )
    title_above_plot(fig, gap=56)  # the legend keeps a line of its own between title and plot
    if o.dataset or o.model:
        fig.update_layout(title_subtitle_text=o.subtitle(), title_automargin=True)
    return fig


def _default_title(cf: Counterfactual) -> str:
    o = cf.origin
    what = "Counterfactual" if cf.found else "No counterfactual found: the largest change tried"
    return f"{what} of {o.sample_label()}: {o.class_name(cf.from_class)} → {o.class_name(cf.to_class)}"


def _shaded_note(cf: Counterfactual, n_changed: int, n_vars: int) -> str:
    """What the shade marks: the steps copied, from which training series, in how many variables."""
    s0, s1 = cf.segment
    where = "" if n_vars == 1 else f" in {n_changed} of the {n_vars} variables"
    return f"shaded: steps {s0}–{s1 - 1} copied from training series #{cf.guide_index}{where}"


def probability_line(cf: Counterfactual) -> str:
    """``"p(A): 97.1% → 3.2% · p(B): 1.0% → 88.2%"``: the original class's and the target class's
    probabilities before and after the change (:func:`lstmfcn.words.percent`)."""
    after = np.asarray(cf.probabilities)
    before = cf.original_probabilities
    o = cf.origin
    parts = []
    for k in (cf.from_class, cf.to_class):
        was = "?" if before is None else percent(float(before[k]))
        parts.append(f"p({o.class_name(k)}): {was} → {percent(float(after[k]))}")
    return " · ".join(parts)
