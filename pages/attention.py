"""Attention: where an ALSTM-FCN / MALSTM-FCN looked while reading the series."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import analysis, explanations, sources
from lstmfcn.errors import LstmFcnError
from lstmfcn.explain.attention import TRIVIAL_NOTE, attended_axis, attention_spread, can_show_attention, has_attention
from lstmfcn.models import ARCH_NAMES
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _cached_views as cached_views
from pages import _edited as edited_series
from pages import _page as page_ui
from pages import _sidebar as sidebar_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "attention"
ctx = page_ui.context(require_model=False)
st.title("Attention", help=terms.tip("attention"))
page_ui.need_model(ctx)  # after the title: a page without a model still says what it is
terms.markdown(
    "Some models (ALSTM-FCN and MALSTM-FCN: the *A* is for attention) choose, before each step they read, where "
    "to look: they spread weights that add up to 1 over all the steps and read the weighted mix of them — the "
    "**context vector** — alongside the step itself. The weights show where the model looked; the mix, what it "
    "saw there."
)

m = ctx.model
V = ctx.ds.n_vars


def models_showing_attention() -> list[str]:
    """This dataset's models (shipped, then this session's) whose attention is over more than one
    position and that fit the data; attention over time first."""
    found = []
    for mid in dict.fromkeys(sources.zoo_model_ids(ctx.ds.name) + list(state_ui.ss.get("session_models", []))):
        try:
            other = cached_resources.model(mid)
        except LstmFcnError:
            continue
        fits = state_ui.refusal_of(mid, ctx.dataset_id) is None  # the pair checked once per server
        if mid != ctx.model_id and fits and can_show_attention(other):
            found.append(mid)
    return sorted(found, key=lambda i: cached_resources.model(i).config.shuffle)


def offer_attention_and_stop(reason: str) -> None:
    """Say why there is nothing to show, offer a model whose attention shows something (or say how
    to get one), and stop the page."""
    options = models_showing_attention()
    if options:
        terms.alert(
            st.info,
            f"{reason} A model for {ctx.ds.name} whose attention does show something is ready:",
            icon=":material/info:",
        )
        label = sources.model_label(options[0], cached_resources.model_meta(options[0]), cached_resources.blob_store())
        st.button(
            f"Show {label}",
            on_click=sidebar_ui.select_model,
            args=(options[0],),
            icon=":material/visibility:",
            key="attention_switch",
            help=terms.tip(label),
        )
    else:
        what = (
            "an ALSTM-FCN or MALSTM-FCN (with the dimension shuffle **off** its attention runs over time, with it "
            f"on over the {V} variables)"
            if V > 1
            else "an ALSTM-FCN with the dimension shuffle **off** (its attention then runs over time)"
        )
        terms.alert(
            st.info,
            f"{reason} No model for {ctx.ds.name} here can show attention over anything. To see it, train {what} "
            "on the Train page, or upload such a checkpoint in the sidebar.",
            icon=":material/info:",
        )
        st.page_link("pages/train.py", label="Open the Train page", icon=":material/model_training:")
    st.stop()


if not has_attention(m):
    arch = ARCH_NAMES.get(m.config.arch, m.config.arch)
    offer_attention_and_stop(f"The selected model is an {arch}: it has no attention, so there is nothing to show here.")
if not can_show_attention(m):  # shuffle on, univariate: one weight, always 1
    offer_attention_and_stop(TRIVIAL_NOTE)

axis = attended_axis(m)
over = "time steps" if axis == "time" else "variables"

if axis == "time":
    terms.caption("This model reads the series step by step (dimension shuffle off): its attention runs over **time**.")
else:
    terms.caption(
        f"This model reads the {V} variables as its steps (dimension shuffle on): its attention runs over the **variables**."
    )

split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
variables, var_names = widgets_ui.variable_picker(V, PAGE, names=ctx.var_names)
all_var_names = None if V == 1 else ctx.var_names


def uniformity_panel() -> None:
    """How far the split's last-step attention is from uniform, in a sentence and three numbers."""
    res = cached_explanations.split_explanation(
        "attention", ctx.model_id, ctx.dataset_id, split, f"Attention over the {split} set"
    )
    if res is None:  # cancelled: the note and a way to go on are shown
        return
    spread = attention_spread(res["final"], a.lengths if axis == "time" else None, over=over)
    st.subheader("How far from uniform")
    terms.alert(st.info, spread.sentence, icon=":material/equalizer:")
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Peak / uniform",
        f"{spread.mean_peak:.2f} ×",
        help="The largest weight over the uniform level 1/n, averaged over the samples: 1 when the weight is spread "
        "evenly, n when it all sits on one position.",
    )
    c2.metric(
        "Minimum / uniform",
        f"{spread.mean_low:.2f} ×",
        help="The smallest weight over the uniform level, averaged over the samples: 1 when even, 0 when some "
        "position gets no weight at all.",
    )
    c3.metric(
        "Entropy / maximum",
        f"{100 * spread.mean_entropy:.1f} %",
        help=terms.tip(
            help="The weights' entropy over its maximum log n, averaged over the samples: 100 % when even, 0 % when "
            "all weight is on one position."
        ),
    )
    terms.caption(
        "The charts below draw the uniform level as a dotted line, and the heatmaps are white at it (orange above, "
        "purple below), so near-uniform attention looks near-uniform."
    )


uniformity_panel()


@st.fragment
def sample_panel() -> None:
    n = len(a.y)
    i = widgets_ui.split_and_sample_pickers(ctx, PAGE, n)
    edited = edited_series.for_sample(ctx.model_id, ctx.dataset_id, split, i)
    if edited is None:
        sa, xs = cached_explanations.sample_attention(ctx.model_id, ctx.dataset_id, split, i), a.X[i]
    else:  # the What-if page's edited series, read instead of the recorded one
        sa, xs = cached_views.series_attention(ctx.model_id, edited.x, edited.length), edited.x
    x, L, yt = xs[variables], int(a.lengths[i]), int(a.y[i])
    context = explanations.contexts_as_series(sa["contexts"], axis)[variables]  # (V, T)
    title = f"{'Edited ' + split if edited else split.capitalize()} sample #{i} (class {ctx.classes[yt]})"
    # Over time the weights spread over the sample's L valid steps; over variables over all V.
    weights = sa["final"][:L] if axis == "time" else sa["final"]
    terms.caption(f"**This sample** — {attention_spread(weights, over=over).sentence}")
    if axis == "time":
        widgets_ui.chart(
            F.attention_series_figure(
                x,
                sa["final"],
                context=context,
                length=L,
                var_names=var_names,
                color=ctx.colors[yt],
                title=f"{title}: attention of the last step, and the context vectors",
            ),
            "attention_sample",
            name=widgets_ui.slug("attention", ctx.ds.name, split, i),
            how_to_read="Bottom (grey-blue): the weight the LSTM's last step put on each time step (they sum to 1); top, dashed: the context vector read at each step, a weighted mix of the series.",
            csv=lambda: pd.DataFrame(
                {
                    "t": np.arange(L),
                    "weight_last_step": sa["final"][:L],
                    **{f"x{variables[j] + 1}": x[j, :L] for j in range(len(variables))},
                    **{f"context{variables[j] + 1}": context[j, :L] for j in range(len(variables))},
                }
            ),
        )
        widgets_ui.chart(
            F.attention_matrix_figure(
                sa["alignment"][:L, :L], axis_title="time step", title=f"{title}: alignment matrix"
            ),
            "attention_matrix",
            name=widgets_ui.slug("alignment", ctx.ds.name, split, i),
            how_to_read="Row t is where the LSTM looked while reading step t; white is the uniform weight, orange more, purple less. An orange diagonal means it looks at the present, vertical stripes that it keeps returning to the same moments.",
        )
    else:
        left, right = st.columns(2)
        with left:
            widgets_ui.chart(
                F.variable_attention_figure(
                    sa["alignment"], var_names=all_var_names, title=f"{title}: attention over variables"
                ),
                "attention_vars",
                name=widgets_ui.slug("attention_variables", ctx.ds.name, split, i),
                how_to_read="Each bar is the average weight the LSTM put on one variable while reading; a bar well above the dotted uniform line is a variable it keeps consulting.",
            )
        with right:
            widgets_ui.chart(
                F.attention_matrix_figure(sa["alignment"], axis_title="variable", title="Alignment matrix"),
                "attention_matrix",
                name=widgets_ui.slug("alignment", ctx.ds.name, split, i),
                how_to_read="Row v is where the LSTM looked while reading variable v; columns are the variables it attended to. White is the uniform weight, orange more, purple less.",
            )
        widgets_ui.chart(
            F.attention_series_figure(
                x,
                None,
                context=context,
                length=L,
                var_names=var_names,
                color=ctx.colors[yt],
                title=f"{title}: each variable with its context vector",
            ),
            "attention_sample",
            name=widgets_ui.slug("context", ctx.ds.name, split, i),
            how_to_read="Solid: each variable's series; dashed: the context read at that variable's step, the attention-weighted mix of all variables' series.",
        )


sample_panel()

st.subheader("Per class")
cols = st.columns(2)
for col, which in zip(cols, ("train", "test"), strict=True):
    with col:
        try:
            aw = cached_resources.aligned(ctx.model_id, ctx.dataset_id, which)
        except Exception:  # noqa: BLE001 - the selected split already reported a mismatch
            continue
        res = cached_explanations.split_explanation(
            "attention", ctx.model_id, ctx.dataset_id, which, f"Attention over the {which} set"
        )
        if res is None:
            continue
        K = len(ctx.classes)
        ctx_series = explanations.contexts_as_series(res["contexts"], axis)  # (N, V, T)
        s_mean, _, counts = analysis.class_mean_spread(aw.X[:, variables], aw.y, K, aw.lengths)
        c_mean, _, _ = analysis.class_mean_spread(
            ctx_series[:, variables], aw.y, K, aw.lengths if axis == "time" else None
        )
        widgets_ui.chart(
            F.class_context_figure(
                s_mean,
                c_mean,
                ctx.classes,
                ctx.colors,
                var_names=var_names,
                title=f"{which.capitalize()} set: class mean series and context",
            ),
            f"attention_class_context_{which}",
            name=widgets_ui.slug("class_context", ctx.ds.name, which),
            how_to_read="Per class, the average series (solid) and the average context vector the LSTM read (dashed): where they part, the attention pulls in information from elsewhere in the series.",
        )
        if axis == "time":
            fm, fs, fc = analysis.class_mean_spread(res["final"][:, None, :], aw.y, K, aw.lengths)
            T = aw.X.shape[-1]
            widgets_ui.chart(
                F.class_attention_figure(
                    fm[:, 0],
                    fs[:, 0],
                    ctx.classes,
                    ctx.colors,
                    # padded series each have their own uniform level 1/length: no single line then
                    n_positions=T if (aw.lengths >= T).all() else None,
                    counts=fc,
                    title=f"{which.capitalize()} set: last-step attention per class",
                ),
                f"attention_class_weights_{which}",
                name=widgets_ui.slug("class_attention", ctx.ds.name, which),
                how_to_read="For each class, the average weight the last step put on each time step (± spread): the moments the model consults before deciding. Read the heights against the dotted uniform line: a curve hugging it means no moment is preferred.",
            )
        else:
            fm = np.stack(
                [res["final"][aw.y == k].mean(axis=0) if (aw.y == k).any() else np.full(V, np.nan) for k in range(K)]
            )
            widgets_ui.chart(
                F.class_variable_attention_figure(
                    fm, ctx.classes, all_var_names, title=f"{which.capitalize()} set: last-step attention per class"
                ),
                f"attention_class_weights_{which}",
                name=widgets_ui.slug("class_attention", ctx.ds.name, which),
                how_to_read=f"Row = class, column = variable: the average weight the last step put on each variable for that class's samples; white is the uniform 1/{V}, orange more, purple less.",
            )
