"""Neighbours: which training series the model thinks a sample looks like, the class prototypes,
and the model's feature space drawn flat."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.evaluation import softmax
from lstmfcn.neighbours import PROJECTIONS, prototypes, umap_available
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _cached_views as cached_views
from pages import _page as page_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "neighbours"
ctx = page_ui.context(require_model=False)
st.title("Neighbours")
page_ui.need_model(ctx)
terms.markdown(
    "Before it decides, the model turns every series into one list of numbers (what its step-by-step reader, "
    "the LSTM, remembers at the end, and how strongly each of its shape detectors fired on average), and it "
    "decides from that list alone. Series with close lists, the model sees as alike: here are a sample's nearest "
    "**training** series, each class's most typical series (its *prototype*), and all the lists drawn flat."
)
split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
train = cached_resources.aligned(ctx.model_id, ctx.dataset_id, "train")
f_split = cached_views.features(ctx.model_id, ctx.dataset_id, split)
f_train = cached_views.features(ctx.model_id, ctx.dataset_id, "train")
pred = softmax(cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)["logits"]).argmax(1)
pred_train = softmax(cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, "train")["logits"]).argmax(1)

c1, c2 = st.columns([3, 1])
with c1:
    i = widgets_ui.split_and_sample_pickers(ctx, PAGE, len(a.y))
k = int(c2.number_input("Neighbours", 1, min(20, len(train.y)), min(5, len(train.y)), key=f"{PAGE}_k"))
dist = np.linalg.norm(f_train - f_split[i], axis=1)
order = np.argsort(dist, kind="stable")[:k]
same = int((train.y[order] == a.y[i]).sum())
terms.markdown(
    f"**{split.capitalize()} sample {i}** is **{ctx.classes[int(a.y[i])]}**; the model says **{ctx.classes[int(pred[i])]}**. "
    f"{same} of its {k} nearest training series are {ctx.classes[int(a.y[i])]}."
)
table = pd.DataFrame(
    {
        "rank": np.arange(1, k + 1),
        "training series": order,
        "class": [ctx.classes[int(c)] for c in train.y[order]],
        "model says": [ctx.classes[int(c)] for c in pred_train[order]],
        "distance": dist[order].round(3),
    }
)
left, right = st.columns([2, 3])
with left:
    widgets_ui.table(table, "neighbours_table", name=widgets_ui.slug("neighbours", ctx.ds.name, split, i))
with right:
    v = (
        0
        if ctx.ds.n_vars == 1
        else st.selectbox(
            "Variable drawn", list(range(ctx.ds.n_vars)), key=f"{PAGE}_var", format_func=lambda j: ctx.var_names[j]
        )
    )
    T = a.X.shape[-1]
    lines = {f"sample {i} ({ctx.classes[int(a.y[i])]})": a.X[i, v]}
    lines.update({f"#{j} ({ctx.classes[int(train.y[j])]}), d = {dist[j]:.2f}": train.X[j, v] for j in order})
    widgets_ui.chart(
        F.lines_figure(
            np.arange(T),
            lines,
            x_title="time step",
            y_title=ctx.var_names[v],
            title=f"Sample {i} and its {k} nearest training series",
        ),
        "neighbours_series",
        name=widgets_ui.slug("neighbour_series", ctx.ds.name, split, i),
        how_to_read="The sample (first line) and the training series the model finds most alike, nearest first: if they share a shape, that shape is what the model goes by.",
    )

st.subheader("Class prototypes", help=terms.tip("prototypes"))
medoids = prototypes(f_train, train.y)
terms.caption("Each class's prototype is its training series with the least total distance to the rest of its class.")
widgets_ui.table(
    pd.DataFrame(
        {
            "class": [ctx.classes[c] for c in medoids],
            "prototype (training series)": list(medoids.values()),
            "series in the class": [int((train.y == c).sum()) for c in medoids],
        }
    ),
    "neighbours_prototypes",
    name=widgets_ui.slug("prototypes", ctx.ds.name),
)

st.subheader("The feature space, drawn flat", help=terms.tip("feature space"))
has_umap = umap_available()
projection = (
    st.segmented_control(
        "Projection",
        list(PROJECTIONS),
        default="pca",
        key=f"{PAGE}_projection",
        format_func=lambda p: {"pca": "PCA", "umap": "UMAP"}[p],
        help="PCA keeps the largest distances, exactly; UMAP keeps who is near whom.",
    )
    if has_umap
    else "pca"
) or "pca"
if not has_umap:
    terms.caption("UMAP is not available here (the optional umap-learn package is not installed); the view is PCA.")
points = cached_views.projection(ctx.model_id, ctx.dataset_id, split, projection)
is_split = np.r_[np.zeros(len(f_train), bool), np.ones(len(f_split), bool)]
widgets_ui.chart(
    F.embedding_figure(
        points,
        np.r_[train.y, a.y],
        np.r_[pred_train, pred],
        ctx.classes,
        ctx.colors,
        is_query_split=is_split,
        selected=i,
        title=f"Training and {split} series in the model's feature space ({projection.upper()}), ✕ = a mistake",
    ),
    "neighbours_embedding",
    name=widgets_ui.slug("embedding", ctx.ds.name, split),
    how_to_read="Each point is a series; close points look alike to the model. Click a large point to select that sample on every page.",
    on_select=widgets_ui.on_chart_select("neighbours_embedding"),
)
