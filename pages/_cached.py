"""The dashboard's cached layer: what every page reads and computes, once per server or per input.

* process-wide resources in ``st.cache_resource`` (shared, never mutated): torch's threads, the
  upload store, the training jobs, datasets and models by id, splits prepared for a model;
* arrays and explanations in ``st.cache_data``, keyed by ids and parameters: a split's evaluation,
  class statistics, whole-split explanations cached chunk by chunk (so a progress bar can be drawn
  between chunks and a rerun only looks them up), one sample's explanations and activations, the
  faithfulness and sanity checks.

Every cache of the dashboard is here, so what is kept, for how long and keyed by what is in one place.

No computation here: it lives in :mod:`lstmfcn.dashboard` and :mod:`lstmfcn.explain`. Nothing here
imports torch.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import streamlit as st

from lstmfcn.dashboard import analysis, explanations, sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.dashboard.jobs import JobRegistry
from lstmfcn.errors import LstmFcnError

ss = st.session_state

# ------------------------------------------------------------------------------------------
# Process-wide resources


@st.cache_resource
def compute_setup() -> int:
    """Once per server process: torch's CPU threads for the dashboard (see lstmfcn.dashboard.device),
    and the default view warmed in the background, so the first visitor does not wait for it."""
    import atexit

    from lstmfcn.dashboard.device import configure_threads

    threads = configure_threads()
    warm = threading.Thread(target=_warm_default_view, name="warm-default-view", daemon=True)
    warm.start()
    atexit.register(_stop_warm_up, warm)
    return threads


#: Set when the process exits: the warm-up stops before its next dataset.
_WARM_STOP = threading.Event()


def _stop_warm_up(thread, timeout_s: float = 15.0) -> None:
    """Let the warm-up finish the step it is in before the interpreter exits: torch aborts the
    process (exit status 134) when a daemon thread is inside one of its kernels at shutdown."""
    _WARM_STOP.set()
    thread.join(timeout_s)


#: The warm-up stops starting new work after this long: it shares the CPU with the first visitors.
WARM_BUDGET_S = 120.0


def _warm_default_view() -> None:
    """Evaluate the default model on the default dataset and compute its class activation maps,
    then load every shipped dataset with its first model and evaluate it on the test split (memory
    and disk caches: a restart reads them back), within :data:`WARM_BUDGET_S`. A failure only
    means the first visitor computes it, with its progress bar."""
    from lstmfcn.zoo import DEFAULT_DATASET

    t0 = time.perf_counter()
    try:
        model_id = sources.zoo_model_ids(DEFAULT_DATASET)[0]
        evaluation(model_id, DEFAULT_DATASET, "test", progress=False)
        if _WARM_STOP.is_set():
            return
        split_explanation("cam", model_id, DEFAULT_DATASET, "test", "", progress=False)
        for name in sorted(sources.datasets_with_models() - {DEFAULT_DATASET}):
            if time.perf_counter() - t0 > WARM_BUDGET_S or _WARM_STOP.is_set():
                break
            evaluation(sources.zoo_model_ids(name)[0], name, "test", progress=False)
    except Exception:  # noqa: BLE001 - warming is an optimisation, never an error a user sees
        pass


@st.cache_resource
def blob_store() -> BlobStore:
    """Uploaded files and models trained here, by content digest (see lstmfcn.dashboard.blobs)."""
    return BlobStore()


@st.cache_resource
def job_registry() -> JobRegistry:
    """Background training jobs of every session."""
    return JobRegistry()


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


@st.cache_resource(max_entries=32, show_spinner=False)
def aligned(model_id: str, dataset_id: str, split: str):
    """The split prepared for the model (:func:`lstmfcn.model_input.model_input`): the series as
    the model's checkpoint prepares them, labels in the model's class order.

    Computed with both opt-ins on (series of another length resampled, a subset of the model's
    classes allowed; the result's ``warnings`` say so), so it depends on the ids alone and is
    shared by every session. Whether a session may use such a split is its own opt-in
    (``ss["resample"]``, ``ss["class_subset"]``), checked where a model is chosen and again by
    :func:`pages._ui.aligned_or_stop`.
    """
    from lstmfcn.model_input import model_input

    return model_input(model(model_id), dataset(dataset_id), split, resample=True, class_subset=True)


def evaluation(model_id: str, dataset_id: str, split: str, *, progress: bool = True) -> dict:
    """Accuracy figures, predictions and logits of a model on a split. The logits are computed
    chunk by chunk like a whole-split explanation (:func:`split_explanation`: kept in memory and on
    disk, a progress bar with the time left while they are computed); ``progress=False`` inside a
    cached function or a background thread. A cancelled evaluation stops the page (it says so)."""
    from lstmfcn.evaluation import evaluation_from_logits

    res = split_explanation("logits", model_id, dataset_id, split, "Evaluating the model", progress=progress)
    if res is None:
        st.stop()
    a = aligned(model_id, dataset_id, split)
    ev = evaluation_from_logits(res["logits"], a.y)
    return {
        "accuracy": ev.accuracy,
        "per_class": ev.per_class_accuracy,
        "confusion": ev.confusion,
        "pred": ev.predictions,
        "logits": ev.logits,
        "y": a.y,
        "lengths": a.lengths,
    }


@st.cache_data(max_entries=4, show_spinner=False)  # about 5 MB each
def report_html(model_id: str, dataset_id: str, split: str) -> str:
    """The shareable HTML report of a model on a split (:func:`lstmfcn.report.build_report`), its
    defaults: 200 class-balanced samples, Integrated Gradients checked. Built with the opt-ins of
    :func:`aligned` (its warnings head the report); called from a download button's deferred data,
    on Streamlit's download thread, so it draws nothing."""
    from lstmfcn.report import build_report

    m = model(model_id)
    name = sources.model_label(model_id, m.metadata, blob_store())
    return build_report(m, dataset(dataset_id), split, resample=True, class_subset=True, model_name=name)


def model_file(model_id: str) -> tuple[str, bytes]:
    """``(file name, checkpoint bytes)`` of a model, for its download button."""
    return sources.model_file(model_id, blob_store())


def model_meta(model_id: str) -> dict | None:
    try:
        return model(model_id).metadata
    except LstmFcnError:
        return None


# ------------------------------------------------------------------------------------------
# Whole-split explanations: cached per chunk, with a progress bar while they are computed


def rows(model_id: str, dataset_id: str, split: str, subset: int = 0) -> np.ndarray:
    """Indices of the samples a split-level computation covers: all, or a stratified subset."""
    y = aligned(model_id, dataset_id, split).y
    return explanations.subset_indices(y, subset) if subset else np.arange(len(y))


@st.cache_resource
def disk_cache():
    """The explanations kept on disk across restarts and sessions (see lstmfcn.dashboard.disk_cache)."""
    from lstmfcn.dashboard.disk_cache import DiskCache

    return DiskCache()


@st.cache_resource(max_entries=64, show_spinner=False)
def model_digest(model_id: str) -> str:
    """The content digest of a model's checkpoint bytes: disk entries follow the weights, not the name."""
    from lstmfcn.dashboard.disk_cache import content_digest

    return content_digest(model_file(model_id)[1])


@st.cache_resource(max_entries=32, show_spinner=False)
def dataset_digest(dataset_id: str) -> str:
    """The content digest of a dataset's raw series and labels (both splits)."""
    from lstmfcn.dashboard.disk_cache import content_digest

    ds = dataset(dataset_id)
    parts = [ds.name]
    for raw in (ds.raw_train, ds.raw_test):
        parts += [np.ascontiguousarray(raw.X).tobytes(), "\n".join(map(str, raw.labels))]
    return content_digest(*parts)


#: Bump when a change alters the numbers an entry holds, so old entries are never read again.
DISK_FORMAT = 1


def _disk_key(model_id: str, dataset_id: str, **fields) -> str:
    """A disk entry's name: the model's and dataset's content digests, torch's version, the
    format and ``fields`` (what was computed, with which parameters)."""
    import torch

    return disk_cache().key(
        format=DISK_FORMAT,
        torch=torch.__version__,
        model=model_digest(model_id),
        data=dataset_digest(dataset_id),
        **fields,
    )


@st.cache_data(max_entries=4096, show_spinner=False)
def _chunk(
    kind: str, model_id: str, dataset_id: str, split: str, subset: int, start: int, stop: int, method: str, params: str
) -> dict:
    """One chunk of a whole-split computation: from memory, else from disk, else computed (and kept on disk)."""
    key = _chunk_key(kind, model_id, dataset_id, split, subset, start, stop, method, params)
    found = disk_cache().get(key)
    if found is not None:
        return found
    out = _compute_chunk(kind, model_id, dataset_id, split, subset, start, stop, method, params)
    disk_cache().put(key, out)
    return out


def keep_split_explanation(kind: str, model_id: str, dataset_id: str, split: str, arrays: dict) -> bool:
    """Put a whole split's explanation computed elsewhere (a sweep unit's CAM) on disk, chunk by chunk
    under the keys :func:`split_explanation` looks up, so the page shows it without computing.

    Returns False (and keeps nothing) when the arrays do not cover the split as the model reads it.
    """
    n = len(rows(model_id, dataset_id, split))
    if any(len(a) != n for a in arrays.values()):
        return False
    for s, e in explanations.chunks(n):
        disk_cache().put(
            _chunk_key(kind, model_id, dataset_id, split, 0, s, e, "", ""), {k: a[s:e] for k, a in arrays.items()}
        )
    return True


def _compute_chunk(kind, model_id, dataset_id, split, subset, start, stop, method, params) -> dict:
    m = model(model_id)
    a = aligned(model_id, dataset_id, split)
    idx = rows(model_id, dataset_id, split, subset)[start:stop]
    X, L = a.X[idx], a.lengths[idx]
    if kind == "logits":
        from lstmfcn.evaluation import predict_logits

        return {"logits": predict_logits(m, X, L)}
    if kind == "cam":
        return explanations.cam_chunk(m, X, L)
    if kind == "attention":
        return explanations.attention_chunk(m, X, L)
    if kind == "attr_true":
        return explanations.attribution_chunk(m, X, a.y[idx], L, method, params)
    if kind == "attr_pred":
        pred = evaluation(model_id, dataset_id, split, progress=False)["pred"]
        return explanations.attribution_chunk(m, X, pred[idx], L, method, params)
    raise ValueError(f"unknown split computation {kind!r}")


def split_explanation(
    kind: str,
    model_id: str,
    dataset_id: str,
    split: str,
    label: str,
    method: str = "",
    params: str = "",
    subset: int = 0,
    *,
    progress: bool = True,
) -> dict | None:
    """A whole split's explanation, computed once per (model, dataset, split, kind, method, params).

    ``kind``: ``"cam"`` (every class), ``"attention"``, ``"attr_true"`` / ``"attr_pred"`` (``method``
    for each sample's true / predicted class). ``subset``: 0 for the whole split, else that many
    samples (stratified, see :func:`rows`). Chunks of samples are cached one by one; while any is
    being computed a progress bar shows how far it is and about how long is left, with a Cancel
    button; a rerun (another sample, another class) only looks them up. ``progress=False`` inside
    another cached function (which must not draw).

    Returns:
        ``{name: (n, …) array}``, or None when the user cancelled (then a note says how far it got
        and offers to go on: the chunks computed so far are kept).
    """
    n = len(rows(model_id, dataset_id, split, subset))
    parts = explanations.chunks(n)
    flag = "_cancelled_" + "_".join(map(str, (kind, model_id, dataset_id, split, method, params, subset)))
    if progress and ss.pop(flag, False):
        done = ss.get(flag + "_done", 0)
        st.info(f"{label}: cancelled after {done} of {n} samples; those are kept.", icon=":material/pause:")
        st.button("Go on computing", key=flag + "_resume", icon=":material/play_arrow:")
        return None
    bar = holder = None

    def show_bar() -> None:
        nonlocal bar, holder
        holder = st.empty()  # the bar and its Cancel button go together when the work is done
        with holder.container():
            bar = st.progress(0.0, text=f"{label}: measuring the time left")
            st.button(
                "Cancel", key=flag + "_button", on_click=ss.__setitem__, args=(flag, True), icon=":material/stop:"
            )

    if progress and parts and not _kept_on_disk(kind, model_id, dataset_id, split, subset, *parts[0], method, params):
        show_bar()  # nothing computed yet: the bar shows before the first chunk, not after it
    out = []
    t0 = time.perf_counter()
    elapsed = 0.0
    for i, (s, e) in enumerate(parts):
        out.append(_chunk(kind, model_id, dataset_id, split, subset, s, e, method, params))
        if progress:
            ss[flag + "_done"] = e
        elapsed = time.perf_counter() - t0
        if progress and bar is None and i + 1 < len(parts) and elapsed > 0.15:
            show_bar()
        if bar is not None:
            bar.progress((i + 1) / len(parts), text=f"{label}: {e} of {n} samples{_time_left(elapsed, e, n)}")
    if holder is not None:
        holder.empty()
    if progress and parts and elapsed > 0.15:  # computed, not only looked up: the rate is real
        _remember_rate(kind, model_id, method, params, elapsed / max(n, 1))
    return {k: np.concatenate([o[k] for o in out]) for k in out[0]} if out else {}


def _kept_on_disk(kind, model_id, dataset_id, split, subset, start, stop, method, params) -> bool:
    """Whether a chunk's entry is on disk (then it, and most likely the rest, is only read)."""
    return (
        disk_cache().path(_chunk_key(kind, model_id, dataset_id, split, subset, start, stop, method, params)).exists()
    )


def _chunk_key(kind, model_id, dataset_id, split, subset, start, stop, method, params) -> str:
    return _disk_key(
        model_id,
        dataset_id,
        kind=kind,
        split=split,
        subset=subset,
        start=start,
        stop=stop,
        method=method,
        params=params,
    )


def _time_left(elapsed: float, done: int, total: int) -> str:
    """`` · about 40 s left`` from the rate so far (empty until a part is done)."""
    if done <= 0 or done >= total:
        return ""
    left = elapsed / done * (total - done)
    return f" · about {format_seconds(left)} left"


def format_seconds(seconds: float) -> str:
    """``"12 s"``, ``"3 min"``: a wait in words a person reads at a glance."""
    return f"{max(1, round(seconds))} s" if seconds < 90 else f"{round(seconds / 60)} min"


def _remember_rate(kind: str, model_id: str, method: str, params: str, seconds_per_sample: float) -> None:
    ss.setdefault("_rates", {})[(kind, model_id, method, params)] = seconds_per_sample


def estimated_seconds(kind: str, model_id: str, method: str, params: str, n: int) -> float | None:
    """How long ``n`` samples of this computation would take, from the rate measured in this
    session (None before it was measured)."""
    rate = ss.get("_rates", {}).get((kind, model_id, method, params))
    return None if rate is None else rate * n


@st.cache_data(max_entries=512, show_spinner=False)  # the page draws a bar over its methods
def sample_attribution(
    model_id: str, dataset_id: str, split: str, sample: int, target: int, method: str, params: str
) -> np.ndarray:
    """One sample's map ``(V, T)`` for class ``target``."""
    a = aligned(model_id, dataset_id, split)
    m = model(model_id)
    return explanations.attribution(
        m, a.X[sample : sample + 1], target, a.lengths[sample : sample + 1], method, params
    )[0]


@st.cache_data(max_entries=256, show_spinner=False)
def sample_attention(model_id: str, dataset_id: str, split: str, sample: int) -> dict:
    a = aligned(model_id, dataset_id, split)
    return explanations.sample_attention(model(model_id), a.X[sample], int(a.lengths[sample]))


@st.cache_data(max_entries=32, show_spinner=False)
def class_stats(dataset_id: str, model_id: str, split: str, n_classes: int):
    """Per-class mean and spread of a split's series ``(K, V, T)`` each, and class counts: as the
    model sees them when ``model_id`` is given, else as the dataset prepares them."""
    X, y, lengths = series(dataset_id, model_id, split)
    return analysis.class_mean_spread(X, y, n_classes, lengths)


def series(dataset_id: str, model_id: str, split: str):
    """``(X, y, lengths)`` of a split: as the model sees them when one is given, else as the dataset
    prepares them."""
    if model_id:
        a = aligned(model_id, dataset_id, split)
        return a.X, a.y, a.lengths
    return dataset(dataset_id).split(split)


@st.cache_data(max_entries=256, show_spinner="Running the sample through the network…")
def block_activations(model_id: str, dataset_id: str, split: str, sample: int, block: int) -> np.ndarray:
    """One sample's activations ``(C, T)`` after conv block ``block``."""
    a = aligned(model_id, dataset_id, split)
    return analysis.conv_block_activations(
        model(model_id), a.X[sample : sample + 1], block, a.lengths[sample : sample + 1]
    )[0]


# ------------------------------------------------------------------------------------------
# Faithfulness and the sanity check: in the background, kept on disk


@st.cache_resource
def task_registry():
    """Checks running in the background, shared by every session (see lstmfcn.dashboard.tasks)."""
    from lstmfcn.dashboard.tasks import TaskRegistry

    return TaskRegistry()


#: A check that ends within this long is drawn at once; a longer one shows its progress bar.
ANSWER_WITHIN_S = 1.0


def _check_key(kind: str, model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb) -> str:
    return _disk_key(
        model_id,
        dataset_id,
        kind=kind,
        split=split,
        subset=subset,
        baseline=baseline,
        methods={m: explanations.params_key(m, baseline, ig_steps, **perturb) for m in methods},
    )


def _maps_then(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, check):
    """A background computation: every method's maps of the subset (for each sample's predicted
    class, chunk by chunk through :func:`_chunk`, so they are shared with the page's other views),
    then ``check(model, X, pred, lengths, maps, progress)``, its result kept as arrays with the
    seconds it took. Progress: the maps still missing take half the bar."""
    from lstmfcn.explain._common import report, sub_progress

    def compute(progress) -> dict:
        t0 = time.perf_counter()
        idx = rows(model_id, dataset_id, split, subset)
        al = aligned(model_id, dataset_id, split)
        pred = evaluation(model_id, dataset_id, split, progress=False)["pred"][idx]
        parts = explanations.chunks(len(idx))
        jobs = [(m, explanations.params_key(m, baseline, ig_steps, **perturb), s, e) for m in methods for s, e in parts]
        maps: dict[str, list] = {m: [] for m in methods}
        for j, (m, params, s, e) in enumerate(jobs):
            maps[m].append(_chunk("attr_pred", model_id, dataset_id, split, subset, s, e, m, params)["maps"])
            report(progress, 0.5 * (j + 1) / len(jobs))
        full = {m: np.concatenate(v) for m, v in maps.items()}
        out = check(model(model_id), al.X[idx], pred, al.lengths[idx], full, sub_progress(progress, 0.5, 1.0))
        out["seconds"], out["samples"] = np.array(time.perf_counter() - t0), np.array(len(idx))
        return out

    return compute


def in_background(key: str, compute, label: str, rate_key: tuple) -> dict | None:
    """The arrays ``compute(progress)`` returns, from disk when kept, else from a background task.

    A task that ends within :data:`ANSWER_WITHIN_S` is drawn at once; else a progress bar with
    the time left and a Cancel button are drawn (they follow the task every half second, and the
    page redraws when it ends) and None is returned: the page stays usable meanwhile, other tabs
    and pages included, and the result is kept on disk for every session. A cancelled or failed
    task says so and offers to start again."""
    found = disk_cache().get(key)
    if found is None:
        task = task_registry().get(key)
        snap = task.snapshot() if task is not None else None
        if snap is not None and snap.state in ("cancelled", "failed"):
            if snap.state == "cancelled":
                st.info(f"{label}: cancelled at {snap.fraction:.0%}.", icon=":material/pause:")
            else:
                st.error(f"{label}: {snap.error}")
            st.button(
                "Start again",
                key=f"restart_{key}",
                on_click=task_registry().forget,
                args=(key,),
                icon=":material/play_arrow:",
            )
            return None
        if snap is None or snap.state != "done":
            task = task_registry().start(key, compute)
            task.wait(ANSWER_WITHIN_S)
        if task.snapshot().state != "done":
            _follow(key, label)
            return None
        found = task.result
        disk_cache().put(key, found)
    if "seconds" in found and int(found["samples"]) > 0:
        _remember_rate(*rate_key, float(found["seconds"]) / int(found["samples"]))
    return found


@st.fragment(run_every=0.5)
def _follow(key: str, label: str) -> None:
    """A running task's progress bar, time left and Cancel button; the whole page redraws once it has ended."""
    task = task_registry().get(key)
    snap = task.snapshot() if task is not None else None
    if snap is None or snap.finished:
        st.rerun()
    left = snap.seconds_left
    text = f"{label}: {snap.fraction:.0%}" + (
        f" · about {format_seconds(left)} left" if left is not None else " · measuring the time left"
    )
    st.progress(snap.fraction, text=text)
    if task.cancelling:
        st.caption("Cancelling…")
    else:
        st.button("Cancel", key=f"cancel_{key}", on_click=task.cancel, icon=":material/stop:")
    st.caption("This runs in the background: the other tabs and pages stay usable, and the result is kept.")


def faithfulness(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, *, label: str):
    """The :class:`~lstmfcn.explain.FaithfulnessReport` of ``methods`` on a class-balanced subset
    (deletion/insertion curves against random orderings), or None while it runs in the
    background (:func:`in_background` draws its progress) or when it was cancelled."""
    from lstmfcn.dashboard.checks import faithfulness_arrays, faithfulness_from_arrays
    from lstmfcn.explain import faithfulness_report

    def check(m, X, pred, lengths, maps, progress):
        report = faithfulness_report(m, X, pred, maps, lengths=lengths, baseline=baseline, progress=progress)
        return faithfulness_arrays(report)

    args = (model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb)
    key = _check_key("faithfulness", *args)
    found = in_background(key, _maps_then(*args, check), label, _check_rate_key("faithfulness", *args))
    return None if found is None else faithfulness_from_arrays(found)


def sanity(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, *, label: str):
    """The model-randomisation check (Adebayo et al. 2018) of ``methods`` on a class-balanced subset:
    method name → :class:`~lstmfcn.explain.SanityResult` (with the layer cascade), or None while it
    runs in the background or when it was cancelled (as :func:`faithfulness`)."""
    from lstmfcn.dashboard.checks import sanity_arrays, sanity_from_arrays
    from lstmfcn.explain import model_randomisation_check

    options = explanations.options_for(list(methods), baseline, ig_steps, **perturb)

    def check(m, X, pred, lengths, maps, progress):
        res = model_randomisation_check(
            m,
            X,
            pred,
            methods=list(methods),
            lengths=lengths,
            original=maps,
            cascade=True,
            progress=progress,
            **options,
        )
        return sanity_arrays(res)

    args = (model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb)
    key = _check_key("sanity", *args)
    found = in_background(key, _maps_then(*args, check), label, _check_rate_key("sanity", *args))
    return None if found is None else sanity_from_arrays(found)


def _check_rate_key(kind, model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb) -> tuple:
    """Which measured rate estimates a check on more samples (see :func:`check_seconds`)."""
    return kind, model_id, ",".join(methods), _params_of(methods, baseline, ig_steps, perturb)


def _params_of(methods, baseline, ig_steps, perturb) -> str:
    return ";".join(explanations.params_key(m, baseline, ig_steps, **perturb) for m in methods)


def check_seconds(kind: str, model_id: str, methods, baseline, ig_steps, perturb, n: int) -> float | None:
    """How long a check (``"faithfulness"``, ``"sanity"``) of ``n`` samples would take, from the
    last one this session ran or read (None before any)."""
    return estimated_seconds(kind, model_id, ",".join(methods), _params_of(methods, baseline, ig_steps, perturb), n)


@st.cache_data(max_entries=32, show_spinner=False)
def agreement(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb):
    """How alike the methods rank the steps (:func:`lstmfcn.explain.method_agreement`) on the
    faithfulness subset; the maps come from the chunk cache the check filled."""
    from lstmfcn.explain import method_agreement

    idx = rows(model_id, dataset_id, split, subset)
    al = aligned(model_id, dataset_id, split)
    maps = {
        method: split_explanation(
            "attr_pred",
            model_id,
            dataset_id,
            split,
            "",
            method,
            explanations.params_key(method, baseline, ig_steps, **perturb),
            subset,
            progress=False,
        )["maps"]
        for method in methods
    }
    return method_agreement(maps, labels=al.y[idx], n_classes=model(model_id).config.n_classes, lengths=al.lengths[idx])


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
def counterfactual(model_id: str, dataset_id: str, split: str, sample: int, to_class: int):
    """A Native Guide counterfactual of one sample towards ``to_class`` (guides from the training split)."""
    from lstmfcn.counterfactual import native_guide

    a, train = aligned(model_id, dataset_id, split), aligned(model_id, dataset_id, "train")
    return native_guide(
        model(model_id),
        a.X[sample],
        train.X,
        train.y,
        target=to_class,
        length=int(a.lengths[sample]),
        lengths_train=train.lengths,
    )


@st.cache_data(max_entries=16, show_spinner="Reading the model's features…")
def features(model_id: str, dataset_id: str, split: str) -> np.ndarray:
    """``(N, F)`` the head's input (LSTM branch + pooled conv features) of every series of a split."""
    from lstmfcn.neighbours import features as head_input

    a = aligned(model_id, dataset_id, split)
    return head_input(model(model_id), a.X, a.lengths)


# ------------------------------------------------------------------------------------------
# Two models side by side (the Compare page)


@st.cache_data(max_entries=256, show_spinner=False)
def model_view(model_id: str, dataset_id: str, split: str, sample: int, target: str, method: str):
    """One model's side of a comparison (:func:`lstmfcn.compare.model_view`) on its own input of a sample."""
    from lstmfcn.compare import model_view as view

    a = aligned(model_id, dataset_id, split)
    return view(model(model_id), a.X[sample], int(a.lengths[sample]), target, method)


def sample_comparison(model_a: str, model_b: str, dataset_id: str, split: str, sample: int, target: str, method: str):
    """:func:`lstmfcn.compare.compare_views` of both models' views; when A's took a while (it was
    computed, not looked up) a bar with an estimate and a Cancel button stays up while B's is computed.

    Returns:
        The :class:`~lstmfcn.compare.SampleComparison`, or None when the user cancelled (a note offers to go on).
    """
    from lstmfcn.compare import compare_views

    flag = "_cancelled_compare_" + "_".join(map(str, (model_a, model_b, dataset_id, split, sample, target, method)))
    if ss.pop(flag, False):
        st.info("The comparison was cancelled; model A's maps are kept.", icon=":material/pause:")
        st.button("Go on computing", key=flag + "_resume", icon=":material/play_arrow:")
        return None
    t0 = time.perf_counter()
    a = model_view(model_a, dataset_id, split, sample, target, method)
    elapsed = time.perf_counter() - t0
    holder = None
    if elapsed > 0.15:
        holder = st.empty()
        with holder.container():
            st.progress(0.5, text=f"Explaining the sample with model B · about {format_seconds(elapsed)} left")
            st.button(
                "Cancel", key=flag + "_button", on_click=ss.__setitem__, args=(flag, True), icon=":material/stop:"
            )
    b = model_view(model_b, dataset_id, split, sample, target, method)
    if holder is not None:
        holder.empty()
    return compare_views(a, b, target, method)


# ------------------------------------------------------------------------------------------
# A series edited on the What-if page, explained on another page (keyed by its values)


@st.cache_data(max_entries=64, show_spinner="Explaining the edited series…")
def series_attribution(model_id: str, x: np.ndarray, length: int, target: int, method: str, params: str) -> np.ndarray:
    """The map ``(V, T)`` of one series ``x (V, T)`` (not a split's sample) for class ``target``."""
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
