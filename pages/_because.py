"""The "because" block the CAM and Attributions pages share: the sentences above the chart, the
stretches shaded on it, and "What would make it say …?" (a counterfactual) below it.

Thin: :func:`lstmfcn.because.because` says why, :func:`lstmfcn.figures.shade_stretches` shades,
:func:`lstmfcn.counterfactual.native_guide` (cached) finds the counterfactual and
:func:`lstmfcn.counterfactual.summary` says what it found.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.because import Because, class_words
from lstmfcn.counterfactual import summary
from lstmfcn.dashboard import sources
from pages import _cached_resources as cached_resources
from pages import _cached_views as cached_views
from pages import _page as page_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui


def show_because(result: Because) -> None:
    """The sentences, one paragraph, in a bordered box above the chart whose stretches they shade."""
    with st.container(border=True):
        terms.markdown(result.text)


def counterfactual_of(ctx: page_ui.Context, split: str, i: int, to: int):
    """The cached Native Guide counterfactual of sample ``i`` of ``split`` towards class ``to``, its
    labels (dataset, model, class and variable names) as the page shows them."""
    return cached_views.counterfactual(
        ctx.model_id,
        ctx.dataset_id,
        split,
        i,
        int(to),
        classes=tuple(ctx.classes),
        var_names=tuple(ctx.var_names),
        dataset_label=ctx.ds.name,
        model_label=sources.model_label(ctx.model_id, ctx.meta, cached_resources.blob_store()),
    )


def what_would_make_it_say(
    ctx: page_ui.Context, page: str, split: str, i: int, predicted: int, probs: np.ndarray
) -> None:
    """The question for the class the model finds next most likely (any other on a pick), and on a
    click the counterfactual's sentence and chart, or, honestly, that none was found."""
    K = len(ctx.classes)
    others = sorted((c for c in range(K) if c != predicted), key=lambda c: -probs[c])
    if not others:
        return
    to = others[0]
    if K > 2:
        to = st.selectbox(
            "Another class",
            others,
            format_func=lambda c: ctx.classes[c],
            key=f"{page}_cf_to_{split}_{i}",
            help="The class to ask about; first the one the model finds next most likely.",
        )
    st.markdown(f"##### What would make it say {class_words(ctx.classes[to])}?")
    if not st.button(
        "Find out", icon=":material/search:", key=f"{page}_cf_find_{split}_{i}_{to}", help=terms.tip("counterfactual")
    ):
        terms.caption(
            f"The nearest training series of class {ctx.classes[to]} lends this one the shortest stretch that makes "
            "the model change its answer (a Native Guide counterfactual)."
        )
        st.page_link("pages/whatif.py", label="Or edit the series yourself on What if", icon=":material/edit:")
        return
    cf = counterfactual_of(ctx, split, i, to)
    if not cf.found:
        terms.alert(st.warning, summary(cf), icon=":material/search_off:")
        return
    terms.alert(st.success, summary(cf))
    widgets_ui.chart(
        F.counterfactual_figure(cf),
        f"{page}_counterfactual",
        name=widgets_ui.slug("counterfactual", ctx.ds.name, split, i, ctx.classes[to]),
        how_to_read="Grey is the series as it was, purple the counterfactual; the shaded steps are what was copied "
        "from the guide to change the model's answer.",
    )
    st.page_link("pages/whatif.py", label="Edit the series yourself on What if", icon=":material/edit:")
