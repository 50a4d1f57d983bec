"""Widgets bound to the shared selection (split, sample, class, variables) and drawing helpers:
a chart with its reading guide and downloads, a table whose rows select a sample."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lstmfcn import provenance
from lstmfcn.dashboard import downloads
from lstmfcn.dashboard import state as vs
from lstmfcn.figures import subtitled
from lstmfcn.words import shown_probability
from pages._page import Context
from pages._state import bound, set_sample, ss, sync_url
from pages._terms import tip


def split_and_sample_pickers(ctx: Context, page: str, n: int) -> int:
    """The sample widget bound to the shared selection (clamped to the split's size); returns the sample."""
    clamped = vs.clamp_sample(ss["sample"], n)
    if clamped != ss["sample"]:  # a link's sample=99999: show, and keep in the URL, one that exists
        ss["sample"] = clamped
        sync_url()
    bound(
        st.number_input,
        "sample",
        f"Sample (0–{n - 1})",
        page=page,
        min_value=0,
        max_value=max(n - 1, 0),
        step=1,
        help="Or click a sample in the overview chart or a table row.",
    )
    return int(ss["sample"])


SPLIT_NAMES = {"test": "test set", "train": "training set"}


def split_picker(page: str) -> str:
    bound(
        st.segmented_control,
        "split",
        "Samples from",
        page=page,
        options=list(vs.SPLITS),
        format_func=SPLIT_NAMES.get,
        after=lambda: ss.update(sample=0),
    )
    if ss["split"] is None:  # a segmented control can be cleared; keep a split
        ss["split"] = "test"
    return ss["split"]


def variable_picker(
    n_vars: int, page: str, most: int = 6, names: list[str] | None = None
) -> tuple[list[int], list[str] | None]:
    """Which variables to draw (all up to ``most``; a multiselect beyond): ``(indices, row names)``.

    ``names``: the variables as shown (the archive's names where it gives them); the row names are
    None when they are the default "variable 1…V" of a single variable, so figures keep their labels.
    """
    names = names or [f"variable {v + 1}" for v in range(n_vars)]
    if n_vars <= most:
        chosen = list(range(n_vars))
    else:
        chosen = st.multiselect(
            f"Variables to draw (of {n_vars})",
            list(range(n_vars)),
            default=list(range(most)),
            key=f"{page}_variables",
            format_func=lambda v: names[v],
        )
        chosen = sorted(chosen) or [0]
    if n_vars == 1 and names[0] == "variable 1":
        return chosen, None
    return chosen, [names[v] for v in chosen]


def class_picker(ctx: Context, page: str, label: str = "Class to explain") -> None:
    options = [vs.PREDICTED] + ctx.labels
    shown = dict(zip(ctx.labels, ctx.classes, strict=True))
    if ss["cls"] not in options:
        ss["cls"] = vs.PREDICTED
    bound(
        st.selectbox,
        "cls",
        label,
        page=page,
        options=options,
        format_func=lambda c: "the predicted class" if c == vs.PREDICTED else f"class {shown[c]}",
    )


# ------------------------------------------------------------------------------------------
# Drawing


def chart(
    fig,
    key: str,
    *,
    how_to_read: str,
    name: str,
    csv: Callable[[], pd.DataFrame] | None = None,
    on_select: Callable[[], None] | None = None,
    selection_mode: str | tuple[str, ...] = "points",
) -> None:
    """A Plotly chart with its one-sentence reading guide, a PNG from its toolbar's camera button
    (drawn by the browser) and a CSV of its numbers, both named for the dataset, the model and
    ``name`` (what the chart shows: sample, method …; see :mod:`lstmfcn.dashboard.downloads`); the
    chart's subtitle names the dataset and the model too: those of the result that made the figure
    where it carries them (:func:`lstmfcn.provenance.stamp`), else the page's dataset and model."""
    stamped = provenance.made_by(fig)
    source = ss.get("_download_source") or {}
    if stamped is not None:
        file = stamped.file_name(name)
    else:
        file = downloads.file_name(source["dataset"], source["model"], name) if source else name
        if source and fig.layout.title.text and not fig.layout.title.subtitle.text:  # never over the figure's own
            subtitled(fig, source["subtitle"])
    # the reading guide's tooltip also explains the words of the chart's title and axes (a chart has no tooltip)
    st.caption(f":material/lightbulb: {how_to_read}", help=tip(how_to_read, *chart_words(fig)))
    kwargs = {}
    if on_select is not None:
        kwargs = dict(on_select=on_select, selection_mode=selection_mode)
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": file, "scale": 2}}
    st.plotly_chart(fig, key=key, theme=None, config=config, **kwargs)
    if csv is not None:
        st.download_button(
            "Data (CSV)",
            data=lambda: csv().to_csv(index=False),
            file_name=f"{file}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"dl_csv_{key}",
            icon=":material/download:",
            type="tertiary",
            help="The numbers this chart plots. For a picture, use the camera button in the chart's toolbar (PNG).",
        )


def chart_words(fig) -> list[str]:
    """The words a Plotly figure shows around its plot: its title and subtitle, its panels' names and
    its axes' titles (the hover texts aside)."""
    layout = fig.layout
    words = [layout.title.text, layout.title.subtitle.text, *(a.text for a in layout.annotations or ())]
    for name in dir(layout):
        if name.startswith(("xaxis", "yaxis")) and layout[name] is not None:
            words.append(layout[name].title.text)
    return [w for w in words if w]


def selected_point(state_key: str) -> int | None:
    """The sample index of the first selected point of a chart (its ``customdata``), if any."""
    sel = ss.get(state_key)
    points = (sel or {}).get("selection", {}).get("points", []) if sel else []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, list | tuple):
            cd = cd[0] if cd else None
        if cd is not None:
            return int(cd)
    return None


def selected_row(state_key: str, table: pd.DataFrame, column: str = "sample") -> int | None:
    """The ``column`` value of the selected row of an ``st.dataframe``, if any."""
    sel = ss.get(state_key)
    rows = (sel or {}).get("selection", {}).get("rows", []) if sel else []
    if rows and 0 <= rows[0] < len(table):
        return int(table.iloc[rows[0]][column])
    return None


def on_chart_select(state_key: str) -> Callable[[], None]:
    def _cb() -> None:
        i = selected_point(state_key)
        if i is not None:
            set_sample(i)

    return _cb


def on_table_select(state_key: str, table: pd.DataFrame, column: str = "sample") -> Callable[[], None]:
    def _cb() -> None:
        i = selected_row(state_key, table, column)
        if i is not None:
            set_sample(i)

    return _cb


#: Columns of the dashboard's tables whose values are probabilities.
PROBABILITY_COLUMNS = {"confidence", "p(true class)"}

#: Width and help of the tables' known columns: the header stays whole in a narrow side column.
COLUMNS = {
    "sample": st.column_config.NumberColumn("sample", width="small", help="The sample's index in the split"),
    "true class": st.column_config.TextColumn("true class", width="small"),
    "predicted": st.column_config.TextColumn("predicted", width="small", help="The class the model names"),
    "confidence": st.column_config.NumberColumn(
        "confidence", width="medium", format="%.4f", help="The model's probability for the class it names"
    ),
    "p(true class)": st.column_config.NumberColumn(
        "p(true class)", width="medium", format="%.4f", help="The model's probability for the true class"
    ),
    "length": st.column_config.NumberColumn("length", width="small", help="Valid time steps"),
    "peak at t": st.column_config.NumberColumn("peak at t", width="small", help="The time step of the highest value"),
}


def table_columns(df: pd.DataFrame) -> dict:
    """The :data:`COLUMNS` configs of ``df``'s known columns, for an ``st.dataframe`` drawn directly;
    a header that uses a glossary term ("AOPC deletion", "p(true class)") explains it in its help."""
    out = {}
    for c in df.columns:
        cfg = COLUMNS.get(c)
        explained = tip(str(c), help=(cfg or {}).get("help"))
        if cfg is not None:
            out[c] = {**cfg, "help": explained} if explained else cfg
        elif explained:
            out[c] = st.column_config.Column(help=explained)
    return out


def table(df: pd.DataFrame, key: str, *, name: str, select_sample: bool = False, height: int | None = None) -> None:
    """A table with a CSV download (the numbers unrounded); with ``select_sample`` a click on a row
    selects that sample. Known columns get their width and help (:data:`COLUMNS`), so a narrow
    column keeps its full header; probabilities never show as a rounded 1.0000 or 0.0000."""
    kwargs: dict = {}
    if select_sample:
        kwargs = dict(on_select=on_table_select(key, df), selection_mode="single-row")
    shown = df.copy()
    for col in PROBABILITY_COLUMNS & set(df.columns):
        shown[col] = shown_probability(df[col].to_numpy())
    st.dataframe(shown, key=key, hide_index=True, height=height or "auto", column_config=table_columns(df), **kwargs)
    source = ss.get("_download_source") or {}
    st.download_button(
        "Table (CSV)",
        data=df.to_csv(index=False),
        file_name=f"{downloads.file_name(source['dataset'], source['model'], name) if source else name}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"dl_csv_{key}",
        icon=":material/download:",
        type="tertiary",
    )


def slug(*parts) -> str:
    return "_".join(str(p).replace(":", "-").replace("/", "-") for p in parts if p != "")
