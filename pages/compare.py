"""Compare: the sidebar's model (A) and a second model (B) on the same sample (probabilities, CAMs,
one attribution, how alike their maps rank the steps, whose map is more faithful), and over the
split, where their answers differ."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import compare as C
from lstmfcn import figures as F
from lstmfcn.dashboard import explanations, sources
from lstmfcn.dashboard.analysis import percent
from lstmfcn.errors import LstmFcnError
from lstmfcn.inputs import model_classes
from lstmfcn.provenance import side_by_side, stamp
from lstmfcn.words import fixed
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _cached_views as cached_views
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui
from pages._state import candidates

PAGE = "compare"
ss = state_ui.ss

ctx = page_ui.context(require_model=False)
st.title("Compare two models")
page_ui.need_model(ctx)
terms.markdown(
    "Put the model chosen in the sidebar (**A**) next to another model that fits this dataset (**B**): what each "
    "says about the same sample, where each looks, whether they rank the time steps alike, whose map points more "
    "truly at what its model uses, and on which samples of the split their answers differ. Each model reads the "
    "series prepared its own way."
)


def fitting_models() -> list[str]:
    """Models other than A that load and fit the dataset with this session's opt-ins."""
    out = []
    for model_id in dict.fromkeys(candidates(ctx.ds) + [ss.get("compare", "")]):
        if not model_id or model_id == ctx.model_id:
            continue
        try:
            if state_ui.refusal_of(model_id, ctx.dataset_id) is None:  # the pair checked once per server
                out.append(model_id)
        except LstmFcnError:
            continue
    return out


others = fitting_models()
if not others:
    terms.alert(
        st.info,
        f"Only one model fits {ctx.dataset_label}. Train another on the **Train** page or upload a checkpoint in the "
        "sidebar to compare two.",
        icon=":material/compare_arrows:",
    )
    st.page_link("pages/train.py", label=f"Train a model on {ctx.ds.name}", icon=":material/model_training:")
    st.stop()
if ss.get("compare") not in others:  # none yet, or a link's model that does not fit: the first that does
    ss["compare"] = others[0]
    state_ui.sync_url()
blobs = cached_resources.blob_store()


def label(model_id: str) -> str:
    return sources.model_label(model_id, cached_resources.model_meta(model_id), blobs)


c1, c2 = st.columns([3, 2])
with c1:
    terms.markdown(f"**A** (sidebar): {label(ctx.model_id)}")
with c2:
    state_ui.bound(
        st.selectbox,
        "compare",
        "Model B",
        page=PAGE,
        options=others,
        format_func=label,
        help=terms.tip(*(label(o) for o in others)),
    )
model_b = ss["compare"]
split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
b = cached_resources.aligned(model_b, ctx.dataset_id, split)
for w in b.warnings:
    st.warning(f"Model B: {w}", icon=":material/warning:")
if split == "test":  # A's is said by aligned_or_stop
    page_ui.trained_on_warning(ctx, model_b)
names = dict(zip(ctx.labels, ctx.classes, strict=True))
classes_b = model_classes(cached_resources.model(model_b))

infos = {k: v for k, v in explanations.method_infos().items() if k not in ("cam", "attention")}
if ss["method"] not in infos:
    ss["method"] = "ig"
c1, c2, c3 = st.columns([2, 2, 2])
with c1:
    i = widgets_ui.split_and_sample_pickers(ctx, PAGE, len(a.y))
with c2:
    state_ui.bound(
        st.selectbox,
        "method",
        "Attribution",
        page=PAGE,
        options=list(infos),
        format_func=lambda k: infos[k].label,
        help=terms.tip("Attribution", *(v.label for v in infos.values())),
    )
with c3:
    widgets_ui.class_picker(ctx, PAGE, "Class both maps explain")
method = ss["method"]
pred_a = cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)["pred"]
target = ss["cls"] or ctx.labels[int(pred_a[i])]
if target not in classes_b:
    st.warning(f"Model B has no class {names.get(target, target)}; choose another class.", icon=":material/warning:")
    st.stop()
cmp = cached_views.sample_comparison(ctx.model_id, model_b, ctx.dataset_id, split, i, target, method)
if cmp is None:
    st.stop()
shown = names.get(target, target)

st.subheader(f"{split.capitalize()} sample {i}: {ctx.classes[int(a.y[i])]}")
says = [
    f"**{who}** says **{names.get(v.predicted, v.predicted)}** ({percent(float(v.probabilities.max()))})"
    for who, v in (("A", cmp.a), ("B", cmp.b))
]
terms.markdown(" · ".join(says))
m1, m2, m3 = st.columns(3)
m1.metric("CAM rank agreement (Spearman)", f"{cmp.cam_agreement:.2f}", help=terms.tip("CAM Spearman"))
m2.metric(
    f"{infos[method].label} rank agreement (Spearman)",
    f"{cmp.attribution_agreement:.2f}",
    help=terms.tip(infos[method].label, "Spearman"),
)
m3.metric(
    "Deletion AOPC, A / B",
    f"{fixed(cmp.a.aopc_deletion, 3)} / {fixed(cmp.b.aopc_deletion, 3)}",
    help=terms.tip("Deletion AOPC"),
)
terms.alert(st.info, cmp.verdict("A", "B", shown), icon=":material/balance:")
terms.caption(
    "Rank agreement: 1 means both maps order the time steps the same way, 0 unrelated, −1 reversed. Deletion AOPC: "
    "how much the class's probability drops, on average, as the steps a map ranks first are blurred away, most "
    "important first; the higher, the more the map points at what its model uses."
)

variables, var_names = widgets_ui.variable_picker(ctx.ds.n_vars, PAGE, names=ctx.var_names)
made_by = {who: ctx.made_by(model_id, split=split, sample=i) for who, model_id in (("A", ctx.model_id), ("B", model_b))}
for kind, title in (("cam", "CAM"), ("attribution", infos[method].label)):
    cols = st.columns(2)
    for col, who, prepared, view in ((cols[0], "A", a, cmp.a), (cols[1], "B", b, cmp.b)):
        values = view.cam if kind == "cam" else view.attribution[variables]
        with col:
            widgets_ui.chart(
                stamp(
                    F.map_series_figure(
                        prepared.X[i][variables],
                        values,
                        length=view.length,
                        var_names=var_names,
                        colorbar_title=title,
                        title=f"{who}: {title} of {shown}",
                    ),
                    made_by[who].of(method=title),
                ),
                f"compare_{kind}_{who.lower()}",
                name=widgets_ui.slug("compare", kind, split, i),
                how_to_read=f"The series as model {who} reads it, coloured by how much each step raised (red) or "
                f"lowered (blue) {who}'s score for {shown}.",
            )

prob_b = {c: float(p) for c, p in zip(classes_b, cmp.b.probabilities, strict=True)}
both = side_by_side(made_by["A"], made_by["B"])
widgets_ui.chart(
    stamp(
        F.grouped_bars_figure(
            ctx.classes,
            {"A": cmp.a.probabilities, "B": np.array([prob_b.get(c, np.nan) for c in ctx.labels])},
            x_title="class",
            y_title="probability",
            title=f"Every class's probability, A and B (sample {i})",
            y_range=(0.0, 1.0),
        ),
        both,
    ),
    "compare_probs",
    name=widgets_ui.slug("compare_probabilities", split, i),
    how_to_read="Two bars per class: model A's probability for it and model B's, on this sample.",
)
st.subheader(f"Where A and B disagree on the {widgets_ui.SPLIT_NAMES[split]}")
pred_b = cached_explanations.evaluation(model_b, ctx.dataset_id, split)["pred"]
table = C.answer_table(pred_a, pred_b, ctx.labels, classes_b)
shown_classes = [names.get(c, c) for c in table.classes]
terms.markdown(
    f"A and B give the same answer on **{np.trace(table.counts)} of {len(pred_a)}** samples "
    f"({table.agreement:.1%}); they disagree on **{len(table.disagreeing)}**."
)
left, right = st.columns([2, 3])
with left:
    terms.caption("Rows: what A says; columns: what B says.")
    widgets_ui.table(
        pd.DataFrame(
            {"A says ↓ / B says →": shown_classes, **{c: table.counts[:, j] for j, c in enumerate(shown_classes)}}
        ),
        "compare_answers",
        name=widgets_ui.slug("compare_answers", ctx.ds.name, split),
    )
with right:
    if len(table.disagreeing):
        terms.caption("Click a row to look at that sample above.")
        d = table.disagreeing
        widgets_ui.table(
            pd.DataFrame(
                {
                    "sample": d,
                    "class": [ctx.classes[int(c)] for c in a.y[d]],
                    "A says": [shown_classes[c] for c in table.answers_a[d]],
                    "B says": [shown_classes[c] for c in table.answers_b[d]],
                }
            ),
            "compare_disagreements",
            name=widgets_ui.slug("compare_disagreements", ctx.ds.name, split),
            select_sample=True,
        )
    else:
        st.success("They agree on every sample of this split.", icon=":material/check:")
