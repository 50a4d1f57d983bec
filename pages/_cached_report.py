"""Home's report as the dashboard builds it: the HTML page of a model on a split, reusing what the
pages computed (Home's evaluation, What matters' importance).

Part of the cached layer (:mod:`pages._cached_resources` describes it). It sits above the other cached
modules: it reads the explanations' and the importance's caches, which the resources below them
never import.
"""

from __future__ import annotations

import streamlit as st

from lstmfcn.dashboard import sources
from pages._cached_explanations import evaluation
from pages._cached_importance import at_page_defaults
from pages._cached_resources import blob_store, dataset, model


@st.cache_data(max_entries=4, show_spinner=False)  # about 5 MB each
def report_html(model_id: str, dataset_id: str, split: str, names: str = "", _progress=None) -> str:
    """The shareable HTML report of a model on a split (:func:`lstmfcn.report.build_report`), its
    defaults: 200 class-balanced samples, Integrated Gradients checked. Built with the opt-ins of
    :func:`aligned` (its warnings head the report) and the session's renames (``names``, the link's
    parameter: the report names the classes as the pages do). Built in a background task
    (:mod:`pages._report`), so it draws nothing: ``_progress`` (not part of the cache key) hears
    each step (:data:`lstmfcn.report.ReportProgress`)."""
    from lstmfcn.dashboard.state import parse_names
    from lstmfcn.report import build_report

    m = model(model_id)
    name = sources.model_label(model_id, m.metadata, blob_store())
    memo = report_memo(model_id, dataset_id, split)
    return build_report(
        m,
        dataset(dataset_id),
        split,
        resample=True,
        class_subset=True,
        model_name=name,
        renames=parse_names(names),
        memo=memo,
        progress=_progress,
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _report_memos(model_id: str, dataset_id: str, split: str) -> dict:
    return {}


def report_memo(model_id: str, dataset_id: str, split: str) -> dict:
    """What the report of a model on a split reuses (:func:`lstmfcn.report.build_report`'s ``memo``):
    its sections as built before (a rename rebuilds only what names), Home's evaluation, and the What
    matters page's importance when it was run at its defaults (the report's samples and settings).
    Called on the download thread: it draws nothing."""
    from lstmfcn.evaluation import evaluation_from_logits

    memo = _report_memos(model_id, dataset_id, split)
    if "evaluation" not in memo:
        ev = evaluation(model_id, dataset_id, split, progress=False)  # Home's, cached: no model pass
        memo["evaluation"] = evaluation_from_logits(ev["logits"], ev["y"])
    if "importance" not in memo:
        found = at_page_defaults(model_id, dataset_id, split)
        if found is not None:
            memo["importance"] = found
    return memo
