"""Attention: where an ALSTM-FCN / MALSTM-FCN looked while reading the series."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import analysis, explanations, sources
from lstmfcn.explain.attention import TRIVIAL_NOTE
from pages import _cached as cached
from pages import _ui as ui

PAGE = "attention"
ctx = ui.context()
st.title("Attention")
st.markdown(
    "An **attention LSTM** (the *A* in ALSTM-FCN and MALSTM-FCN), before each step it reads, spreads weights that "
    "sum to 1 over all the input steps and reads their weighted mix — the **context vector** — alongside the step "
    "itself. The weights show where it looked; the context shows what it saw there."
)

m = ctx.model
if not explanations.has_attention(m):
    arch = sources.ARCH_NAMES.get(m.config.arch, m.config.arch)
    # Attention over time (shuffle off) is the one worth seeing on a univariate series: offer it first.
    alternatives = sorted(
        (i for i in sources.zoo_model_ids(ctx.ds.name) if "alstm" in i), key=lambda i: "noshuffle" not in i
    )
    hint = (
        " A shipped attention model for this dataset is ready:"
        if alternatives
        else " Train an ALSTM-FCN (dimension shuffle off, for attention over time) on the Train page to see it."
    )
    st.info(
        f"The selected model is an {arch}: it has no attention, so there is nothing to show here.{hint}",
        icon=":material/info:",
    )
    if alternatives:
        st.button(
            f"Show {sources.model_label(alternatives[0], cached.model_meta(alternatives[0]), cached.blob_store())}",
            on_click=ui.select_model, args=(alternatives[0],), icon=":material/visibility:", key="attention_switch",
        )  # fmt: skip
    st.stop()

axis = explanations.attention_axis(m)
V = ctx.ds.n_vars
if axis == "variables" and V == 1:
    st.info(
        f"{TRIVIAL_NOTE} Choose an ALSTM-FCN trained with the dimension shuffle **off** (attention over time) to see "
        "where in the series the model looks.",
        icon=":material/info:",
    )
    st.stop()

if axis == "time":
    st.caption("This model reads the series step by step (dimension shuffle off): its attention runs over **time**.")
else:
    st.caption(
        f"This model reads the {V} variables as its steps (dimension shuffle on): its attention runs over the **variables**."
    )

split = ui.split_picker(PAGE)
a = ui.aligned_or_stop(ctx, split)
variables, var_names = ui.variable_picker(V, PAGE)
all_var_names = None if V == 1 else [f"variable {v + 1}" for v in range(V)]


@st.fragment
def sample_panel() -> None:
    n = len(a.y)
    i = ui.split_and_sample_pickers(ctx, PAGE, n)
    sa = cached.sample_attention(ctx.model_id, ctx.dataset_id, split, i)
    x, L, yt = a.X[i, variables], int(a.lengths[i]), int(a.y[i])
    context = explanations.contexts_as_series(sa["contexts"], axis)[variables]  # (V, T)
    title = f"{split.capitalize()} sample #{i} (class {ctx.classes[yt]})"
    if axis == "time":
        ui.chart(
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
            name=ui.slug("attention", ctx.ds.name, split, i),
            how_to_read="Bottom (orange): the weight the LSTM's last step put on each time step (they sum to 1); top, dashed: the context vector read at each step, a weighted mix of the series.",
            csv=lambda: pd.DataFrame(
                {
                    "t": np.arange(L),
                    "weight_last_step": sa["final"][:L],
                    **{f"x{variables[j] + 1}": x[j, :L] for j in range(len(variables))},
                    **{f"context{variables[j] + 1}": context[j, :L] for j in range(len(variables))},
                }
            ),
        )
        ui.chart(
            F.attention_matrix_figure(
                sa["alignment"][:L, :L], axis_title="time step", title=f"{title}: alignment matrix"
            ),
            "attention_matrix",
            name=ui.slug("alignment", ctx.ds.name, split, i),
            how_to_read="Row t is where the LSTM looked while reading step t; a bright diagonal means it looks at the present, vertical stripes mean it keeps returning to the same moments.",
        )
    else:
        left, right = st.columns(2)
        with left:
            ui.chart(
                F.variable_attention_figure(
                    sa["alignment"], var_names=all_var_names, title=f"{title}: attention over variables"
                ),
                "attention_vars",
                name=ui.slug("attention_variables", ctx.ds.name, split, i),
                how_to_read="Each bar is the average weight the LSTM put on one variable while reading; a tall bar is a variable it keeps consulting.",
            )
        with right:
            ui.chart(
                F.attention_matrix_figure(sa["alignment"], axis_title="variable", title="Alignment matrix"),
                "attention_matrix",
                name=ui.slug("alignment", ctx.ds.name, split, i),
                how_to_read="Row v is where the LSTM looked while reading variable v; columns are the variables it attended to.",
            )
        ui.chart(
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
            name=ui.slug("context", ctx.ds.name, split, i),
            how_to_read="Solid: each variable's series; dashed: the context read at that variable's step, the attention-weighted mix of all variables' series.",
        )


sample_panel()

st.subheader("Per class")
cols = st.columns(2)
for col, which in zip(cols, ("train", "test"), strict=True):
    with col:
        try:
            aw = cached.aligned(ctx.model_id, ctx.dataset_id, which)
        except Exception:  # noqa: BLE001 - the selected split already reported a mismatch
            continue
        res = cached.split_explanation(
            "attention", ctx.model_id, ctx.dataset_id, which, f"Attention over the {which} set"
        )
        K = len(ctx.classes)
        ctx_series = explanations.contexts_as_series(res["contexts"], axis)  # (N, V, T)
        s_mean, _, counts = analysis.class_mean_spread(aw.X[:, variables], aw.y, K, aw.lengths)
        c_mean, _, _ = analysis.class_mean_spread(
            ctx_series[:, variables], aw.y, K, aw.lengths if axis == "time" else None
        )
        ui.chart(
            F.class_context_figure(
                s_mean,
                c_mean,
                ctx.classes,
                ctx.colors,
                var_names=var_names,
                title=f"{which.capitalize()} set: class mean series and context",
            ),
            f"attention_class_context_{which}",
            name=ui.slug("class_context", ctx.ds.name, which),
            how_to_read="Per class, the average series (solid) and the average context vector the LSTM read (dashed): where they part, the attention pulls in information from elsewhere in the series.",
        )
        if axis == "time":
            fm, fs, fc = analysis.class_mean_spread(res["final"][:, None, :], aw.y, K, aw.lengths)
            ui.chart(
                F.class_average_map_figure(
                    fm[:, 0],
                    fs[:, 0],
                    ctx.classes,
                    ctx.colors,
                    counts=fc,
                    title=f"{which.capitalize()} set: last-step attention per class",
                    y_title="attention weight",
                ),
                f"attention_class_weights_{which}",
                name=ui.slug("class_attention", ctx.ds.name, which),
                how_to_read="For each class, the average weight the last step put on each time step (± spread): the moments the model consults before deciding.",
            )
        else:
            fm = np.stack(
                [res["final"][aw.y == k].mean(axis=0) if (aw.y == k).any() else np.full(V, np.nan) for k in range(K)]
            )
            ui.chart(
                F.matrix_figure(
                    fm,
                    ctx.classes,
                    all_var_names or ["series"],
                    title=f"{which.capitalize()} set: last-step attention per class",
                    zmin=0,
                    zmax=None,
                    colorscale=F.SEQ_SCALE,
                    colorbar_title="weight",
                ),
                f"attention_class_weights_{which}",
                name=ui.slug("class_attention", ctx.ds.name, which),
                how_to_read="Row = class, column = variable: the average weight the last step put on each variable for that class's samples.",
            )
