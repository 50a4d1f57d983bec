"""Faithfulness, the sanity check and method agreement: run in the background, kept on disk.

Part of the cached layer (:mod:`pages._cached` lists every cache). No computation here.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from lstmfcn.dashboard import explanations
from pages._cached_explanations import (
    _chunk,
    _disk_key,
    _remember_rate,
    disk_cache,
    estimated_seconds,
    evaluation,
    format_seconds,
    rows,
    split_explanation,
)
from pages._cached_resources import aligned, model

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
