"""Faithfulness, the sanity check and method agreement: run in the background, kept on disk.

Part of the cached layer (:mod:`pages._cached_resources` describes it). No computation here.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from lstmfcn.dashboard import explanations
from lstmfcn.dashboard.chunk_key import ChunkKey, SplitWork
from pages import _progress as progress_ui
from pages._cached_explanations import (
    disk_cache,
    disk_key,
    estimated_seconds,
    evaluation,
    explanation_chunk,
    remember_rate,
    rows,
    split_explanation,
)
from pages._cached_resources import aligned, model
from pages._session import owner

ss = st.session_state

# ------------------------------------------------------------------------------------------
# Faithfulness and the sanity check: in the background, kept on disk


@st.cache_resource
def task_registry():
    """Checks running in the background, shared by every session (see lstmfcn.dashboard.tasks),
    at most the server's ``max_checks`` computing at once (:func:`lstmfcn.dashboard.serving.limits`)."""
    from lstmfcn.dashboard.serving import limits
    from lstmfcn.dashboard.tasks import TaskRegistry
    from pages._session import alive

    lim = limits()
    return TaskRegistry(max_running=lim.max_checks, alive=alive, grace_s=lim.grace_s)


#: A check that ends within this long is drawn at once; a longer one shows its progress bar.
ANSWER_WITHIN_S = 1.0


def _check_key(kind: str, model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb) -> str:
    return disk_key(
        model_id,
        dataset_id,
        kind=kind,
        split=split,
        subset=subset,
        baseline=baseline,
        methods={m: explanations.options_of(m, baseline, ig_steps, **perturb).key() for m in methods},
    )


def _maps_then(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, check, join):
    """A background computation, chunk by chunk (:func:`lstmfcn.dashboard.checks.chunked_check`):
    for each chunk of the subset, every method's maps (for each sample's predicted class, through
    :func:`explanation_chunk`, so they are shared with the page's other views), then
    ``check(model, X, pred, lengths, maps, rows, progress)`` on the chunk; ``join(results)`` makes
    the arrays kept, with the seconds it took and each chunk's seconds per sample (the rate a later
    run shows while its first chunk runs)."""

    def compute(progress) -> dict:
        from lstmfcn.dashboard.checks import chunked_check

        t0 = time.perf_counter()
        al = aligned(model_id, dataset_id, split)
        idx = al.rows(subset)
        pred = evaluation(model_id, dataset_id, split, progress=False)["pred"][idx]
        X, lengths, m = al.X[idx], al.lengths[idx], al.model
        params = {name: explanations.options_of(name, baseline, ig_steps, **perturb) for name in methods}

        def maps_of(name, s, e):
            key = ChunkKey(SplitWork.ATTR_PRED, model_id, dataset_id, split, subset, s, e, name, params[name])
            return explanation_chunk(key)["maps"]

        def on_chunk(s, e, maps, chunk_progress):
            return check(m, X[s:e], pred[s:e], lengths[s:e], maps, (s, len(idx)), chunk_progress)

        results, rates = chunked_check(explanations.chunks(len(idx)), list(methods), maps_of, on_chunk, progress)
        out = join(results)
        out["seconds"], out["samples"] = np.array(time.perf_counter() - t0), np.array(len(idx))
        out["chunk_rates"] = np.asarray(rates, dtype=np.float64)
        return out

    return compute


def in_background(
    key: str, compute, label: str, rate_key: tuple, rates_key: str | None = None, units: int | None = None
) -> dict | None:
    """The arrays ``compute(progress)`` returns, from disk when kept, else from a background task.

    A task that ends within :data:`ANSWER_WITHIN_S` is drawn at once; else a progress bar with
    the time left and a Cancel button are drawn (they follow the task every half second, and the
    page redraws when it ends) and None is returned: the page stays usable meanwhile, other tabs
    and pages included, and the result is kept on disk for every session. The task is shared but
    owned per session (:mod:`lstmfcn.dashboard.tasks`): Cancel lets go of it for this session only,
    which then says how far it had got and offers to start again; a failed task says why.
    ``rates_key``: the disk entry that keeps the chunk
    rates of this computation (per sample, any subset): a later run shows them as a range while
    its first chunk runs, for its ``units`` (samples)."""
    from lstmfcn.dashboard.time_left import rates_entry

    found = disk_cache().get(key)
    if found is None:
        if key in _released():  # this session cancelled it (others may still want it)
            _cancelled_here(key, label, tuple(prior_rates(rates_key) or ()), units)
            return None
        task = task_registry().get(key)
        snap = task.snapshot() if task is not None else None
        if snap is not None and snap.state == "failed":  # the same inputs fail for everyone
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
            task = task_registry().start(key, compute, owner())
            task.wait(ANSWER_WITHIN_S)
        if task.snapshot().state != "done":
            _follow(key, label, tuple(prior_rates(rates_key) or ()), units)
            return None
        found = task.result
        disk_cache().put(key, found)
        if rates_key and "chunk_rates" in found and len(found["chunk_rates"]):
            disk_cache().put(rates_key, rates_entry(found["chunk_rates"].tolist()))
    if "seconds" in found and int(found["samples"]) > 0:
        per_sample = float(found["seconds"]) / int(found["samples"])
        if "chunk_rates" in found and len(found["chunk_rates"]) > 1:
            per_sample = float(np.median(found["chunk_rates"][1:]))  # past the first chunk's warm-up
        remember_rate(*rate_key, per_sample)
    return found


def prior_rates(rates_key: str | None) -> list[float] | None:
    """The seconds per sample earlier runs of this computation kept (None when none)."""
    from lstmfcn.dashboard.time_left import rates_from_entry

    return rates_from_entry(disk_cache().get(rates_key)) if rates_key else None


def _released() -> dict[str, float]:
    """Checks this session cancelled: key → the share done when it let go. Per session, so
    another visitor's Cancel is never what this one sees."""
    return ss.setdefault("_released_checks", {})


def _cancel(key: str) -> None:
    """The Cancel button: this session lets go of the task (stopped once nobody wants it)."""
    _released()[key] = task_registry().release(key, owner())


def _start_again(key: str) -> None:
    _released().pop(key, None)


def _cancelled_here(key: str, label: str, prior: tuple, units: int | None) -> None:
    """What a session that cancelled a check sees: "Cancelling…" while the task it alone wanted
    unwinds, then how far it had got, with Start again (which joins a run another session keeps)."""
    task = task_registry().get(key)
    if task is not None and task.cancelling and not task.snapshot().finished:
        _follow(key, label, prior, units)
        return
    progress_ui.cancelled(f"{label}: cancelled at {_released()[key]:.0%}.", f"restart_{key}", _start_again, (key,))


def _follow(key: str, label: str, prior: tuple = (), units: int | None = None) -> None:
    """A running task's progress bar, time left and Cancel button (:func:`pages._progress.follow`)."""
    slots = task_registry().max_running
    progress_ui.follow(
        task_registry(),
        key,
        lambda snap: progress_ui.task_words(label, snap, slots=slots, prior=prior, units=units),
        _cancel,
        (key,),
        released=lambda: key in _released(),
        note=progress_ui.IN_BACKGROUND,
    )


def _check(kind: str, args: tuple, check, join, label: str) -> tuple[dict, int] | None:
    """A check's arrays and the subset they cover: this subset's, else (while it runs, or once it
    was cancelled or failed) the last subset of the same check that finished, said in a caption,
    so asking for more never takes a finished verdict off the screen. None when there is none."""
    *rest, subset, perturb = args
    key = _check_key(kind, *args)
    rates_key = disk_key(
        args[0], args[1], kind=f"rates:{kind}", split=args[2], methods=_params_of(args[3], args[4], args[5], perturb)
    )
    units = len(rows(args[0], args[1], args[2], subset))
    found = in_background(key, _maps_then(*args, check, join), label, _check_rate_key(kind, *args), rates_key, units)
    shown = st.session_state.setdefault("_checks_shown", {})
    base = _check_key(kind, *rest, 0, perturb)
    if found is not None:
        shown[base] = subset
        return found, subset
    earlier = shown.get(base)
    kept = disk_cache().get(_check_key(kind, *rest, earlier, perturb)) if earlier and earlier != subset else None
    if kept is None:
        return None
    st.caption(f"Below: the finished check on {earlier} samples, until the one on {subset} ends.")
    return kept, earlier


def faithfulness(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, *, label: str):
    """The :class:`~lstmfcn.explain.FaithfulnessReport` of ``methods`` on a class-balanced subset
    (deletion/insertion curves against random orderings) and the subset it covers: ``subset``,
    or while that runs in the background (:func:`in_background` draws its progress) or after it was
    cancelled, the last smaller one that finished (see :func:`_check`); None when there is none."""
    from lstmfcn.dashboard.checks import faithfulness_arrays, faithfulness_from_arrays, join_faithfulness
    from lstmfcn.explain.faithfulness import faithfulness_curves

    def check(m, X, pred, lengths, maps, rows_, progress):
        return faithfulness_curves(m, X, pred, maps, lengths=lengths, baseline=baseline, rows=rows_, progress=progress)

    def join(parts):
        return faithfulness_arrays(join_faithfulness(parts, baseline=baseline))

    args = (model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb)
    found = _check("faithfulness", args, check, join, label)
    return None if found is None else (faithfulness_from_arrays(found[0]), found[1])


def sanity(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb, *, label: str):
    """The model-randomisation check (Adebayo et al. 2018) of ``methods`` on a class-balanced subset:
    method name → :class:`~lstmfcn.explain.SanityResult` (with the layer cascade), and the subset
    it covers, or None (as :func:`faithfulness`)."""
    from lstmfcn.dashboard.checks import join_sanity, sanity_arrays, sanity_from_arrays
    from lstmfcn.explain import model_randomisation_check

    options = explanations.options_for(list(methods), baseline, ig_steps, **perturb)

    def check(m, X, pred, lengths, maps, rows_, progress):
        return model_randomisation_check(
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

    def join(parts):
        return sanity_arrays(join_sanity(parts, cascade=True))

    args = (model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb)
    found = _check("sanity", args, check, join, label)
    return None if found is None else (sanity_from_arrays(found[0]), found[1])


def _check_rate_key(kind, model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb) -> tuple:
    """Which measured rate estimates a check on more samples (see :func:`check_seconds`)."""
    return kind, model_id, ",".join(methods), _params_of(methods, baseline, ig_steps, perturb)


def _params_of(methods, baseline, ig_steps, perturb) -> str:
    return ";".join(explanations.options_of(m, baseline, ig_steps, **perturb).key() for m in methods)


def check_seconds(kind: str, model_id: str, methods, baseline, ig_steps, perturb, n: int) -> float | None:
    """How long a check (``"faithfulness"``, ``"sanity"``) of ``n`` samples would take, from the
    last one this session ran or read (None before any)."""
    return estimated_seconds(kind, model_id, ",".join(methods), _params_of(methods, baseline, ig_steps, perturb), n)


@st.cache_data(max_entries=32, show_spinner=False)
def agreement(model_id, dataset_id, split, methods, baseline, ig_steps, subset, perturb):
    """How alike the methods rank the steps (:func:`lstmfcn.explain.method_agreement`) on the
    faithfulness subset; the maps come from the chunk cache the check filled."""
    from lstmfcn.explain import method_agreement

    al = aligned(model_id, dataset_id, split)
    idx = al.rows(subset)
    maps = {
        method: split_explanation(
            "attr_pred",
            model_id,
            dataset_id,
            split,
            "",
            method,
            explanations.options_of(method, baseline, ig_steps, **perturb),
            subset,
            progress=False,
        )["maps"]
        for method in methods
    }
    return method_agreement(maps, labels=al.y[idx], n_classes=model(model_id).config.n_classes, lengths=al.lengths[idx])
