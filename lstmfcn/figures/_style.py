"""What every chart shares: class colours, scales, fonts, the layout template and small layout helpers.

A private module: the builders import from it, users get the public names from :mod:`lstmfcn.figures`.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstmfcn.words import p_equals

# Okabe-Ito (colour-blind safe), then Plotly's Dark24 for many classes. Yellow is left out: it
# vanishes on a white projector screen.
_OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B"]
_DARK24 = [
    "#2E91E5",
    "#E15F99",
    "#1CA71C",
    "#FB0D0D",
    "#DA16FF",
    "#222A2A",
    "#B68100",
    "#750D86",
    "#EB663B",
    "#511CFB",
    "#00A08B",
    "#FB00D1",
    "#FC0080",
    "#B2828D",
    "#6C7C32",
    "#778AAE",
    "#862A16",
    "#A777F1",
    "#620042",
    "#1616A7",
    "#DA60CA",
    "#6C4516",
    "#0D2A63",
    "#AF0038",
]
#: What is not a class (methods, models, curves, a lone series): blue-greys of three depths, told
#: apart by dash and marker too. A colour means a class on every chart: nothing else borrows one
#: (a test scans the builders' figures for class colours in traces that are not classes).
NEUTRAL_COLORS = ["#263238", "#78909C", "#455A64"]
NEUTRAL_DASHES = ["solid", "dash", "dot", "dashdot"]
NEUTRAL_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
SERIES_COLOR = NEUTRAL_COLORS[0]
MAP_SCALE = "RdBu_r"
SEQ_SCALE = "Viridis"
FONT = dict(size=15, family="Inter, 'Source Sans Pro', Arial, sans-serif", color="#1f2430")
SERIES_GREY = "rgba(90, 90, 90, 0.55)"
# What changed (a counterfactual, the "after" of an edit): a purple that no class gets
# (class_colors never returns it), so a change is never read as a class; its "before" is grey.
CHANGED_COLOR = "#8E24AA"
BEFORE_COLOR = "#9E9E9E"
MAX_GRID_COLUMNS = 4
MAX_LINE_CLASSES = 10  # more classes than this: class summaries become heatmaps
MAX_BAND_CLASSES = 3  # more classes than this: ± std bands only on a click in the legend (they would overlap)
MAX_UPRIGHT_BARS = 12  # more classes than this: per-class bars lie down, one named row per class
BAR_ROW_PX = 22  # pixels per class row of lying bars: room for a 12 px label and the bar's number
BAR_LABEL_SIZE = 12


# -------------------------------------------------------------------------------------- colours


def class_colors(n_classes: int) -> list[str]:
    """``n_classes`` distinct colours, the same for the same class index on every chart.

    The first 32 are hand-picked; beyond them (Adiac has 37 classes, FiftyWords 50, ShapesAll 60)
    hues step by the golden angle at two lightnesses, so no two classes share a colour.
    """
    base = _OKABE_ITO + _DARK24
    return [base[k] if k < len(base) else _golden_hue(k - len(base)) for k in range(n_classes)]


def _golden_hue(i: int) -> str:
    """The ``i``-th extra class colour as hex: hue ``i·137.5°``, mid saturation, darker on odd ``i``."""
    r, g, b = colorsys.hls_to_rgb((i * 0.381966) % 1.0, 0.38 if i % 2 else 0.5, 0.7)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def colors_for(classes: Sequence[str], reference: Sequence[str]) -> list[str]:
    """Colours of ``classes`` by *name*, numbered as in ``reference`` (the dataset's class order).

    A model may order its classes differently from the dataset it is shown on; colouring by name
    keeps a class's colour the same on every page. Names absent from ``reference`` follow it.
    """
    ref = [str(c) for c in reference]
    extra = [str(c) for c in classes if str(c) not in ref]
    palette = class_colors(len(ref) + len(extra))
    order = ref + extra
    return [palette[order.index(str(c))] for c in classes]


def rgba(hex_color: str, alpha: float) -> str:
    """``"#RRGGBB"`` as ``"rgba(r, g, b, alpha)"`` (bands and hatches in a class's colour)."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def colored_head(text: str, color: str, p: float | None = None) -> str:
    """A panel title in bold, in ``color``, followed by ``p = 42.0%`` when a probability is given
    (``p > 99.9%``, never a rounded certainty)."""
    return f"<b style='color:{color}'>{text}</b>" + (f"  {p_equals(p)}" if p is not None else "")


# --------------------------------------------------------------------------------------- layout

_AXIS = dict(
    gridcolor="#E6EAF0",
    linecolor="#C9CED6",
    zerolinecolor="#C9CED6",
    zerolinewidth=1.5,
    automargin=True,
    title=dict(standoff=8),
)
# A small template of our own: Plotly's named templates carry defaults for every trace type and
# copying one costs more than building the rest of a figure (this keeps a sample change fast).
TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=NEUTRAL_COLORS,  # a trace given no colour is never mistaken for a class
        xaxis=_AXIS,
        yaxis=_AXIS,
        colorscale=dict(sequential=SEQ_SCALE, diverging=MAP_SCALE),
    )
)


def apply_style(fig: go.Figure, title: str | None = None, height: int | None = None, legend: bool = True) -> go.Figure:
    """``fig`` with the house look: template, fonts, a left-aligned title, legend on the right; returns it."""
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        title=dict(text=title or "", x=0.0, xanchor="left", font=dict(size=18)),
        margin=dict(l=60, r=20, t=70 if title else 30, b=50),
        showlegend=legend,
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02, font=dict(size=14)),
        hoverlabel=dict(font_size=14),
    )
    if height:
        fig.update_layout(height=height)
    return fig


def title_above_plot(fig: go.Figure, gap: int = 0) -> go.Figure:
    """A title of several lines (and a subtitle) placed just above the plot, ``gap`` pixels above
    it, the top margin grown to hold it all; returns ``fig``. A subtitle hangs about 25 px under
    the title's last line: ``gap`` leaves room for it, and for a legend line or a panel's name.

    The default placement centres a title in a fixed top margin: a second line and a subtitle
    then push its first line off the top of the figure (and of its PNG)."""
    fig.update_layout(
        margin=dict(t=40),
        title=dict(yref="paper", y=1.0, yanchor="bottom", pad=dict(b=gap), automargin=True),
    )
    return fig


def subtitled(fig: go.Figure, text: str) -> go.Figure:
    """``fig`` with ``text`` as its subtitle, kept clear of the panels' names that sit just above
    the plot (subplot titles): there the title block moves above them. Returns ``fig``."""
    fig.update_layout(title_subtitle_text=text, title_automargin=True)
    above = [a for a in fig.layout.annotations if a.yref == "paper" and a.y is not None and a.y >= 0.99 and a.text]
    if above:  # a panel's name in the subtitle's place: lift title and subtitle over the tallest name
        lines = 1 + max(str(a.text).count("<br>") for a in above)
        title_above_plot(fig, gap=30 + 18 * lines)
    return fig


def stacked_height(n_rows: int, *, minimum: int, extra: int) -> int:
    """Pixels of a figure with ``n_rows`` subplot rows: roomy for a few rows, compact for many
    variables, ``extra`` for title, axes and legend, never below ``minimum``."""
    per_row = 210 if n_rows <= 2 else 170 if n_rows <= 6 else 120
    return max(minimum, per_row * n_rows + extra)


def variable_rows(names: Sequence[str], vertical_spacing: float) -> go.Figure:
    """An empty figure with one row per variable sharing the time axis; rows titled when ``V > 1``."""
    V = len(names)
    return make_subplots(
        rows=V,
        cols=1,
        shared_xaxes=True,
        subplot_titles=names if V > 1 else None,
        vertical_spacing=vertical_spacing,
    )


def lying_bars(fig: go.Figure, labels: Sequence[str], *, row_px: int = BAR_ROW_PX, extra: int = 150) -> go.Figure:
    """``fig``'s horizontal bars laid out one named row per class: every label on the axis (none
    thinned out by Plotly), the first class on top, ``row_px`` pixels a row; returns it."""
    fig.update_yaxes(
        type="category",
        autorange="reversed",
        tickmode="array",
        tickvals=list(labels),
        ticktext=list(labels),
        tickfont=dict(size=BAR_LABEL_SIZE),
    )
    fig.update_layout(height=max(380, row_px * len(labels) + extra))
    return fig


#: The narrowest a heatmap's cells are laid out in: half a wide page (about 600 px) less the axis
#: labels and the colour bar (measured in Chromium on the Attention page's class-by-variable map).
HEATMAP_PLOT_WIDTH_PX = 300
CELL_TEXT_SIZES = (15, 13, 11)  # tried largest first; below 11 px a number is not read, it is guessed


def matrix_row_px(n_rows: int) -> int:
    """Pixels a heatmap row gets: roomy for a few rows, compact for many (37 classes stay on a screen or two)."""
    return 55 if n_rows <= 8 else 30 if n_rows <= 20 else 22


def cell_text_size(
    n_rows: int, n_cols: int, texts: Sequence[str], *, row_px: int, width_px: int = HEATMAP_PLOT_WIDTH_PX
) -> int | None:
    """The largest font (px) at which every cell's number fits inside its cell, or None: no numbers
    (the hover tells them). A character is taken as 0.6 em wide, with 6 px to spare each way."""
    col_px = width_px / max(n_cols, 1)
    widest = max((len(t) for t in texts), default=1)
    for size in CELL_TEXT_SIZES:
        if widest * 0.6 * size + 6 <= col_px and size + 6 <= row_px:
            return size
    return None


def grid(n: int, columns: int = MAX_GRID_COLUMNS) -> tuple[int, int]:
    """``(rows, cols)`` of a grid of ``n`` panels at most ``columns`` wide."""
    cols = max(1, min(n, columns))
    return (n + cols - 1) // cols, cols


# ----------------------------------------------------------------------------------------- data


def variable_labels(n_vars: int, names: Sequence[str] | None) -> list[str]:
    """Names of the ``V`` variables: ``names`` when there is one per variable, else generic ones."""
    if names is not None and len(names) == n_vars:
        return [str(n) for n in names]
    return ["series"] if n_vars == 1 else [f"variable {v + 1}" for v in range(n_vars)]


def as_vt(a: np.ndarray) -> np.ndarray:
    """One sample as float ``(V, T)``; a ``(T,)`` series becomes ``(1, T)``."""
    a = np.asarray(a, dtype=np.float64)
    return a[None, :] if a.ndim == 1 else a


def sym_range(*maps: np.ndarray) -> float:
    """The largest magnitude over ``maps`` (NaN ignored): a colour range ``[-m, m]`` centred on 0; 1 if none."""
    m = max((float(np.nanmax(np.abs(a))) if np.size(a) else 0.0) for a in maps)
    return m if m > 0 and np.isfinite(m) else 1.0


def valid_len(length: int | None, total: int) -> int:
    """Steps to draw: ``length`` clipped to ``[1, total]``, or ``total`` when None (no padding)."""
    return total if length is None else int(min(max(length, 1), total))


def labelled_line(x, y: np.ndarray, name: str, color: str, marker_size: int, **style) -> go.Scatter:
    """One method's thick line with markers, named in the legend (faithfulness, sanity, benchmark
    curves); ``style``: ``dash`` and ``symbol`` (see :func:`neutral_style`)."""
    return go.Scatter(
        x=x,
        y=y,
        name=name,
        mode="lines+markers",
        line=dict(color=color, width=3, dash=style.get("dash", "solid")),
        marker=dict(size=marker_size, symbol=style.get("symbol", "circle")),
    )


def neutral_style(i: int) -> dict:
    """The ``i``-th of several things that are not classes (methods, models): ``color``, ``dash`` and
    ``symbol``, no two of the first twelve alike, no colour a class's."""
    return dict(
        color=NEUTRAL_COLORS[i % len(NEUTRAL_COLORS)],
        dash=NEUTRAL_DASHES[(i // len(NEUTRAL_COLORS) + i) % len(NEUTRAL_DASHES)],
        symbol=NEUTRAL_SYMBOLS[i % len(NEUTRAL_SYMBOLS)],
    )


def band_trace(x: np.ndarray, centre: np.ndarray, spread: np.ndarray, fillcolor: str, **extra) -> go.Scatter:
    """A shaded band ``centre ± spread`` over ``x`` as one closed polygon, without hover or legend entry."""
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([centre + spread, (centre - spread)[::-1]]),
        fill="toself",
        fillcolor=fillcolor,
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        **extra,
    )
