"""The shared sidebar (dataset, model, opt-ins, uploads, device) and the callbacks that change the
selection: each checks the new pair with :mod:`lstmfcn.dashboard.selection` and keeps the previous
working state when it does not fit."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lstmfcn.dashboard import selection, sources
from lstmfcn.dashboard import state as vs
from lstmfcn.dashboard.serving import limits
from lstmfcn.data.layout import LayoutError, series_words
from lstmfcn.data.splitting import DEFAULT_TEST_SIZE
from lstmfcn.errors import LstmFcnError
from lstmfcn.zoo import DEFAULT_DATASET
from pages._cached_resources import (
    blob_store,
    dataset,
    datasets_with_models,
    device_label,
    model_file,
    model_meta,
    overlap_counts,
)
from pages._session import owner
from pages._state import bound, first_fitting_model, flash, model_problem, renames, set_renames, ss, sync_url
from pages._terms import caption, tip


def _on_dataset_change() -> None:
    """After the dataset changed: keep the model if it fits, else pick one that does."""
    ds_id = ss["dataset"]
    try:
        dataset(ds_id)  # an upload the server dropped: keep the last dataset that opened
    except LstmFcnError as exc:
        flash(str(exc))
        ss["dataset"] = ss.get("_last_good_dataset", DEFAULT_DATASET)
        return
    ss["sample"] = 0
    ss["cls"] = vs.PREDICTED
    ss["names"] = ""  # names belong to a dataset's classes and variables
    ss["compare"] = ""  # the Compare page's model B is chosen again among the new dataset's models
    if not (ss["model"] and model_problem(ss["model"], ds_id) is None):
        ss["model"] = first_fitting_model(ds_id)  # none: the page says so once, with a way to train one
    _say_if_trained_on(ss["model"], ds_id)


def _say_if_trained_on(model_id: str, ds_id: str) -> None:
    """A model kept or chosen for a dataset whose test series it was trained on is never shown
    without saying so (an upload of its own training file, split by us)."""
    if not model_id:
        return
    try:
        note = sources.selection_sentence(model_id, model_meta(model_id), overlap_counts(model_id, ds_id), blob_store())
    except (LstmFcnError, ValueError):
        return
    if note:
        flash(note, "warning")


def _on_model_change() -> None:
    problem = model_problem(ss["model"], ss["dataset"])
    if problem:
        flash(f"This model cannot be used on {sources.dataset_label(ss['dataset'], blob_store())}: {problem}.")
        ss["model"] = ss.get("_last_good_model", "")
    else:
        ss["cls"] = vs.PREDICTED


def on_switch_change(key: str) -> Callable[[], None]:
    """After an opt-in (``"resample"`` or ``"class_subset"``) changed. On: select the model last refused
    for want of it. Off: drop a model that needs it."""

    def _changed() -> None:
        ds_id = ss["dataset"]
        if ss.get(key):
            wanted = ss.pop("_needs_switch", None)
            if wanted and wanted[1] == key and model_problem(wanted[0], ds_id) is None:
                ss["model"], ss["cls"] = wanted[0], vs.PREDICTED
            return
        if ss["model"] and model_problem(ss["model"], ds_id) is not None:
            what = (
                "Resampling is off, so the model built for another series length"
                if key == "resample"
                else "Subset evaluation is off, so the model with classes this dataset lacks"
            )
            flash(
                f"{what} is no longer used on {sources.dataset_label(ss['dataset'], blob_store())}.",
                "info",
            )
            ss["model"] = first_fitting_model(ds_id)
            ss["cls"] = vs.PREDICTED

    return _changed


def _on_dataset_upload() -> None:
    ups = {up.file_id: up for up in ss.get("_upload_dataset") or []}
    read = sources.files_to_read([(i, up.name) for i, up in ups.items()], ss.get("_uploads_read", frozenset()))
    ss["_uploads_read"] = frozenset(ups)
    ss.pop("_layout_offer", None)  # a new upload replaces an offer not taken
    if not read:  # a file was removed from the uploader: the dataset stays
        return
    files = [(ups[i].name, ups[i].getvalue()) for i in read]
    try:
        ds_id, _ = sources.dataset_from_uploads(files, blob_store(), owner=owner(), max_mb=limits().upload_mb)
    except LayoutError as exc:  # the sidebar offers the other reading, with a preview
        ss["_layout_offer"] = {"files": files, "message": str(exc)}
        return
    except LstmFcnError as exc:
        flash(f"The uploaded file could not be used: {exc}")
        return
    _select_upload(ds_id)


def _read_transposed() -> None:
    """The offered reading of an npz stored as (N, T, V) was chosen: store it so, and select it."""
    offer = ss.pop("_layout_offer", None)
    if offer is None:
        return
    try:
        ds_id, ds = sources.dataset_from_uploads(
            offer["files"], blob_store(), transpose=True, owner=owner(), max_mb=limits().upload_mb
        )
    except LstmFcnError as exc:
        flash(f"The uploaded file could not be used even so: {exc}")
        return
    flash(f"Read as {series_words(len(ds.y_train) + len(ds.y_test), ds.n_vars, ds.length)}.", "info")
    _select_upload(ds_id)


def _select_upload(ds_id: str) -> None:
    if ds_id not in ss["session_datasets"]:
        ss["session_datasets"].append(ds_id)
    ss["dataset"] = ds_id
    _on_dataset_change()
    sync_url()


def _on_model_upload() -> None:
    up = ss.get("_upload_model")
    if up is None:
        return
    # Weights trained elsewhere are imported for the selected dataset, as the user says they were prepared.
    answers = {**FOREIGN_DEFAULTS, **{k: ss[k] for k in FOREIGN_DEFAULTS if k in ss}}
    gates = None if answers["foreign_gates"] == FOREIGN_DEFAULTS["foreign_gates"] else answers["foreign_gates"]
    foreign = sources.ForeignUpload(
        dataset(ss["dataset"]), answers["foreign_framework"], answers["foreign_normalize"], gates
    )
    try:
        model_id, model = sources.model_from_upload(
            up.name, up.getvalue(), blob_store(), owner=owner(), max_mb=limits().model_upload_mb, foreign=foreign
        )
    except LstmFcnError as exc:
        flash(f"The uploaded checkpoint could not be used: {exc}")
        return
    imported = model.metadata.get("imported")
    if imported:
        flash(f"{up.name}: {'; '.join(imported['read'])}. Assumed: {'; '.join(imported['assumed'])}.", "info")
    if model_id not in ss["session_models"]:
        ss["session_models"].append(model_id)
    problem = model_problem(model_id, ss["dataset"])
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
    problem = model_problem(model_id, ss["dataset"])
    if select and problem is None:
        ss["model"] = model_id
        ss["cls"] = vs.PREDICTED
        sync_url()
    return problem


def open_model(model_id: str, dataset_id: str) -> str | None:
    """Keep a model for the session and show it on ``dataset_id`` (switched to when it is another).
    Returns why it cannot be shown, or None."""
    if dataset_id != ss["dataset"]:
        ss["dataset"] = dataset_id
        _on_dataset_change()
    return add_session_model(model_id)


def tell_dropped() -> None:
    """Say which of this session's files the server dropped to stay within its memory bounds,
    and forget their ids (a choice that could only fail)."""
    for lost in blob_store().dropped(owner()):
        flash(f"{lost.name} is no longer kept: {lost.why}. Upload it again to use it.", "warning")
        for key in ("session_datasets", "session_models"):
            if lost.id in ss.get(key, []):
                ss[key].remove(lost.id)


def sidebar() -> None:
    """Dataset, model and device, shared by every page."""
    blobs = blob_store()
    tell_dropped()
    with st.sidebar:
        st.markdown("### Dataset")
        catalog = sources.catalog_choices(datasets_with_models())
        labels = {c.id: c.label for c in catalog}
        options = list(dict.fromkeys(ss["session_datasets"] + [c.id for c in catalog]))
        if ss["dataset"] not in options:
            options.insert(0, ss["dataset"])
        bound(
            st.selectbox,
            "dataset",
            "Embedded dataset or your upload",
            page="sidebar",
            options=options,
            format_func=lambda i: labels.get(i) or sources.dataset_label(i, blobs),
            after=_on_dataset_change,
            help=tip(*labels.values()),
        )
        st.file_uploader(
            "Upload a dataset (.tsv .txt .ts .arff .csv .npz), a NAME_TRAIN + NAME_TEST pair, or a .zip of one",
            type=sources.DATASET_UPLOAD_TYPES,
            accept_multiple_files=True,
            key="_upload_dataset",
            on_change=_on_dataset_upload,
            help="Label first per line for text formats. A TRAIN/TEST pair (two files, or a zip as the archives "
            "ship it) keeps its split; a single file without one is split "
            f"{round(100 * (1 - DEFAULT_TEST_SIZE))}/{round(100 * DEFAULT_TEST_SIZE)}, stratified by class.",
        )
        layout_offer()
        ds = dataset(ss["dataset"])
        note = sources.split_note(ss["dataset"], ds, blobs)
        if note:
            st.caption(note)

        st.markdown("### Model")
        model_ids = list(dict.fromkeys(sources.zoo_model_ids(ds.name) + ss["session_models"]))
        if ss["model"] and ss["model"] not in model_ids:
            model_ids.insert(0, ss["model"])
        if model_ids:
            if not ss["model"]:
                model_ids.insert(0, "")
            bound(
                st.selectbox,
                "model",
                "Shipped, uploaded or trained here",
                page="sidebar",
                options=model_ids,
                format_func=lambda i: sources.model_label(i, model_meta(i), blobs) if i else "— none —",
                after=_on_model_change,
                help=tip(*(sources.model_label(i, model_meta(i), blobs) for i in model_ids if i)),
            )
            if ss["model"]:
                caption(sources.model_label(ss["model"], model_meta(ss["model"]), blobs, long=True))
        else:
            st.caption(f"No model for {ds.name} yet.")
        if ss["model"]:
            st.download_button(
                "Download this model (.safetensors)",
                data=lambda mid=ss["model"]: model_file(mid)[1],
                file_name=model_file(ss["model"])[0],
                mime="application/octet-stream",
                on_click="ignore",
                key="_download_model",
                icon=":material/download:",
                type="tertiary",
                help=tip(".safetensors"),
            )
        bound(
            st.toggle,
            "resample",
            selection.RESAMPLE_LABEL,
            page="sidebar",
            after=on_switch_change("resample"),
            help="Off: a model built for series of another length is refused. On: every series is resampled "
            "(linear interpolation) to the model's length, each page says so, and the explanations are of the "
            "resampled series. It only ever fixes the length: a model whose classes differ stays refused.",
        )
        if ss["class_subset"] or ss.get("_needs_switch", ("", ""))[1] == "class_subset":
            bound(
                st.toggle,
                "class_subset",
                selection.SUBSET_LABEL,
                page="sidebar",
                after=on_switch_change("class_subset"),
                help="For a dataset of your own that holds only some of the model's classes. Every page then says "
                "that it shows a subset; accuracy is not comparable with the model's recorded accuracy.",
            )
        st.file_uploader(
            "Upload a model (.safetensors, or tsai, sktime or Keras weights)",
            type=sources.MODEL_UPLOAD_TYPES,
            key="_upload_model",
            on_change=_on_model_upload,
            help=tip(
                ".safetensors",
                help="A checkpoint written by this tool (python -m lstmfcn train, or the Train page), or the weights"
                " of an LSTM-FCN trained with tsai, sktime or Keras on the selected dataset: they are imported as"
                " arrays (nothing in the file is run), as set under 'Weights trained elsewhere'.",
            ),
        )
        foreign_options()
        names_editor(ds)
        st.caption(f"Computing on: **{device_label()}**")
    ss["_last_good_dataset"] = ss["dataset"]
    ss["_last_good_model"] = ss["model"]


def foreign_options() -> None:
    """What the weights of a model trained elsewhere cannot tell (see ``lstmfcn import``)."""
    for name, default in FOREIGN_DEFAULTS.items():
        ss.setdefault(name, default)
    with st.expander("Weights trained elsewhere"):
        bound(st.selectbox, "foreign_framework", "Trained with", page="sidebar", options=sources.FOREIGN_FRAMEWORKS)
        bound(
            st.selectbox,
            "foreign_normalize",
            "Normalisation your pipeline applied",
            page="sidebar",
            options=["none", "per_sample", "per_dataset"],
            help=tip(
                help="none: the series as the file holds them; per_sample: each series z-normalised; per_dataset: "
                "each variable standardised with the train split's mean and standard deviation."
            ),
        )
        bound(
            st.selectbox,
            "foreign_gates",
            "Keras LSTM gates",
            page="sidebar",
            options=[FOREIGN_DEFAULTS["foreign_gates"], "sigmoid", "hard_sigmoid"],
            help=tip(
                "Keras LSTM gates",
                help="Only for Keras weights saved without their model (save_weights): Keras 2.0-2.2, the authors'"
                " published weights, made LSTMs with hard_sigmoid gates.",
            ),
        )


#: The sidebar's answers for weights trained elsewhere, until the user changes them.
FOREIGN_DEFAULTS = {
    "foreign_framework": "auto",
    "foreign_normalize": "none",
    "foreign_gates": "as the file says (else sigmoid)",
}


def layout_offer() -> None:
    """An npz refused because it looks stored as (N, T, V): the reason, both readings side by side,
    the first series of the transposed one, and a button to read it so."""
    offer = ss.get("_layout_offer")
    if not offer:
        return
    st.error(offer["message"], icon=":material/swap_horiz:")
    try:
        rows, first, words = sources.transposed_preview(offer["files"])
    except LstmFcnError as exc:
        st.caption(f"It cannot be read transposed either: {exc}")
        return
    st.table(pd.DataFrame(rows).set_index("reading").T)  # readings side by side: three narrow columns fit
    st.line_chart({f"variable {v + 1}": values for v, values in enumerate(first)}, height=140)
    st.caption("The first series, read transposed.")
    st.button(f"Read it as {words}", key="_read_transposed", on_click=_read_transposed, type="primary")


#: Up to this many classes (and variables) the sidebar offers a box each to rename them.
MOST_RENAMED = 40


def names_editor(ds) -> None:
    """Boxes to rename the dataset's classes and variables; the names travel in the URL and into
    models trained here (an empty box restores the archive's name or the label)."""
    from lstmfcn.data.names import names_for_dataset

    labels = [str(c) for c in ds.classes]
    default_classes, default_vars = names_for_dataset(ds)
    current = renames()
    with st.expander("Names of classes and variables"):
        if len(labels) <= MOST_RENAMED:
            st.caption("Classes (label → name); Enter applies a name")
            for label, name in zip(labels, default_classes, strict=True):
                _name_box(ds, "classes", label, f"class {label}", name, current)
        if ds.n_vars <= MOST_RENAMED:
            st.caption("Variables")
            for v, name in enumerate(default_vars):
                _name_box(ds, "variables", str(v), f"variable {v + 1}", name, current)


def _name_box(ds, part: str, key: str, label: str, placeholder: str, current: dict) -> None:
    wkey = f"_name_{part[0]}_{key}"
    ss[wkey] = current.get(part, {}).get(key, "")  # the box shows the session's name (a link's too)
    st.text_input(label, placeholder=placeholder, key=wkey, on_change=on_name_change, args=(ds, part, key, wkey))


def on_name_change(ds, part: str, key: str, wkey: str) -> None:
    """Keep the typed name if the names stay acceptable, else say why and keep the old ones."""
    from lstmfcn.data.names import names_for_dataset

    new = {p: dict(r) for p, r in renames().items()}
    typed = str(ss.get(wkey, "")).strip()
    if typed:
        new.setdefault(part, {})[key] = typed
    else:
        new.get(part, {}).pop(key, None)
    try:
        names_for_dataset(ds, {k: v for k, v in new.items() if v})  # validates: length, duplicates, characters
    except LstmFcnError as exc:
        flash(f"This name cannot be used: {exc}")
        return
    set_renames(new)
