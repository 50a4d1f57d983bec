"""The shared selection in ``st.session_state``, mirrored into the URL, and the widgets bound to it.

The selection (dataset, model, split, sample, class, method and the two opt-ins) lives under plain
keys of the session state and in the URL's query parameters, so every page agrees and a copied
link reopens the same view. The rules for which model may be shown are
:mod:`lstmfcn.dashboard.selection`; parsing the URL is :mod:`lstmfcn.dashboard.state`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from lstmfcn.dashboard import selection, sources
from lstmfcn.dashboard import state as vs
from lstmfcn.errors import LstmFcnError
from lstmfcn.zoo import DEFAULT_DATASET
from pages._cached_resources import dataset, model, widest_fit

ss = st.session_state
VIEW_KEYS = (
    "dataset",
    "model",
    "split",
    "sample",
    "cls",
    "method",
    "resample",
    "class_subset",
    "names",
    "compare",
    "present",
)


def current_view() -> vs.View:
    return vs.View(**{k: ss[k] for k in VIEW_KEYS})


def sync_url() -> None:
    """Write the selection into the URL's query parameters (only when it changed)."""
    want = vs.view_to_query(current_view())
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if want != have:
        st.query_params.from_dict(want)


def presenting() -> bool:
    """Whether presenter mode is on: the session's switch, or on a session's first run the link's."""
    if ss.get("_initialised"):
        return bool(ss.get("present"))
    return bool(vs.view_from_query(st.query_params).present)


def flash(message: str, level: str = "error") -> None:
    """Queue a message for the top of the page (shown once)."""
    ss.setdefault("_flash", []).append((level, message))


def show_flash() -> None:
    for level, message in ss.pop("_flash", []):
        getattr(st, level)(message, icon=":material/error:" if level == "error" else None)


# ------------------------------------------------------------------------------------------
# The selection rules, applied to this session


def renames() -> dict:
    """This session's renames of classes and variables (``{"classes": {label: name}, "variables": {index: name}}``)."""
    return vs.parse_names(ss.get("names", ""))


def set_renames(new: dict) -> None:
    ss["names"] = vs.names_param(new)
    sync_url()


def opt_ins() -> selection.OptIns:
    """This session's opt-ins (resampling, a class subset)."""
    return selection.OptIns(bool(ss.get("resample", False)), bool(ss.get("class_subset", False)))


def refusal_of(model_id: str, dataset_id: str) -> str | None:
    """Why model ``model_id`` cannot be used on dataset ``dataset_id`` with this session's opt-ins, or
    None when it can. The pair's check is kept per pair (:func:`pages._cached_resources.widest_fit`),
    so the sidebar, the page and its caches check it once."""
    return selection.refusal(model(model_id), dataset(dataset_id), opt_ins(), widest=widest_fit(model_id, dataset_id))


def candidates(ds) -> list[str]:
    """Models to offer for ``ds``: its shipped ones, then this session's uploads and trainings."""
    return sources.zoo_model_ids(ds.name) + list(ss.get("session_models", []))


def first_fitting_model(dataset_id: str) -> str:
    """The first model to offer on ``dataset_id`` that this session may use (``""`` for none)."""
    ds = dataset(dataset_id)
    kept = partial(widest_fit, dataset_id=dataset_id)  # each candidate's check, kept per pair
    return selection.first_fitting(candidates(ds), model, ds, opt_ins(), widest=kept)


def model_problem(model_id: str, dataset_id: str) -> str | None:
    """The sentence saying why ``model_id`` cannot be used on ``dataset_id``, or None.

    A model that one opt-in would make usable is remembered, so that switching it on selects the
    model (see :func:`pages._sidebar.on_switch_change`).
    """
    try:
        m = model(model_id)
    except LstmFcnError as exc:
        return str(exc)
    ds, widest = dataset(dataset_id), widest_fit(model_id, dataset_id)
    switch = selection.lifting_switch(m, ds, opt_ins(), widest=widest)
    if switch:
        ss["_needs_switch"] = (model_id, switch)
    return selection.refusal(m, ds, opt_ins(), widest=widest)


def init_state() -> None:
    """First run of a session: take the selection from the URL, checked; later runs: keep it
    (falling back to the default dataset if an uploaded one was dropped from the server's store)."""
    if ss.get("_initialised"):
        try:
            dataset(ss["dataset"])
        except LstmFcnError as exc:
            flash(f"{exc}. Showing {DEFAULT_DATASET} instead.")
            ss["dataset"] = DEFAULT_DATASET
            ss["model"] = first_fitting_model(DEFAULT_DATASET)
            ss["sample"], ss["cls"] = 0, vs.PREDICTED
        return
    ss.setdefault("session_models", [])
    ss.setdefault("session_datasets", [])
    view = vs.view_from_query(st.query_params)
    ss["resample"], ss["class_subset"] = view.resample, view.class_subset  # before the link's model is checked
    try:
        dataset(view.dataset)
    except LstmFcnError as exc:
        flash(f"The link's dataset could not be opened: {exc}. Showing {DEFAULT_DATASET} instead.")
        view = view.with_(dataset=DEFAULT_DATASET, model="")
    if sources.is_blob_id(view.dataset):
        ss["session_datasets"].append(view.dataset)
    if view.model:
        problem = model_problem(view.model, view.dataset)
        if problem:
            flash(f"The link's model could not be used: {problem}.")
            view = view.with_(model="")
        elif sources.is_blob_id(view.model):
            ss["session_models"].append(view.model)
    if not view.model:
        view = view.with_(model=first_fitting_model(view.dataset))
    for k in VIEW_KEYS:
        ss[k] = getattr(view, k)
    ss["_initialised"] = True


# ------------------------------------------------------------------------------------------
# Widgets bound to the shared selection


def _copy_widget(wkey: str, name: str, after: Callable[[], None] | None) -> None:
    ss[name] = ss[wkey]
    if after is not None:
        after()
    sync_url()


def bound(widget: Callable, name: str, label: str, *, page: str, after: Callable[[], None] | None = None, **kwargs):
    """Draw ``widget`` showing ``ss[name]`` and writing changes back to it (and the URL).

    Streamlit forgets a widget's own state when a page stops drawing it, so the selection lives
    under a plain key and each page's widget is refreshed from it before being drawn.
    """
    wkey = f"_w_{page}_{name}"
    ss[wkey] = ss[name]
    return widget(label, key=wkey, on_change=_copy_widget, args=(wkey, name, after), **kwargs)


def set_sample(sample: int) -> None:
    ss["sample"] = int(sample)
    sync_url()
