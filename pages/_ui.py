"""The dashboard's Streamlit layer shared by ``app.py`` and every page.

* the shared selection (dataset, model, split, sample, class, method) in ``st.session_state``
  under plain keys, mirrored into the URL (:func:`init_state`, :func:`sync_url`);
* widgets bound to that selection, so every page agrees (:func:`bound`);
* (the cached loaders and explanations are in :mod:`pages._cached`);
* the shared sidebar and small drawing helpers (chart + how-to-read + downloads).

No computation here: it lives in :mod:`lstmfcn.dashboard` and :mod:`lstmfcn.explain`. Nothing here
imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import sources
from lstmfcn.dashboard import state as vs
from lstmfcn.errors import LstmFcnError
from lstmfcn.zoo import DEFAULT_DATASET
from pages._cached import aligned, blob_store, compute_setup, dataset, device_label, model, model_file, model_meta

ss = st.session_state
VIEW_KEYS = ("dataset", "model", "split", "sample", "cls", "method", "resample", "class_subset")
#: The session's opt-ins, named as the way out (:attr:`MismatchError.way_out`) each one is.
SWITCHES = ("resample", "class_subset")


# ------------------------------------------------------------------------------------------
# Shared selection: session state <-> URL


def current_view() -> vs.View:
    return vs.View(**{k: ss[k] for k in VIEW_KEYS})


def sync_url() -> None:
    """Write the selection into the URL's query parameters (only when it changed)."""
    want = vs.view_to_query(current_view())
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if want != have:
        st.query_params.from_dict(want)


def flash(message: str, level: str = "error") -> None:
    """Queue a message for the top of the page (shown once)."""
    ss.setdefault("_flash", []).append((level, message))


def show_flash() -> None:
    for level, message in ss.pop("_flash", []):
        getattr(st, level)(message, icon=":material/error:" if level == "error" else None)


def resample() -> bool:
    """Whether this session resamples series to a model built for another length (opt-in)."""
    return bool(ss.get("resample", False))


def class_subset() -> bool:
    """Whether this session evaluates on datasets holding only some of a model's classes (opt-in)."""
    return bool(ss.get("class_subset", False))


def fits(m, ds, **override) -> str | None:
    """:func:`sources.model_fits` with this session's opt-ins (or those given)."""
    opts = {"resample": resample(), "class_subset": class_subset(), **override}
    return sources.model_fits(m, ds, **opts)


def _first_fitting_model(dataset_id: str, ds) -> str:
    """A zoo model for the dataset, else a session model that fits it, else ''."""
    for mid in sources.zoo_model_ids(ds.name) + list(ss.get("session_models", [])):
        try:
            if fits(model(mid)[0], ds) is None:
                return mid
        except LstmFcnError:
            continue
    return ""


def _model_for(model_id: str, ds) -> str | None:
    """The error sentence if ``model_id`` cannot be used on ``ds``, else None.

    A model refused only because an opt-in (resampling, a class subset) is off is remembered, so
    that switching it on selects the model (:func:`_on_switch_change`).
    """
    try:
        m = model(model_id)[0]
    except LstmFcnError as exc:
        return str(exc)
    problem = fits(m, ds)
    if problem:
        for key in SWITCHES:
            if not ss.get(key) and fits(m, ds, **{key: True}) is None:
                ss["_needs_switch"] = (model_id, key)
    return problem


def init_state() -> None:
    """First run of a session: take the selection from the URL, checked; later runs: keep it
    (falling back to the default dataset if an uploaded one was dropped from the server's store)."""
    if ss.get("_initialised"):
        try:
            dataset(ss["dataset"])
        except LstmFcnError as exc:
            flash(f"{exc}. Showing {DEFAULT_DATASET} instead.")
            ss["dataset"] = DEFAULT_DATASET
            ss["model"] = _first_fitting_model(DEFAULT_DATASET, dataset(DEFAULT_DATASET))
            ss["sample"], ss["cls"] = 0, vs.PREDICTED
        return
    ss.setdefault("session_models", [])
    ss.setdefault("session_datasets", [])
    view = vs.view_from_query(st.query_params)
    ss["resample"], ss["class_subset"] = view.resample, view.class_subset  # before the link's model is checked
    try:
        ds = dataset(view.dataset)
    except LstmFcnError as exc:
        flash(f"The link's dataset could not be opened: {exc}. Showing {DEFAULT_DATASET} instead.")
        view = view.with_(dataset=DEFAULT_DATASET, model="")
        ds = dataset(DEFAULT_DATASET)
    if sources.is_blob_id(view.dataset):
        ss["session_datasets"].append(view.dataset)
    if view.model:
        problem = _model_for(view.model, ds)
        if problem:
            flash(f"The link's model could not be used: {problem}.")
            view = view.with_(model="")
        elif sources.is_blob_id(view.model):
            ss["session_models"].append(view.model)
    if not view.model:
        view = view.with_(model=_first_fitting_model(view.dataset, ds))
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


# ------------------------------------------------------------------------------------------
# Sidebar


def _on_dataset_change() -> None:
    """After the dataset changed: keep the model if it fits, else pick one that does."""
    ds_id = ss["dataset"]
    try:
        ds = dataset(ds_id)
    except LstmFcnError as exc:
        flash(str(exc))
        ss["dataset"] = ss.get("_last_good_dataset", DEFAULT_DATASET)
        return
    ss["sample"] = 0
    ss["cls"] = vs.PREDICTED
    if ss["model"] and _model_for(ss["model"], ds) is None:
        return
    ss["model"] = _first_fitting_model(ds_id, ds)
    if not ss["model"]:
        flash(
            f"No model for {ds.name} yet: train one on the Train page, or upload a checkpoint trained on it.",
            "info",
        )


def _on_model_change() -> None:
    problem = _model_for(ss["model"], dataset(ss["dataset"]))
    if problem:
        flash(f"This model cannot be used on {sources.dataset_label(ss['dataset'], blob_store())}: {problem}.")
        ss["model"] = ss.get("_last_good_model", "")
    else:
        ss["cls"] = vs.PREDICTED


def _on_switch_change(key: str) -> Callable[[], None]:
    """After an opt-in (``"resample"`` or ``"class_subset"``) changed. On: select the model last refused
    for want of it. Off: drop a model that needs it."""

    def _changed() -> None:
        ds = dataset(ss["dataset"])
        if ss.get(key):
            wanted = ss.pop("_needs_switch", None)
            if wanted and wanted[1] == key and _model_for(wanted[0], ds) is None:
                ss["model"], ss["cls"] = wanted[0], vs.PREDICTED
            return
        if ss["model"] and _model_for(ss["model"], ds) is not None:
            what = (
                "Resampling is off, so the model built for another series length"
                if key == "resample"
                else "Subset evaluation is off, so the model with classes this dataset lacks"
            )
            flash(
                f"{what} is no longer used on {sources.dataset_label(ss['dataset'], blob_store())}.",
                "info",
            )
            ss["model"] = _first_fitting_model(ss["dataset"], ds)
            ss["cls"] = vs.PREDICTED

    return _changed


def _on_dataset_upload() -> None:
    up = ss.get("_upload_dataset")
    if up is None:
        return
    try:
        ds_id, _ = sources.dataset_from_upload(up.name, up.getvalue(), blob_store())
    except LstmFcnError as exc:
        flash(f"The uploaded file could not be used: {exc}")
        return
    if ds_id not in ss["session_datasets"]:
        ss["session_datasets"].append(ds_id)
    ss["dataset"] = ds_id
    _on_dataset_change()
    sync_url()


def _on_model_upload() -> None:
    up = ss.get("_upload_model")
    if up is None:
        return
    try:
        model_id, m, _ = sources.model_from_upload(up.name, up.getvalue(), blob_store())
    except LstmFcnError as exc:
        flash(f"The uploaded checkpoint could not be used: {exc}")
        return
    if model_id not in ss["session_models"]:
        ss["session_models"].append(model_id)
    problem = _model_for(model_id, dataset(ss["dataset"]))
    if problem:
        flash(
            f"{up.name} does not fit {sources.dataset_label(ss['dataset'], blob_store())}: {problem}. "
            "The previous model stays selected."
        )
        return
    ss["model"] = model_id
    ss["cls"] = vs.PREDICTED
    sync_url()


def select_model(model_id: str) -> None:
    """Select a model (a button's callback): checked against the dataset like a sidebar choice."""
    ss["model"] = model_id
    _on_model_change()
    sync_url()


def add_session_model(model_id: str, select: bool = True) -> str | None:
    """Keep a model (trained here) for the session; select it if it fits. Returns a problem or None."""
    if model_id not in ss["session_models"]:
        ss["session_models"].append(model_id)
    problem = _model_for(model_id, dataset(ss["dataset"]))
    if select and problem is None:
        ss["model"] = model_id
        ss["cls"] = vs.PREDICTED
        sync_url()
    return problem


def sidebar() -> None:
    """Dataset, model and device, shared by every page."""
    blobs = blob_store()
    with st.sidebar:
        st.markdown("### Dataset")
        catalog = sources.catalog_choices()
        labels = {c.id: c.label for c in catalog}
        options = list(dict.fromkeys(ss["session_datasets"] + [c.id for c in catalog]))
        if ss["dataset"] not in options:
            options.insert(0, ss["dataset"])
        bound(
            st.selectbox, "dataset", "Embedded dataset or your upload", page="sidebar", options=options,
            format_func=lambda i: labels.get(i) or sources.dataset_label(i, blobs), after=_on_dataset_change,
        )  # fmt: skip
        st.file_uploader(
            "Upload a dataset (.tsv .txt .ts .arff .csv .npz)", type=sources.DATASET_UPLOAD_TYPES,
            key="_upload_dataset", on_change=_on_dataset_upload,
            help="Label first per line for text formats; a file without a train/test split is split 70/30.",
        )  # fmt: skip

        st.markdown("### Model")
        ds = dataset(ss["dataset"])
        model_ids = list(dict.fromkeys(sources.zoo_model_ids(ds.name) + ss["session_models"]))
        if ss["model"] and ss["model"] not in model_ids:
            model_ids.insert(0, ss["model"])
        if model_ids:
            if not ss["model"]:
                model_ids.insert(0, "")
            bound(
                st.selectbox, "model", "Shipped, uploaded or trained here", page="sidebar", options=model_ids,
                format_func=lambda i: sources.model_label(i, model_meta(i), blobs) if i else "— none —",
                after=_on_model_change,
            )  # fmt: skip
            if ss["model"]:
                st.caption(sources.model_label(ss["model"], model_meta(ss["model"]), blobs, long=True))
        else:
            st.info(f"No model for {ds.name} yet. Train one on the Train page or upload one below.")
        if ss["model"]:
            st.download_button(
                "Download this model (.safetensors)", data=lambda mid=ss["model"]: model_file(mid)[1],
                file_name=model_file(ss["model"])[0], mime="application/octet-stream", on_click="ignore",
                key="_download_model", icon=":material/download:", type="tertiary",
            )  # fmt: skip
        bound(
            st.toggle, "resample", sources.RESAMPLE_LABEL, page="sidebar", after=_on_switch_change("resample"),
            help="Off: a model built for series of another length is refused. On: every series is resampled "
            "(linear interpolation) to the model's length, each page says so, and the explanations are of the "
            "resampled series. It only ever fixes the length: a model whose classes differ stays refused.",
        )  # fmt: skip
        if ss["class_subset"] or ss.get("_needs_switch", ("", ""))[1] == "class_subset":
            bound(
                st.toggle, "class_subset", sources.SUBSET_LABEL, page="sidebar", after=_on_switch_change("class_subset"),
                help="For a dataset of your own that holds only some of the model's classes. Every page then says "
                "that it shows a subset; accuracy is not comparable with the model's recorded accuracy.",
            )  # fmt: skip
        st.file_uploader(
            "Upload a model (.safetensors)", type=sources.MODEL_UPLOAD_TYPES, key="_upload_model",
            on_change=_on_model_upload, help="A checkpoint written by this tool (python -m lstmfcn train, or the Train page).",
        )  # fmt: skip
        st.caption(f"Computing on: **{device_label()}**")
    ss["_last_good_dataset"] = ss["dataset"]
    ss["_last_good_model"] = ss["model"]


# ------------------------------------------------------------------------------------------
# What a page works on


@dataclass
class Context:
    """The selection resolved to objects for one script run (never stored in session state)."""

    dataset_id: str
    model_id: str
    ds: object
    model: object | None
    meta: dict | None
    classes: list[str]
    colors: list[str]

    @property
    def dataset_label(self) -> str:
        return sources.dataset_label(self.dataset_id, blob_store())


def shared_chrome() -> None:
    """What ``app.py`` does on every run before the page: restore the selection, draw the shared
    sidebar, show queued messages, mirror the selection into the URL."""
    ss["_routed"] = True
    compute_setup()
    init_state()
    sidebar()
    show_flash()
    sync_url()


def ensure_router() -> None:
    """Make sure this run went through ``app.py`` (the router); if not, switch to it and rerun.

    A Streamlit main script next to a ``pages/`` folder starts in the legacy "pages folder" mode,
    and leaves it only once ``st.navigation`` has been called. In that mode a request for a
    page's URL (``/cam``: a fresh server's first request, or every ``AppTest.switch_page`` run)
    runs the page's script on its own, without the router: no shared state, no sidebar. The page
    then turns that mode off and asks for a rerun, which goes through ``app.py`` to the same page.
    Under ``AppTest``, which restores that mode before every run and would lose a button's click
    in such a rerun, the page draws the shared parts itself instead.
    """
    if ss.get("_routed"):
        del ss["_routed"]
        return
    from streamlit import config

    if config.get_option("global.appTest"):  # (st.get_option does not see AppTest's override)
        shared_chrome()
        del ss["_routed"]
        return
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:  # only ever once per server process
        PagesManager.uses_pages_directory = False
        st.rerun()


def context(require_model: bool = True) -> Context:
    """The current dataset (and model); stops the page with a note when a model is needed but none is chosen.

    Call it once per run, first thing on a page (it checks that the run went through the router).
    """
    ensure_router()
    ds = dataset(ss["dataset"])
    model_id = ss["model"]
    m = meta = None
    if model_id:
        m, meta = model(model_id)
    classes = [str(c) for c in (meta["classes"] if meta else ds.classes)]
    ctx = Context(ss["dataset"], model_id, ds, m, meta, classes, F.colors_for(classes, ds.classes))
    if require_model:
        need_model(ctx)
    return ctx


def need_model(ctx: Context) -> None:
    """Stop the page with a note on how to get a model when none is chosen."""
    if ctx.model is None:
        st.info(
            f"Choose a model for **{ctx.ds.name}** in the sidebar, train one on the **Train** page, or upload a "
            "checkpoint; this page explains a model's decisions.",
            icon=":material/model_training:",
        )
        st.stop()


def split_and_sample_pickers(ctx: Context, page: str, n: int) -> int:
    """The sample widget bound to the shared selection (clamped to the split's size); returns the sample."""
    ss["sample"] = vs.clamp_sample(ss["sample"], n)
    bound(
        st.number_input, "sample", f"Sample (0–{n - 1})", page=page, min_value=0, max_value=max(n - 1, 0), step=1,
        help="Or click a sample in the overview chart or a table row.",
    )  # fmt: skip
    return int(ss["sample"])


SPLIT_NAMES = {"test": "test set", "train": "training set"}


def split_picker(page: str) -> str:
    bound(
        st.segmented_control, "split", "Samples from", page=page, options=list(vs.SPLITS),
        format_func=SPLIT_NAMES.get, after=lambda: ss.update(sample=0),
    )  # fmt: skip
    if ss["split"] is None:  # a segmented control can be cleared; keep a split
        ss["split"] = "test"
    return ss["split"]


def variable_picker(n_vars: int, page: str, most: int = 6) -> tuple[list[int], list[str] | None]:
    """Which variables to draw (all up to ``most``; a multiselect beyond): ``(indices, row names)``."""
    if n_vars <= most:
        return list(range(n_vars)), None
    chosen = st.multiselect(
        f"Variables to draw (of {n_vars})", list(range(n_vars)), default=list(range(most)), key=f"{page}_variables",
        format_func=lambda v: f"variable {v + 1}",
    )  # fmt: skip
    chosen = sorted(chosen) or [0]
    return chosen, [f"variable {v + 1}" for v in chosen]


def class_picker(ctx: Context, page: str, label: str = "Class to explain") -> None:
    options = [vs.PREDICTED] + ctx.classes
    if ss["cls"] not in options:
        ss["cls"] = vs.PREDICTED
    bound(
        st.selectbox,
        "cls",
        label,
        page=page,
        options=options,
        format_func=lambda c: "the predicted class" if c == vs.PREDICTED else f"class {c}",
    )


# ------------------------------------------------------------------------------------------
# Drawing


def chart(
    fig,
    key: str,
    *,
    how_to_read: str,
    name: str,
    csv: Callable[[], pd.DataFrame] | None = None,
    on_select: Callable[[], None] | None = None,
) -> None:
    """A Plotly chart with its one-sentence reading guide and HTML (and CSV) downloads."""
    st.caption(f":material/lightbulb: {how_to_read}")
    kwargs = {}
    if on_select is not None:
        kwargs = dict(on_select=on_select, selection_mode="points")
    st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Chart (HTML)", data=lambda: F.figure_html(fig, title=name), file_name=f"{name}.html", mime="text/html",
            on_click="ignore", key=f"dl_html_{key}", icon=":material/download:", type="tertiary",
        )  # fmt: skip
        if csv is not None:
            st.download_button(
                "Data (CSV)", data=lambda: csv().to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
                on_click="ignore", key=f"dl_csv_{key}", icon=":material/download:", type="tertiary",
            )  # fmt: skip


def selected_point(state_key: str) -> int | None:
    """The sample index of the first selected point of a chart (its ``customdata``), if any."""
    sel = ss.get(state_key)
    points = (sel or {}).get("selection", {}).get("points", []) if sel else []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, list | tuple):
            cd = cd[0] if cd else None
        if cd is not None:
            return int(cd)
    return None


def selected_row(state_key: str, table: pd.DataFrame, column: str = "sample") -> int | None:
    """The ``column`` value of the selected row of an ``st.dataframe``, if any."""
    sel = ss.get(state_key)
    rows = (sel or {}).get("selection", {}).get("rows", []) if sel else []
    if rows and 0 <= rows[0] < len(table):
        return int(table.iloc[rows[0]][column])
    return None


def on_chart_select(state_key: str) -> Callable[[], None]:
    def _cb() -> None:
        i = selected_point(state_key)
        if i is not None:
            set_sample(i)

    return _cb


def on_table_select(state_key: str, table: pd.DataFrame, column: str = "sample") -> Callable[[], None]:
    def _cb() -> None:
        i = selected_row(state_key, table, column)
        if i is not None:
            set_sample(i)

    return _cb


def table(df: pd.DataFrame, key: str, *, name: str, select_sample: bool = False, height: int | None = None) -> None:
    """A table with a CSV download; with ``select_sample`` a click on a row selects that sample."""
    kwargs: dict = {}
    if select_sample:
        kwargs = dict(on_select=on_table_select(key, df), selection_mode="single-row")
    st.dataframe(df, key=key, hide_index=True, height=height or "auto", **kwargs)
    st.download_button(
        "Table (CSV)", data=df.to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
        on_click="ignore", key=f"dl_csv_{key}", icon=":material/download:", type="tertiary",
    )  # fmt: skip


def aligned_or_stop(ctx: Context, split: str):
    """The aligned split of the current model and dataset; a mismatch is shown and stops the page.

    A resampled split is used only when this session asked for resampling, and says so.
    """
    try:
        problem = fits(ctx.model, ctx.ds)
        a = None if problem else aligned(ctx.model_id, ctx.dataset_id, split)
    except LstmFcnError as exc:
        problem = str(exc)
    if problem:
        st.error(f"This model cannot be used on {ctx.dataset_label}: {problem}.", icon=":material/error:")
        st.stop()
    warnings_of(a)
    return a


def warnings_of(a) -> None:
    for w in getattr(a, "warnings", []) or []:
        st.warning(w[:1].upper() + w[1:], icon=":material/warning:")


def slug(*parts) -> str:
    return "_".join(str(p).replace(":", "-").replace("/", "-") for p in parts if p != "")
