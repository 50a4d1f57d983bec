"""Sweep: a sweep folder's results, ours against the published numbers, and any unit's model opened
on every page with a click on its row."""

import os

import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import sweeps
from lstmfcn.errors import LstmFcnError
from lstmfcn.sweep.published import TABLES, source_note
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _page as page_ui
from pages import _sidebar as sidebar_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "sweep"
ss = state_ui.ss
page_ui.context(require_model=False)
st.title("Sweep")
terms.markdown(
    "A folder written by `python -m lstmfcn sweep`: every unit trained (dataset × model × cells × seed), the "
    "cell count **chosen on a validation part of the training data** and refit on the whole training split "
    "(*selected*), and the selected models against the authors' published test accuracies. "
    "**Click a row** to open that model on every page (its class activation maps of the test split are ready)."
)
folders = sweeps.offered_folders()
if not folders:
    st.info(
        f"No sweep folders are offered by this server. Whoever runs it lists them in `{sweeps.ENV}` (folders "
        f"separated by `{os.pathsep}`, each a sweep's `--out` or a folder holding several) and restarts it.",
        icon=":material/folder_open:",
    )
    st.stop()
label = st.selectbox("Sweep folder (the `--out` of a sweep)", [f.label for f in folders], key="sweep_folder")
try:
    folder = sweeps.offered_folder(label, folders)
    results = sweeps.sweep_results(folder)
except LstmFcnError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()


def _open_row(i: int) -> None:
    """Open row ``i``'s model: its checkpoint becomes a session source, shown on its dataset on every page,
    with its precomputed test-split CAM, once checked against the model, put where the CAM page looks it up."""
    row = results.iloc[i]
    try:
        name, data, meta = sweeps.unit_checkpoint(folder, row.get("checkpoint", ""))
    except LstmFcnError as exc:
        state_ui.flash(str(exc))
        return
    blob = cached_resources.blob_store().put(data, name, "sweep")
    dataset_id = sweeps.embedded_dataset_of(meta)
    if dataset_id is None:
        ss["session_models"].append(blob.id)
        state_ui.flash(
            f"{name} was trained on files of your own ({meta.get('dataset', {}).get('source', '?')}); upload its "
            "dataset in the sidebar to use it (the model is kept for this session).",
            "info",
        )
        return
    problem = sidebar_ui.open_model(blob.id, dataset_id)
    if problem:
        state_ui.flash(f"{name} cannot be shown on {dataset_id}: {problem}")
        return
    cam = sweeps.unit_cam(folder, row.get("checkpoint", ""))
    if cam is not None:
        with st.spinner("Checking the unit's class activation maps against its model…"):
            problem = cached_explanations.keep_unit_cam(blob.id, dataset_id, cam)
        if problem:
            state_ui.flash(
                f"The class activation maps saved with {name} were set aside: {problem}. They are computed instead.",
                "warning",
            )
    ss["_sweep_opened"] = sweeps.row_title(row)


table = st.radio(
    "Published results", list(TABLES), format_func=lambda t: TABLES[t][1], horizontal=True, key=f"{PAGE}_table"
)
comp, counts = sweeps.sweep_comparison(results, table)
n_sel = int(results["selected"].sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Units trained", len(results))
c2.metric("Selected models", n_sel)
c3.metric("Compared", len(comp))
c4.metric("Wins / draws / losses", f"{counts['win']} / {counts['draw']} / {counts['loss']}")

if ss.get("model", "").startswith("sweep:") and ss.get("_sweep_opened"):
    st.success(f"Opened **{ss['_sweep_opened']}** on every page.", icon=":material/check_circle:")
    with st.container(horizontal=True):
        st.page_link("pages/cam.py", label="Class activation maps", icon=":material/gradient:", help=terms.tip("CAM"))
        st.page_link(
            "pages/attributions.py", label="Attributions", icon=":material/compare:", help=terms.tip("attribution")
        )
        st.page_link("pages/attention.py", label="Attention", icon=":material/visibility:", help=terms.tip("attention"))

st.subheader("Results")
event = st.dataframe(
    results[[c for c in sweeps.SHOWN if c in results]],
    key="sweep_rows",
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
)
# Opened here rather than in a callback: the selection is read on the run it changes, then the
# rerun draws the sidebar (and every page) with the opened model.
picked = event.selection.rows[0] if event.selection.rows else None
if picked is None:
    ss.pop("_sweep_row", None)
elif ss.get("_sweep_row") != (folder.label, picked) and 0 <= picked < len(results):
    ss["_sweep_row"] = (folder.label, picked)
    _open_row(picked)
    st.rerun()
st.download_button(
    "Table (CSV)",
    data=results.to_csv(index=False),
    file_name="results.csv",
    mime="text/csv",
    on_click="ignore",
    key="dl_csv_sweep_rows",
    icon=":material/download:",
    type="tertiary",
)
terms.caption(
    "A candidate's test accuracy is that of the candidate model (trained on the fit part); the best of them is "
    "what picking the cell count on the test set would report. The selected row's is the only fair test number."
)

st.subheader("Against the published results")
if comp.empty:
    st.info("None of these datasets and models is in the published table.", icon=":material/info:")
else:
    widgets_ui.chart(
        F.sweep_comparison_figure(comp, TABLES[table][1]),
        f"{PAGE}_comparison",
        how_to_read="One point per dataset and model: above the dashed line ours is higher (▲ win, ● draw, ▼ loss).",
        name=widgets_ui.slug("sweep_comparison", table),
        csv=lambda: comp,
    )
    st.dataframe(comp, hide_index=True, key=f"{PAGE}_comparison_table")
terms.caption(f"Source: {source_note(table)}")
