"""Train: fit a model on the chosen dataset in the browser, watch it learn, keep and download it."""

import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import sources
from lstmfcn.dashboard.jobs import TrainingRefused, TrainRequest
from lstmfcn.dashboard.serving import limits
from lstmfcn.models import ARCH_NAMES
from lstmfcn.provenance import MadeBy, stamp
from pages import _cached_resources as cached_resources
from pages import _page as page_ui
from pages import _progress as progress_ui
from pages import _sidebar as sidebar_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui
from pages._session import owner

ss = state_ui.ss
ctx = page_ui.context(require_model=False)
ds = ctx.ds
registry = cached_resources.job_registry()
most_epochs = limits().max_epochs

st.title(f"Train a model on {ctx.dataset_label}")
terms.markdown(
    "Training follows the papers' recipe (Adam, learning rate 1e-3 lowered on plateaus, class-balanced loss, "
    "the weights with the lowest *training* loss are kept; the test set is never used to choose). The papers "
    "train for 2000 epochs; a few hundred already give a usable model on small datasets. The model is kept for "
    "this session and appears in the sidebar's model list."
)
terms.caption(
    f"This server trains {registry.max_running} model(s) at a time (others wait in a queue) for at most "
    f"{most_epochs} epochs each; a training stops, and is not kept, once its tab has been closed."
)

job = registry.get(ss.get("train_job"))
running = job is not None and not job.snapshot().finished

with st.form("train_form", border=True, enter_to_submit=False):  # Enter in a box must not start a training
    c1, c2, c3 = st.columns(3)
    arch = c1.selectbox(
        "Architecture",
        list(ARCH_NAMES),
        format_func=lambda a: ARCH_NAMES[a],
        key="train_arch",
        help=terms.tip(
            *ARCH_NAMES.values(),
            help="A… adds an attention LSTM; M… adds squeeze-and-excite blocks to the convolutions.",
        ),
    )
    cells = c2.selectbox("LSTM cells", [8, 64, 128], key="train_cells", help=terms.tip("LSTM cells"))
    shuffle = c3.toggle(
        "Dimension shuffle (papers' default)",
        value=True,
        key="train_shuffle",
        help=terms.tip(
            "dimension shuffle",
            help="On: the LSTM reads the variables as steps. Off: it reads time steps, so an attention model "
            "attends over time.",
        ),
    )
    c4, c5 = st.columns(2)
    epochs = c4.number_input(
        "Epochs", 1, most_epochs, min(200, most_epochs), step=50, key="train_epochs", help=terms.tip("epochs")
    )
    seed = c5.number_input("Seed", 0, 2**31 - 1, 0, key="train_seed")
    start = st.form_submit_button("Start training", type="primary", disabled=running, icon=":material/play_arrow:")

if start and not running:
    request = TrainRequest(
        ctx.dataset_id, ds.name, arch, int(cells), bool(shuffle), int(epochs), int(seed), names=ss.get("names", "")
    )
    try:
        job = registry.train(request, ds, owner())
    except TrainingRefused as exc:
        st.error(f"The training was not started: {exc}.", icon=":material/error:")
    else:
        ss["train_job"] = job.key
        running = True


def progress_panel() -> None:
    job = registry.get(ss.get("train_job"))
    if job is None:
        terms.caption("No training started in this session yet.")
        return
    snap = job.snapshot()
    r = job.about  # the TrainRequest
    epoch, history = snap.payload.get("epoch", 0), snap.payload.get("history", {})
    terms.markdown(
        f"**{ARCH_NAMES[r.arch]}**, {r.cells} cells, shuffle {'on' if r.shuffle else 'off'}, on {r.dataset_name}"
    )
    if snap.state == "queued":
        queued_panel(job, snap.queue_position)
        return
    if snap.state == "cancelled":
        progress_ui.cancelled(f"Training cancelled: {snap.error or 'it was stopped before it started'}.")
        return
    progress_ui.bar(
        snap.fraction,
        f"epoch {epoch} of {r.epochs} · {snap.elapsed_s:.0f} s"
        + (" · stopping…" if job.cancelling and not snap.finished else "")
        + (" · stopped early" if snap.state == "stopped" else ""),
    )
    if history.get("loss"):
        c = st.columns(3)
        c[0].metric("Training loss", f"{history['loss'][-1]:.4f}", help=terms.tip("loss", help="Of the last epoch."))
        c[1].metric(
            "Last epoch's training accuracy",
            f"{history['accuracy'][-1]:.1%}",
            help=terms.tip(
                help="Measured while the epoch trained (dropout on, weights changing). The kept model's accuracy, "
                "measured afterwards with the best weights, is in the sentence below once training ends."
            ),
        )
        c[2].metric("Learning rate", f"{history['lr'][-1]:.2e}", help=terms.tip("learning rate"))
        being_trained = MadeBy(
            r.dataset_name, f"{ARCH_NAMES[r.arch]} being trained ({r.cells} cells)", f"{r.arch}-training"
        )
        widgets_ui.chart(
            stamp(F.training_curves_figure(history), being_trained),  # not the sidebar's model
            "train_curves",
            name=widgets_ui.slug("training", r.dataset_name, r.arch),
            how_to_read="Left: the training loss per epoch (log scale), which should fall; right: the share of training series classified correctly.",
        )
    if not snap.finished:
        progress_ui.cancel_button(
            "train_stop",
            job.cancel,
            label="Stop training",
            help="Ends after the current epoch; the best weights so far are kept.",
        )
        return
    if snap.state == "failed":
        st.error(f"Training failed: {snap.error}")
        return
    blob = cached_resources.blob_store().put(job.result, r.file_name(), "trained", owner())
    if job.key not in ss.setdefault("registered_jobs", []):
        ss["registered_jobs"].append(job.key)
        problem = sidebar_ui.add_session_model(blob.id)
        if problem:
            state_ui.flash(
                f"The trained model is kept in the model list but does not fit the dataset now selected: {problem}.",
                "warning",
            )
        st.rerun(scope="app")  # the sidebar's model list changes
    test_accuracy, train_accuracy = snap.payload.get("test_accuracy"), snap.payload.get("train_accuracy")
    test = f"{test_accuracy:.1%}" if test_accuracy is not None else "—"
    terms.alert(
        st.success,
        f"Training {'stopped early' if snap.state == 'stopped' else 'finished'} after {epoch} epochs. The kept "
        f"model (the epoch with the lowest training loss) scores {train_accuracy:.1%} on the training set and "
        f"{test} on the test set. The model is selected in the sidebar.",
    )
    st.download_button(
        "Download the checkpoint (.safetensors)",
        data=job.result,
        file_name=r.file_name(),
        mime="application/octet-stream",
        icon=":material/download:",
        key="train_download",
        on_click="ignore",
        help=terms.tip(".safetensors checkpoint"),
    )


def queued_panel(job, position: int | None) -> None:
    """A training waiting for a free slot: its place in the queue, and a way out of it."""
    progress_ui.bar(
        0.0, f"waiting: number {position or '?'} in the queue · {registry.running()} training(s) running on this server"
    )
    progress_ui.cancel_button("train_unqueue", job.cancel, label="Leave the queue")


st.subheader("Progress")
st.fragment(progress_panel, run_every=1.0 if running else None)()

trained = [m for m in ss.get("session_models", []) if m.startswith("trained:")]
if trained:
    st.subheader("Models trained in this session")
    for mid in trained:
        blob = cached_resources.blob_store().get(mid)
        if blob is None:
            continue
        c1, c2 = st.columns([4, 1])
        c1.markdown(
            sources.model_label(mid, cached_resources.model_meta(mid), cached_resources.blob_store(), long=True)
        )
        c2.download_button(
            "Download",
            data=blob.data,
            file_name=blob.name,
            key=f"dl_{mid}",
            on_click="ignore",
            icon=":material/download:",
        )
