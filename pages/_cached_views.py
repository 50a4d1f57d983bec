"""Figures and results built once per input and shared read-only: the CAM page's overviews,
counterfactuals, feature-space views, two models side by side, and an edited series' maps.

Part of the cached layer (:mod:`pages._cached_resources` describes it). No computation here.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from lstmfcn.dashboard import analysis, explanations
from pages import _progress as progress_ui
from pages._cached_explanations import split_explanation
from pages._cached_resources import aligned, model

ss = st.session_state

# ------------------------------------------------------------------------------------------
# Figures that do not change with the sample: built once (Plotly's validation costs ~0.3 s a figure
# on a busy 2-core machine), shared read-only by every run and session


@st.cache_resource(max_entries=32, show_spinner=False)
def cam_overview_figure(model_id: str, dataset_id: str, split: str, classes: tuple, colors: tuple):
    """The CAM page's probability of the true class of every sample (one point each)."""
    from lstmfcn import figures as F
    from lstmfcn.evaluation import softmax

    a = aligned(model_id, dataset_id, split)
    probs = softmax(split_explanation("cam", model_id, dataset_id, split, "", progress=False)["logits"])
    return F.sample_probability_figure(
        probs[np.arange(len(a.y)), a.y], a.y, probs.argmax(axis=1), list(classes), list(colors)
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def cam_class_average(model_id: str, dataset_id: str, split: str, classes: tuple, colors: tuple):
    """``(figure, mean (K, T), std (K, T))``: each class's samples' CAM for their own class, averaged."""
    from lstmfcn import figures as F

    a = aligned(model_id, dataset_id, split)
    cam_all = split_explanation("cam", model_id, dataset_id, split, "", progress=False)["cam"]
    own = explanations.own_class_maps(cam_all, a.y)  # each sample's map for its own (true) class
    mean, std, counts = analysis.class_mean_spread(own[:, None, :], a.y, len(classes), a.lengths)  # padding left out
    mean, std = mean[:, 0], std[:, 0]
    fig = F.class_average_map_figure(
        mean,
        std,
        list(classes),
        list(colors),
        counts=counts,
        title=f"Average CAM of each class over its {split} samples (± one standard deviation)",
    )
    return fig, mean, std


@st.cache_data(max_entries=64, show_spinner="Searching for a counterfactual…")
def counterfactual(
    model_id: str,
    dataset_id: str,
    split: str,
    sample: int,
    to_class: int,
    *,
    classes: tuple[str, ...] = (),
    var_names: tuple[str, ...] = (),
    dataset_label: str = "",
    model_label: str = "",
):
    """A Native Guide counterfactual of one sample towards ``to_class`` (guides from the training split),
    carrying its origin: the dataset and model as the page names them, the split and sample, the
    class and variable names (its chart's and sentence's labels come from there)."""
    from lstmfcn.counterfactual import Origin, native_guide

    a, train = aligned(model_id, dataset_id, split), aligned(model_id, dataset_id, "train")
    return native_guide(
        a.model,
        a.X[sample],
        train.X,
        train.y,
        target=to_class,
        length=int(a.lengths[sample]),
        lengths_train=train.lengths,
        origin=Origin(dataset_label or dataset_id, model_label or model_id, split, sample, classes, var_names),
    )


@st.cache_data(max_entries=16, show_spinner="Reading the model's features…")
def features(model_id: str, dataset_id: str, split: str) -> np.ndarray:
    """``(N, F)`` the head's input (LSTM branch + pooled conv features) of every series of a split."""
    from lstmfcn.neighbours import features as head_input

    a = aligned(model_id, dataset_id, split)
    return head_input(a.model, a.X, a.lengths)


# ------------------------------------------------------------------------------------------
# Two models side by side (the Compare page)


@st.cache_data(max_entries=256, show_spinner=False)
def model_view(model_id: str, dataset_id: str, split: str, sample: int, target: str, method: str):
    """One model's side of a comparison (:func:`lstmfcn.compare.model_view`) on its own input of a sample."""
    from lstmfcn.compare import model_view as view

    a = aligned(model_id, dataset_id, split)
    return view(a.model, a.X[sample], int(a.lengths[sample]), target, method)


def sample_comparison(model_a: str, model_b: str, dataset_id: str, split: str, sample: int, target: str, method: str):
    """:func:`lstmfcn.compare.compare_views` of both models' views; when A's took a while (it was
    computed, not looked up) a bar with an estimate and a Cancel button stays up while B's is computed.

    Returns:
        The :class:`~lstmfcn.compare.SampleComparison`, or None when the user cancelled (a note offers to go on).
    """
    from lstmfcn.compare import compare_views

    flag = "_cancelled_compare_" + "_".join(map(str, (model_a, model_b, dataset_id, split, sample, target, method)))
    if ss.pop(flag, False):
        progress_ui.cancelled(
            "The comparison was cancelled; model A's maps are kept.", flag + "_resume", again="Go on computing"
        )
        return None
    t0 = time.perf_counter()
    a = model_view(model_a, dataset_id, split, sample, target, method)
    elapsed = time.perf_counter() - t0
    holder = None
    if elapsed > 0.15:
        holder = st.empty()
        with holder.container():
            progress_ui.progress(
                0.5,
                "Explaining the sample with model B" + progress_ui.rate_left(elapsed, 1, 2),  # B costs about A's time
                flag + "_button",
                ss.__setitem__,
                (flag, True),
            )
    b = model_view(model_b, dataset_id, split, sample, target, method)
    if holder is not None:
        holder.empty()
    return compare_views(a, b, target, method)


# ------------------------------------------------------------------------------------------
# A series edited on the What-if page, explained on another page (keyed by its values)


@st.cache_data(max_entries=64, show_spinner="Explaining the edited series…")
def series_attribution(model_id: str, x: np.ndarray, length: int, target: int, method: str, params) -> np.ndarray:
    """The map ``(V, T)`` of one series ``x (V, T)`` (not a split's sample) for class ``target``, with
    ``params`` the method's typed options (:func:`lstmfcn.dashboard.explanations.options_of`)."""
    return explanations.attribution(model(model_id), x[None], target, np.array([length]), method, params)[0]


@st.cache_data(max_entries=64, show_spinner=False)
def series_attention(model_id: str, x: np.ndarray, length: int) -> dict:
    """:func:`sample_attention` of one series ``x (V, T)`` (not a split's sample)."""
    return explanations.sample_attention(model(model_id), x, int(length))


@st.cache_data(max_entries=16, show_spinner="Drawing the feature space flat…")
def projection(model_id: str, dataset_id: str, split: str, method: str) -> np.ndarray:
    """``(N_train + N_split, 2)`` the training then the split's features projected (:func:`lstmfcn.neighbours.project_2d`)."""
    from lstmfcn.neighbours import project_2d

    both = np.concatenate([features(model_id, dataset_id, "train"), features(model_id, dataset_id, split)])
    return project_2d(both, method)
