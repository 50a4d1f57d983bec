"""Whole-split explanations cached chunk by chunk (in memory and on disk, a progress bar with the
time left while they are computed), the evaluation made of them, one sample's explanations, and
the server's set-up that warms the default view.

Part of the cached layer (:mod:`pages._cached_resources` describes it). No computation here.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from lstmfcn.dashboard import analysis, explanations, sources
from lstmfcn.dashboard.chunk_key import ChunkKey, SplitWork
from lstmfcn.dashboard.time_left import format_seconds  # noqa: F401 - the pages' name for it
from pages import _progress as progress_ui
from pages._cached_resources import aligned, dataset, model, model_file

if TYPE_CHECKING:
    from lstmfcn.explain.options import MethodOptions

ss = st.session_state

# ------------------------------------------------------------------------------------------
# Whole-split explanations: cached per chunk, with a progress bar while they are computed


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


def rows(model_id: str, dataset_id: str, split: str, subset: int = 0) -> np.ndarray:
    """Indices of the samples a split-level computation covers: all, or a stratified subset."""
    return aligned(model_id, dataset_id, split).rows(subset)


@st.cache_resource
def disk_cache():
    """The explanations kept on disk across restarts and sessions (see lstmfcn.dashboard.disk_cache)."""
    from lstmfcn.dashboard.disk_cache import DiskCache

    return DiskCache().start()  # checked once per server: the notice shows from the first page


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


def disk_key(model_id: str, dataset_id: str, **fields) -> str:
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
def explanation_chunk(key: ChunkKey) -> dict:
    """One chunk of a whole-split computation: from memory, else from disk, else computed (and kept on disk)."""
    name = _chunk_key(key)
    found = disk_cache().get(name)
    if found is not None:
        return found
    out = _compute_chunk(key)
    disk_cache().put(name, out)
    return out


def keep_unit_cam(model_id: str, dataset_id: str, arrays: dict) -> str | None:
    """Check a sweep unit's precomputed CAM of the test split against its model and, when it is the
    model's, put it on disk chunk by chunk under the keys :func:`split_explanation` looks up, so the
    CAM page shows it without computing. Returns why it was not kept, or None.

    Checked because the disk cache is shared and keyed by the model's content: a forged file beside a
    byte copy of a shipped checkpoint would otherwise rewrite what every visitor sees for that model.
    The logits are compared on every row (computed, or found on disk, as the model's evaluation),
    the maps on random rows (:func:`lstmfcn.dashboard.sweeps.check_unit_cam`); an entry already on
    disk (computed here) is never replaced.
    """
    from lstmfcn.dashboard import sweeps

    logits = split_explanation("logits", model_id, dataset_id, "test", "", progress=False)["logits"]
    a = aligned(model_id, dataset_id, "test")
    m = a.model
    problem = sweeps.check_unit_cam(
        arrays, logits, a.lengths, a.X.shape[-1], lambda idx: explanations.cam_chunk(m, a.X[idx], a.lengths[idx])
    )
    if problem:
        return problem
    for s, e in explanations.chunks(len(logits)):
        key = _chunk_key(ChunkKey(SplitWork.CAM, model_id, dataset_id, "test", 0, s, e))
        if disk_cache().get(key) is None:  # what the server computed stays
            disk_cache().put(key, {k: np.asarray(arrays[k][s:e], np.float32) for k in ("cam", "offset", "logits")})
    return None


def _compute_chunk(key: ChunkKey) -> dict:
    """The chunk ``key`` names, computed: what its kind computes (:data:`COMPUTED`) on its samples."""
    a = aligned(key.model_id, key.dataset_id, key.split)  # the model and its input, resolved once for the chunk
    return COMPUTED[key.kind](key, a, a.rows(key.subset)[key.start : key.stop])


def _logits(key: ChunkKey, a, idx: np.ndarray) -> dict:
    from lstmfcn.evaluation import predict_logits

    return {"logits": predict_logits(a.model, a.X[idx], a.lengths[idx])}


def _maps_for(targets):
    """A kind's computation of ``key.method``'s maps, each sample's for its class ``targets(key, a)[row]``."""

    def compute(key: ChunkKey, a, idx: np.ndarray) -> dict:
        target = targets(key, a)[idx]
        return explanations.attribution_chunk(a.model, a.X[idx], target, a.lengths[idx], key.method, key.options)

    return compute


#: What each kind of whole-split work computes on a chunk: ``f(key, the selection, rows) -> {name: array}``.
COMPUTED = {
    SplitWork.LOGITS: _logits,
    SplitWork.CAM: lambda key, a, idx: explanations.cam_chunk(a.model, a.X[idx], a.lengths[idx]),
    SplitWork.ATTENTION: lambda key, a, idx: explanations.attention_chunk(a.model, a.X[idx], a.lengths[idx]),
    SplitWork.ATTR_TRUE: _maps_for(lambda key, a: a.y),
    SplitWork.ATTR_PRED: _maps_for(
        lambda key, a: evaluation(key.model_id, key.dataset_id, key.split, progress=False)["pred"]
    ),
}


def split_explanation(
    kind: str,
    model_id: str,
    dataset_id: str,
    split: str,
    label: str,
    method: str = "",
    params: MethodOptions | str = "",
    subset: int = 0,
    *,
    progress: bool = True,
) -> dict | None:
    """A whole split's explanation, computed once per (model, dataset, split, kind, method, params).

    ``params``: the method's typed options (:func:`lstmfcn.dashboard.explanations.options_of`), ""
    for the kinds without a method.

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
    keys = [ChunkKey(kind, model_id, dataset_id, split, subset, s, e, method, params) for s, e in parts]
    flag = "_cancelled_" + "_".join(map(str, (kind, model_id, dataset_id, split, method, params, subset)))
    if progress and ss.pop(flag, False):
        done = ss.get(flag + "_done", 0)
        progress_ui.cancelled(
            f"{label}: cancelled after {done} of {n} samples; those are kept.",
            flag + "_resume",
            again="Go on computing",
        )
        return None
    bar = holder = None

    def show_bar() -> None:
        nonlocal bar, holder
        holder = st.empty()  # the bar and its Cancel button go together when the work is done
        with holder.container():
            bar = progress_ui.progress(
                0.0, f"{label}: measuring the time left", flag + "_button", ss.__setitem__, (flag, True)
            )

    if progress and parts and not _kept_on_disk(keys[0]):
        show_bar()  # nothing computed yet: the bar shows before the first chunk, not after it
    out = []
    t0 = time.perf_counter()
    elapsed = 0.0
    for i, key in enumerate(keys):
        out.append(explanation_chunk(key))
        e = key.stop
        if progress:
            ss[flag + "_done"] = e
        elapsed = time.perf_counter() - t0
        if progress and bar is None and i + 1 < len(parts) and elapsed > 0.15:
            show_bar()
        if bar is not None:
            bar.progress(
                (i + 1) / len(parts), text=f"{label}: {e} of {n} samples{progress_ui.rate_left(elapsed, e, n)}"
            )
    if holder is not None:
        holder.empty()
    if progress and parts and elapsed > 0.15:  # computed, not only looked up: the rate is real
        remember_rate(kind, model_id, method, params, elapsed / max(n, 1))
    return {k: np.concatenate([o[k] for o in out]) for k in out[0]} if out else {}


def _kept_on_disk(key: ChunkKey) -> bool:
    """Whether a chunk's entry is on disk (then it, and most likely the rest, is only read)."""
    return disk_cache().has(_chunk_key(key))


def _chunk_key(key: ChunkKey) -> str:
    return disk_key(key.model_id, key.dataset_id, **key.disk_fields())


def remember_rate(kind: str, model_id: str, method: str, params, seconds_per_sample: float) -> None:
    ss.setdefault("_rates", {})[(kind, model_id, method, params)] = seconds_per_sample


def estimated_seconds(kind: str, model_id: str, method: str, params, n: int) -> float | None:
    """How long ``n`` samples of this computation would take, from the rate measured in this
    session (None before it was measured)."""
    rate = ss.get("_rates", {}).get((kind, model_id, method, params))
    return None if rate is None else rate * n


@st.cache_data(max_entries=512, show_spinner=False)  # the page draws a bar over its methods
def sample_attribution(
    model_id: str, dataset_id: str, split: str, sample: int, target: int, method: str, params: MethodOptions
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
# The server's compute set-up, and the default view warmed before the first visitor asks


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
    _FIRST_PAGE.set()  # a warm-up still waiting for the first page stops at once
    thread.join(timeout_s)


#: The warm-up stops starting new work after this long: it shares the CPU with the first visitors.
WARM_BUDGET_S = 120.0
#: Set when a page run of this server has ended (:func:`first_page_drawn`): past the default
#: evaluation, the warm-up waits for it (at most :data:`WARM_WAITS_S`), so that on a cold start it
#: does not take the CPU from the first page it is meant to speed up (seconds on a 2-core machine).
_FIRST_PAGE = threading.Event()
WARM_WAITS_S = 30.0


def first_page_drawn() -> None:
    """A page run has ended: the warm-up may go on with what no page shows yet (:data:`_FIRST_PAGE`)."""
    _FIRST_PAGE.set()


def _warm_default_view() -> None:
    """Evaluate the default model on the default dataset; once the first page is drawn, compute
    its class activation maps, then load every shipped dataset with its first model and evaluate it
    on the test split (memory and disk caches: a restart reads them back), within
    :data:`WARM_BUDGET_S`. A failure only means the first visitor computes it, with its progress bar."""
    from lstmfcn.zoo import DEFAULT_DATASET

    try:
        model_id = sources.zoo_model_ids(DEFAULT_DATASET)[0]
        evaluation(model_id, DEFAULT_DATASET, "test", progress=False)  # what Home shows first
        _FIRST_PAGE.wait(WARM_WAITS_S)
        t0 = time.perf_counter()
        if _WARM_STOP.is_set():
            return
        split_explanation("cam", model_id, DEFAULT_DATASET, "test", "", progress=False)
        for name in sorted(sources.datasets_with_models() - {DEFAULT_DATASET}):
            if time.perf_counter() - t0 > WARM_BUDGET_S or _WARM_STOP.is_set():
                break
            evaluation(sources.zoo_model_ids(name)[0], name, "test", progress=False)
    except Exception:  # noqa: BLE001 - warming is an optimisation, never an error a user sees
        pass
