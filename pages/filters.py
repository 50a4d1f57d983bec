"""Filters: what one convolution filter of one block responds to along a sample."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import analysis
from pages import _cached_explanations as cached_explanations
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "filters"
ss = state_ui.ss


ctx = page_ui.context(require_model=False)
st.title("Convolution filters", help=terms.tip("filters"))
page_ui.need_model(ctx)  # after the title: a page without a model still says what it is
terms.markdown(
    "The model's shape-spotting part (the convolutional branch) has three blocks of filters (128, 256 and 128 of "
    "them). Each filter slides along the series and *fires* (rises above zero) where it finds the short shape it "
    "has learnt. Block 1 sees the series itself; later blocks see what earlier filters found, so they respond to "
    "longer, more composite patterns."
)
split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
variables, var_names = widgets_ui.variable_picker(ctx.ds.n_vars, PAGE, names=ctx.var_names)


@st.fragment
def filter_panel() -> None:
    n = len(a.y)
    c1, c2, c3 = st.columns(3)
    with c1:
        i = widgets_ui.split_and_sample_pickers(ctx, PAGE, n)
    block = (
        c2.segmented_control(
            "Conv block", [1, 2, 3], default=3, key="filters_block", format_func=lambda b: f"block {b}"
        )
        or 3
    )
    C = analysis.n_filters(ctx.model, block)
    acts = cached_explanations.block_activations(ctx.model_id, ctx.dataset_id, split, i, block)  # (C, T)
    top = analysis.top_filters(acts, 10)
    if "filters_filter" not in ss or ss["filters_filter"] >= C:
        ss["filters_filter"] = int(top[0])
    f = int(
        c3.number_input(
            f"Filter (0–{C - 1})",
            0,
            C - 1,
            key="filters_filter",
            help=terms.tip(help="Starts at this sample's most active filter."),
        )
    )
    x, L = a.X[i, variables], int(a.lengths[i])
    yt = int(a.y[i])
    widgets_ui.chart(
        F.filter_activation_figure(
            x,
            acts[f],
            length=L,
            var_names=var_names,
            color=ctx.colors[yt],
            title=f"Block {block}, filter {f} on {split} sample #{i} (class {ctx.classes[yt]})",
        ),
        "filters_one",
        name=widgets_ui.slug("filter", ctx.ds.name, split, i, f"b{block}", f"f{f}"),
        how_to_read="Top: the series; bottom: the filter's output at each step (after BatchNorm and ReLU): peaks mark where the filter's learnt shape occurs.",
        csv=lambda: pd.DataFrame(
            {"t": np.arange(L), **{f"x{v + 1}": x[v, :L] for v in range(x.shape[0])}, "activation": acts[f, :L]}
        ),
    )
    left, right = st.columns([3, 1])
    with left:
        widgets_ui.chart(
            F.activation_heatmap_figure(
                acts, highlight=f, length=L, title=f"All {C} filters of block {block} on this sample"
            ),
            "filters_heatmap",
            name=widgets_ui.slug("block", ctx.ds.name, split, i, f"b{block}"),
            how_to_read="One row per filter, bright where it is active; the framed row is the filter shown above. Filters that stay dark never fire on this sample.",
        )
    with right:
        terms.markdown("**Most active filters here**")
        ranking = pd.DataFrame(
            {"filter": top, "mean activation": acts[top].mean(axis=-1).round(4), "peak at t": acts[top].argmax(axis=-1)}
        )
        st.dataframe(
            ranking,
            hide_index=True,
            key="filters_top",
            on_select=_pick_filter(ranking),
            selection_mode="single-row",
            column_config=widgets_ui.table_columns(ranking),
        )
        terms.caption("Click a row to show that filter.")


def _pick_filter(ranking: pd.DataFrame):
    def cb() -> None:
        rows = ss["filters_top"]["selection"]["rows"]
        if rows:
            ss["filters_filter"] = int(ranking.iloc[rows[0]]["filter"])

    return cb


filter_panel()
