"""The stretches a "because" names, shaded on a map's chart (:func:`lstmfcn.because.because`).

The shades are no class's colour and not the maps' red and blue (the points already carry those):
a highlighter's yellow behind a stretch that speaks *for* the class, a grey with a dashed edge behind
the one that speaks *against* it. Each band is labelled with its share, from the same result the
sentences come from.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from ..because import Because, Stretch, class_words, percent_words

#: Behind a stretch that speaks for the class: a highlighter's yellow (class colours leave yellow out).
FOR_HIGHLIGHT = "rgba(255, 205, 0, 0.30)"
#: Behind the stretch that speaks against it: a neutral grey, its edge dashed.
AGAINST_HIGHLIGHT = "rgba(90, 90, 90, 0.16)"
AGAINST_EDGE = "rgba(60, 60, 60, 0.75)"


def band_label(s: Stretch, result: Because) -> str:
    """``"for Gun: 62%"``, ``"against Gun: 45%"``, or ``"62% of the map"`` for a map without a sign: the
    band's label, its share as the sentences state it."""
    if not result.signed:
        return f"{percent_words(s.share)} of the map"
    return f"{'for' if s.sign > 0 else 'against'} {class_words(result.class_name)}: {percent_words(s.share)}"


def shade_stretches(
    fig: go.Figure,
    result: Because,
    *,
    rows: int | None = None,
    first_row: int = 1,
    variables: Sequence[int] | None = None,
) -> go.Figure:
    """Shade ``result``'s stretches on ``fig`` (a chart with the time step on x); returns ``fig``.

    Args:
        fig: a figure of one sample over time, its x axis the time step (0-based, one point per step),
            e.g. :func:`~lstmfcn.figures.map_series_figure`'s.
        result: the "because" of that sample and class, computed from the map the figure draws.
        rows: the figure's subplot rows (one column); default: as many as it has y axes. A stretch of one variable (``variable`` v) is shaded in row
            ``first_row + v``; a stretch with no variable (a map over time) in every row.
        first_row: the row of the first variable (2 when a map over time has its own row above them).
        variables: the variables the figure draws, in row order, when it draws only some (None: all);
            a stretch of a variable not drawn is not shaded.
    """
    rows = rows or sum(1 for key in fig.layout.to_plotly_json() if key.startswith("yaxis")) or 1
    # Labels alternate between the top and the bottom of the chart from left to right: two bands a few
    # steps apart would otherwise write over each other.
    by_place = sorted((*result.supporting, *result.opposing), key=lambda s: (s.start, s.variable or 0))
    for order, s in enumerate(by_place):
        against = s.sign < 0
        if s.variable is None:
            shaded = list(range(1, rows + 1))
        elif variables is None:
            shaded = [first_row + s.variable]
        else:
            shaded = [first_row + list(variables).index(s.variable)] if s.variable in variables else []
        for n, row in enumerate(shaded):
            # Labelled once, in the top row it shades: the same label on every row would be clutter.
            label = dict(annotation=dict(text=band_label(s, result), font=dict(size=13, color="#333")))
            fig.add_vrect(
                x0=s.start - 0.5,
                x1=s.stop - 0.5,
                fillcolor=AGAINST_HIGHLIGHT if against else FOR_HIGHLIGHT,
                line=dict(color=AGAINST_EDGE, width=1.5, dash="dash") if against else dict(width=0),
                layer="below",
                **(label | {"annotation_position": ("top", "bottom")[order % 2] + " left"} if n == 0 else {}),
                **({} if rows == 1 else {"row": row, "col": 1}),
            )
    return fig


def shading_note(result: Because) -> str:
    """What the shaded bands mean, for the chart's reading guide ("" when nothing is shaded)."""
    parts = []
    if result.supporting and not result.signed:
        return " The yellow bands are where the map is largest, labelled with their share of its total."
    if result.supporting:
        many = len(result.supporting) > 1
        parts.append(
            f"the yellow band{'s are the stretches' if many else ' is the stretch'} that speak{'' if many else 's'} "
            f"for {class_words(result.class_name)}, labelled with {'their' if many else 'its'} share of the evidence for it"
        )
    if result.opposing:
        parts.append("the grey dashed band is the stretch that speaks most against it")
    text = "; ".join(parts)
    return text and f" {text[0].upper()}{text[1:]}."  # not str.capitalize: it would lower a class's name
