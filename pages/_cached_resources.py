"""The dashboard's process-wide resources: the upload store, the training jobs, datasets and models
by id, splits prepared for a model, and what a model's files say.

The bottom of the dashboard's cached layer: what every page reads and computes, once per server or
per input. Process-wide resources are in ``st.cache_resource`` (shared, never mutated); arrays and
explanations are in ``st.cache_data``, keyed by ids and parameters. Every cache of the dashboard is
in one of these modules, by idea, and a page (or a test that replaces a cache) imports each cache
from the module that defines it:

* :mod:`pages._cached_resources` (this one): torch's threads, the upload store, the training jobs,
  datasets and models by id, splits prepared for a model;
* :mod:`pages._cached_explanations`: whole-split explanations cached chunk by chunk (so a progress
  bar can be drawn between chunks and a rerun only looks them up), the evaluation, class statistics,
  one sample's explanations and activations, the server's set-up and warm-up;
* :mod:`pages._cached_checks`: the faithfulness and sanity checks and method agreement, in the
  background;
* :mod:`pages._cached_importance`: What matters' permutation importance, in the background;
* :mod:`pages._cached_views`: figures and results built once per input;
* :mod:`pages._cached_report`: Home's report, above the others (it reuses their results).

No computation here: it lives in :mod:`lstmfcn.dashboard` and :mod:`lstmfcn.explain`.
"""

from __future__ import annotations

import streamlit as st

from lstmfcn.dashboard import selection, sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.dashboard.context import Selection
from lstmfcn.dashboard.jobs import JobRegistry
from lstmfcn.errors import LstmFcnError

# ------------------------------------------------------------------------------------------
# Process-wide resources


@st.cache_resource
def blob_store() -> BlobStore:
    """Uploaded files and models trained here, by content digest (see lstmfcn.dashboard.blobs),
    within the server's total and per-session memory bounds (:func:`lstmfcn.dashboard.serving.limits`)."""
    from lstmfcn.dashboard.serving import limits

    lim = limits()
    return BlobStore(
        max_bytes=lim.total_upload_mb * 2**20, session_bytes=lim.session_upload_mb * 2**20, on_drop=_let_go
    )


def _let_go(blob_id: str) -> None:
    """A dropped file's parsed dataset or model goes with it: the bound holds for what was read too
    (and for the selections holding them, kept by three ids: all are let go, rebuilt on next use)."""
    dataset.clear(blob_id)
    model.clear(blob_id)
    aligned.clear()


@st.cache_resource
def job_registry() -> JobRegistry:
    """Background training jobs of every session, within the server's limits
    (:func:`lstmfcn.dashboard.serving.limits`); a training whose session went away is stopped."""
    from lstmfcn.dashboard.serving import limits
    from pages._session import alive

    lim = limits()
    return JobRegistry(
        max_running=lim.max_trainings,
        max_queued=lim.max_queued,
        max_epochs=lim.max_epochs,
        alive=alive,
        grace_s=lim.grace_s,
    )


@st.cache_resource(max_entries=8, show_spinner="Loading the dataset…")
def dataset(dataset_id: str):
    """The dataset behind an id (raises LstmFcnError; failures are not cached)."""
    return sources.load_dataset_by_id(dataset_id, blob_store())


@st.cache_resource(max_entries=16, show_spinner="Loading the model…")
def model(model_id: str):
    """The model on the best device, in eval mode (``model.metadata``: its checkpoint's); shared and never changed."""
    from lstmfcn.dashboard.device import to_best_device

    return to_best_device(sources.load_model_by_id(model_id, blob_store()))


@st.cache_data(ttl=60, show_spinner=False)
def datasets_with_models() -> frozenset[str]:
    """Embedded datasets that have a shipped model (re-read each minute: a training may add one)."""
    return sources.datasets_with_models()


@st.cache_data(show_spinner=False)
def device_label() -> str:
    from lstmfcn.dashboard.device import best_device_label

    return best_device_label()


@st.cache_resource(max_entries=64, show_spinner=False)
def widest_fit(model_id: str, dataset_id: str):
    """How the pair fits with both opt-ins on (:func:`lstmfcn.dashboard.selection.widest_fit`: a
    ``Fit``, or the refusal no opt-in lifts): checked once per pair, it answers every session's
    question about it (ids are content-addressed or fixed names: the answer never goes stale)."""
    return selection.widest_fit(model(model_id), dataset(dataset_id))


@st.cache_resource(max_entries=32, show_spinner=False)
def aligned(model_id: str, dataset_id: str, split: str) -> Selection:
    """The model, the dataset and the split prepared for the model (:func:`lstmfcn.inputs.model_input`:
    the series as the model's checkpoint prepares them, labels in the model's class order), as one
    :class:`~lstmfcn.dashboard.context.Selection`.

    Computed with both opt-ins on (series of another length resampled, a subset of the model's
    classes allowed; the result's ``warnings`` say so), so it depends on the ids alone and is
    shared by every session. Whether a session may use such a split is its own opt-in
    (``ss["resample"]``, ``ss["class_subset"]``), checked where a model is chosen and again by
    :func:`pages._page.aligned_or_stop`.
    """
    from lstmfcn.inputs import model_input

    m, ds = model(model_id), dataset(dataset_id)
    fit = widest_fit(model_id, dataset_id)  # a refusal: model_input raises it, in its words
    data = model_input(m, ds, split, resample=True, class_subset=True, fit=None if isinstance(fit, Exception) else fit)
    return Selection.of(model_id, dataset_id, split, m, ds, data)


@st.cache_data(max_entries=64, show_spinner=False)
def overlap_counts(model_id: str, dataset_id: str) -> dict[str, tuple[int | None, int]]:
    """How many series of each split of a dataset a model was trained on (:func:`sources.overlap_counts`);
    ids are content-addressed or fixed names, so the counts never go stale."""
    return sources.overlap_counts(model(model_id).metadata, dataset(dataset_id))


def model_file(model_id: str) -> tuple[str, bytes]:
    """``(file name, checkpoint bytes)`` of a model, for its download button."""
    return sources.model_file(model_id, blob_store())


def model_meta(model_id: str) -> dict | None:
    try:
        return model(model_id).metadata
    except LstmFcnError:
        return None
