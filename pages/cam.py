"""Class activation maps: which moments of a series pushed the model towards each class."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn import whatif as W
from lstmfcn.because import because
from lstmfcn.dashboard import analysis
from lstmfcn.dashboard import state as vs
from lstmfcn.evaluation import softmax
from lstmfcn.words import p_equals
from pages import _because as because_block
from pages import _cached_explanations as cached_explanations
from pages import _cached_views as cached_views
from pages import _edited as edited_series
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "cam"
VIEWS = ["Chosen class", "All classes", "True vs predicted"]
#: Up to this many classes "All classes" draws every panel; beyond (Adiac: 37), the most probable
#: ones and a picker for the rest, instead of ten screens of panels.
MOST_PANELS = 12


def classes_picked(i: int, k: int, p: np.ndarray) -> list[int]:
    """The classes whose panels to draw for sample ``i``: by default its most probable ones (and the
    explained class ``k``), or the user's own pick."""
    default = analysis.classes_to_show(p, k, most=8)
    picked = st.multiselect(
        f"Classes to draw (of {K}; the {len(default)} most probable first)",
        list(range(K)),
        default=default,
        key=f"cam_classes_{split}_{i}",
        format_func=lambda j: f"{ctx.classes[j]} ({p_equals(p[j])})",
    )
    return sorted(set(picked) | {k}, key=lambda j: -p[j])


ctx = page_ui.context(require_model=False)
st.title("Class activation maps", help=terms.tip("CAM"))
page_ui.need_model(ctx)  # after the title: a page without a model still says what it is
terms.markdown(
    "The model has two parts: one looks for short shapes all along the series (the convolutional half), the "
    "other reads it step by step. A **class activation map** (CAM) shows, for each step of the series, how much "
    "the shapes found there added to (red) or took from (blue) a class's score. Its average over time, plus the "
    "step-by-step part's fixed share (the LSTM's share), *is* the class's score."
)

split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
variables, var_names = widgets_ui.variable_picker(ctx.ds.n_vars, PAGE, names=ctx.var_names)
res = cached_explanations.split_explanation(
    "cam", ctx.model_id, ctx.dataset_id, split, "Computing the class activation maps"
)
if res is None:  # cancelled: the note and a way to go on are shown
    st.stop()
cam_all, logits = res["cam"], res["logits"]  # (N, K, T), (N, K)
probs = softmax(logits)
pred = probs.argmax(axis=1)
K = len(ctx.classes)
name_base = widgets_ui.slug(ctx.ds.name, split)
# Built once per model, dataset and split (cached); a sample change reruns only the fragment below.
overview = cached_views.cam_overview_figure(ctx.model_id, ctx.dataset_id, split, tuple(ctx.classes), tuple(ctx.colors))
wrong = analysis.misclassified_table(analysis.sample_table(a.y, logits, ctx.classes, a.lengths))


@st.fragment
def sample_panel() -> None:
    n = len(a.y)
    pick, pick_class = st.columns(2)
    with pick:
        i = widgets_ui.split_and_sample_pickers(ctx, PAGE, n)
    with pick_class:
        widgets_ui.class_picker(ctx, PAGE)
    over, side = st.columns([2, 1])
    with over:  # the same figure for every sample: the browser does not redraw it on a sample change
        widgets_ui.chart(
            overview,
            "cam_overview",
            name=widgets_ui.slug("probabilities", name_base),
            how_to_read="One point per sample in its true class's colour: high = confidently right, ✕ = a mistake. Click a point to explain that sample.",
            on_select=widgets_ui.on_chart_select("cam_overview"),
        )
    with side:
        if len(wrong):
            st.markdown(f"**Misclassified samples** ({len(wrong)}): click a row to explain it")
            widgets_ui.table(
                wrong,
                "cam_wrong_table",
                name=widgets_ui.slug("misclassified", name_base),
                select_sample=True,
                height=min(320, 38 + 35 * len(wrong)),
            )
        else:
            st.success(f"No misclassified sample in the {widgets_ui.SPLIT_NAMES[split]}.")

    edited = edited_series.for_sample(ctx.model_id, ctx.dataset_id, split, i)
    if edited is None:
        xs, cam_i, p_i, what = a.X[i], cam_all[i], probs[i], f"{split.capitalize()} sample #{i}"
    else:  # the What-if page's edited series, explained instead of the recorded one
        now = W.predict_and_cam(ctx.model, edited.x, edited.length)
        xs, cam_i, p_i, what = edited.x, now.cam, now.probabilities, f"Edited {split} sample #{i}"
    x, L, yt, yp = xs[variables], int(a.lengths[i]), int(a.y[i]), int(p_i.argmax())
    k = vs.class_index(state_ui.ss["cls"], ctx.labels, yp)
    verdict = "correct" if yt == yp else "**wrong**"
    st.markdown(
        f"#### {'Edited s' if edited else 'S'}ample {i} of the {widgets_ui.SPLIT_NAMES[split]}: true class {ctx.classes[yt]}, predicted {ctx.classes[yp]} "
        f"({p_equals(p_i[yp])}, {verdict})"
    )
    # Lazy tabs: only the open one is computed and sent, so a sample change redraws one chart.
    one, every, mistake = st.tabs(VIEWS, key="cam_view", on_change="rerun")
    if one.open is not False:
        with one:
            # Why, in words, from the very map the chart draws (its valid steps); shaded on the chart.
            why = because(cam_i[k, :L][None], ctx.classes[k], variable_names=ctx.var_names, predicted=ctx.classes[yp])
            because_block.show_because(why)
            figure = F.map_series_figure(
                x,
                cam_i[k],
                length=L,
                line_color=ctx.colors[k],
                var_names=var_names,
                title=f"{what}: CAM of class {ctx.classes[k]} ({p_equals(p_i[k])})",
            )
            widgets_ui.chart(
                F.shade_stretches(figure, why),
                "cam_chart",
                name=widgets_ui.slug("cam", name_base, i, ctx.classes[k]),
                how_to_read=f"Each point is coloured by how much that time step raised (red) or lowered (blue) the score of class {ctx.classes[k]}; pale steps hardly matter."
                + F.shading_note(why),
                csv=lambda: pd.DataFrame(
                    {
                        "t": np.arange(L),
                        **{f"x{v + 1}": x[v, :L] for v in range(x.shape[0])},
                        f"cam_{ctx.classes[k]}": cam_i[k, :L],
                    }
                ),
            )
            if edited is None:
                because_block.what_would_make_it_say(ctx, PAGE, split, i, yp, p_i)
    if every.open:
        with every:
            shown = list(range(K)) if K <= MOST_PANELS else classes_picked(i, k, p_i)
            widgets_ui.chart(
                F.map_small_multiples_figure(
                    x,
                    cam_i[shown],
                    [ctx.classes[j] for j in shown],
                    [ctx.colors[j] for j in shown],
                    probs=p_i[shown],
                    length=L,
                    highlight=shown.index(k),
                    title=f"{what} under "
                    + ("every class's map" if len(shown) == K else f"the maps of {len(shown)} of its {K} classes")
                    + " (one colour scale)",
                ),
                "cam_multiples",
                name=widgets_ui.slug("cam_all_classes", name_base, i),
                how_to_read="One panel per class with the model's probability for it; the class whose panel is reddest overall is the one the conv branch favours.",
                csv=lambda: pd.DataFrame(
                    {"t": np.arange(L), **{f"cam_{c}": cam_i[j, :L] for j, c in enumerate(ctx.classes)}}
                ),
            )
    if mistake.open:
        with mistake:
            if yt == yp:
                st.info(
                    f"Sample {i} is classified correctly. Pick a misclassified one (✕ in the chart, or the table) to compare the true class's map with the predicted class's."
                )
            else:
                widgets_ui.chart(
                    F.true_vs_predicted_figure(
                        x,
                        cam_i[yt],
                        cam_i[yp],
                        ctx.classes[yt],
                        ctx.classes[yp],
                        p_true=p_i[yt],
                        p_pred=p_i[yp],
                        length=L,
                        colors=(ctx.colors[yt], ctx.colors[yp]),
                        var_names=var_names,
                        title=f"{what}: why the mistake — the true class's map next to the predicted class's",
                    ),
                    "cam_mistake",
                    name=widgets_ui.slug("cam_true_vs_predicted", name_base, i),
                    how_to_read="Left: the evidence for the right answer; right: for the wrong one. Red steps on the right are what misled the model.",
                )


sample_panel()

st.subheader("Average map of each class")
fig, mean, std = cached_views.cam_class_average(
    ctx.model_id, ctx.dataset_id, split, tuple(ctx.classes), tuple(ctx.colors)
)
widgets_ui.chart(
    fig,
    "cam_class_average",
    name=widgets_ui.slug("cam_class_average", name_base),
    how_to_read="For each class, its samples' maps for that class averaged over time step: peaks are the moments the model typically relies on to recognise the class.",
    csv=lambda: pd.DataFrame(
        [
            {"class": c, "t": t, "mean": mean[j, t], "std": std[j, t]}
            for j, c in enumerate(ctx.classes)
            for t in range(mean.shape[-1])
        ]
    ),
)
