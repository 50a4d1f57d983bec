"""What a page works on: the router check, the selection resolved to objects (:class:`Context`),
and the model's input for the chosen split, with its warnings or the reason it cannot be had."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import downloads, sources
from lstmfcn.dashboard.context import Selection
from lstmfcn.dashboard.time_left import format_seconds
from lstmfcn.data.names import apply_renames, display_class, names_for_dataset, names_from_metadata
from lstmfcn.errors import LstmFcnError
from lstmfcn.provenance import MadeBy
from lstmfcn.zoo import training_estimate_s
from pages._cached_explanations import compute_setup, disk_cache
from pages._cached_resources import aligned, blob_store, dataset, model, overlap_counts
from pages._navigation import navigation
from pages._sidebar import sidebar
from pages._state import init_state, presenting, refusal_of, renames, show_flash, ss, sync_url
from pages._terms import alert


@dataclass(frozen=True)
class Context:
    """The selection resolved to objects for one script run (never stored in session state, never
    changed: pages pass it on). The chosen split, prepared for the model, is :func:`aligned_or_stop`'s
    :class:`~lstmfcn.dashboard.context.Selection`.

    ``labels`` are the class labels in the model's output order (what files, the URL and the
    session state use); ``classes`` the same classes as shown: ``"Weekend (1)"`` where the archive
    names them, else the label; ``var_names`` the variables as shown. ``colors`` are per class,
    kept across models of one dataset.
    """

    dataset_id: str
    model_id: str
    ds: object
    model: object | None  # an LSTMFCN; its checkpoint metadata is ``model.metadata`` (``meta``)
    meta: dict | None
    labels: list[str]
    classes: list[str]
    var_names: list[str]
    colors: list[str]

    @property
    def dataset_label(self) -> str:
        return sources.dataset_label(self.dataset_id, blob_store())

    def made_by(self, model_id: str | None = None, **where) -> MadeBy:
        """What made a result on this page: this dataset and ``model_id`` (default the sidebar's),
        with ``split``, ``sample`` and ``method`` where given; stamp it on the result's figures."""
        model_id = model_id or self.model_id
        meta = self.meta if model_id == self.model_id else model(model_id).metadata
        return MadeBy(
            self.dataset_label,  # "uploaded: X_TRAIN.ts", not the archive's name the file carries
            sources.model_label(model_id, meta, blob_store()),
            downloads.model_tag(model_id, meta),
            **where,
        )


def shared_chrome(with_sidebar: bool = True) -> None:
    """What ``app.py`` does on every run before the page: restore the selection, draw the shared
    sidebar (not in presenter mode: ``with_sidebar=False``), show queued messages, mirror the
    selection into the URL."""
    ss["_routed"] = True
    compute_setup()
    init_state()
    if with_sidebar:
        sidebar()
    show_cache_notice()
    show_flash()
    sync_url()


def show_cache_notice() -> None:
    """The one notice that the disk cache is off, and why, under the sidebar: an unusable cache folder
    costs speed only, so it is said once, quietly, not on every result."""
    notice = disk_cache().notice()
    if notice:
        st.sidebar.caption(f":material/warning: {notice}")


def ensure_router() -> None:
    """Make sure this run went through ``app.py`` (the router); if not, switch to it and rerun.

    A Streamlit main script next to a ``pages/`` folder starts in the legacy "pages folder" mode,
    and leaves it only once ``st.navigation`` has been called. In that mode a request for a
    page's URL (``/cam``: a fresh server's first request, or every ``AppTest.switch_page`` run)
    runs the page's script on its own, without the router: no shared state, no sidebar. The page
    then declares the router's pages with ``st.navigation``, which (as Streamlit documents it)
    makes the app ignore the ``pages/`` folder from then on in every session, and asks for a
    rerun, which goes through ``app.py`` to the same page; at most once per session, so a run
    that missed the router for another reason can never loop. Under ``AppTest``, which restores
    that mode before every run and would lose a button's click in such a rerun, the page draws
    the shared parts itself instead.
    """
    if ss.get("_routed"):
        del ss["_routed"]
        return
    from streamlit import config

    if config.get_option("global.appTest"):  # (st.get_option does not see AppTest's override)
        shared_chrome(with_sidebar=not presenting())
        del ss["_routed"]
        return
    if not ss.get("_rerouted"):
        ss["_rerouted"] = True
        navigation(presenting())
        st.rerun()


def context(require_model: bool = True) -> Context:
    """The current dataset (and model); stops the page with a note when a model is needed but none is chosen.

    Call it once per run, first thing on a page (it checks that the run went through the router).
    """
    ensure_router()
    ds = dataset(ss["dataset"])
    model_id = ss["model"]
    m = model(model_id) if model_id else None
    meta = m.metadata if m is not None else None
    labels = [str(c) for c in (meta["classes"] if meta else ds.classes)]
    names, var_names = names_from_metadata(meta) if meta else names_for_dataset(ds)
    if len(var_names) != ds.n_vars:  # a model of another width is refused on every page; name the data's
        var_names = names_for_dataset(ds)[1]
    names, var_names = _renamed(names, var_names, labels)
    classes = [display_class(label, name) for label, name in zip(labels, names, strict=True)]
    ctx = Context(ss["dataset"], model_id, ds, m, meta, labels, classes, var_names, F.colors_for(labels, ds.classes))
    ss["_download_source"] = {  # what every chart's and table's download is named for (pages._widgets)
        "dataset": ds.name,
        "model": downloads.model_tag(model_id, meta) if model_id else "",
        "subtitle": downloads.chart_subtitle(
            ctx.dataset_label,  # an upload named for an archive dataset is not that dataset
            sources.model_label(model_id, meta, blob_store()) if model_id else "no model",
        ),
    }
    if require_model:
        need_model(ctx)
    return ctx


def _renamed(names: list[str], var_names: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """The session's renames applied; ones that do not fit this dataset and model are said and left out."""
    wanted = renames()
    if not wanted:
        return names, var_names
    try:
        return (
            apply_renames(names, wanted.get("classes"), keys=labels, kind="class"),
            apply_renames(var_names, wanted.get("variables"), kind="variable"),
        )
    except (LstmFcnError, ValueError) as exc:
        st.warning(f"The names chosen for this view could not be used: {exc}", icon=":material/warning:")
        return names, var_names


def need_model(ctx: Context) -> None:
    """Stop the page with one note on how to get a model when none is chosen (with the time a
    training would take)."""
    if ctx.model is not None:
        return
    ds = ctx.ds
    estimate = training_estimate_s(len(ds.y_train), ds.length)
    took = f" (about {format_seconds(estimate)} for the papers' 2000 epochs on a 2-core CPU)" if estimate else ""
    alert(
        st.info,
        f"No model for **{ds.name}** yet: this page explains a model's decisions. Train one on the **Train** page"
        f"{took}, or upload a checkpoint in the sidebar.",
        icon=":material/model_training:",
    )
    st.page_link("pages/train.py", label=f"Train a model on {ds.name}", icon=":material/model_training:")
    st.stop()


def aligned_or_stop(ctx: Context, split: str) -> Selection:
    """The current model on ``split`` of the current dataset, resolved once for the page's run (the
    model, the dataset, the split prepared for the model: pass it on rather than the ids); a mismatch
    is shown and stops the page.

    A resampled split is used only when this session asked for resampling, and says so.
    """
    try:
        problem = refusal_of(ctx.model_id, ctx.dataset_id)
        a = None if problem else aligned(ctx.model_id, ctx.dataset_id, split)
    except LstmFcnError as exc:
        problem = str(exc)
    if problem:
        st.error(f"This model cannot be used on {ctx.dataset_label}: {problem}.", icon=":material/error:")
        st.stop()
    warnings_of(a)
    if split == "test":
        trained_on_warning(ctx)
    return a


def trained_on_warning(ctx: Context, model_id: str | None = None) -> None:
    """Say so above a test split's numbers when the model (``model_id``, default the sidebar's) was
    trained on some of its series."""
    model_id = model_id or ctx.model_id
    try:
        counts = overlap_counts(model_id, ctx.dataset_id)
        meta = ctx.meta if model_id == ctx.model_id else model(model_id).metadata
    except (LstmFcnError, ValueError):  # a dataset without raw series: nothing to compare, nothing claimed
        return
    sentence = sources.overlap_sentence(model_id, meta, counts, "test", blob_store())
    if sentence:
        st.warning(sentence, icon=":material/warning:")


def warnings_of(a) -> None:
    for w in getattr(a, "warnings", []) or []:
        st.warning(w[:1].upper() + w[1:], icon=":material/warning:")
