"""What matters (permutation importance and its agreement with the maps): in the background, kept on disk.

Part of the cached layer (:mod:`pages._cached_resources` describes it). No computation here: it lives in
:mod:`lstmfcn.importance`.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from pages._cached_checks import in_background
from pages._cached_explanations import disk_cache, disk_key, estimated_seconds, rows
from pages._cached_resources import aligned

#: Bumped when what is kept changes, so old entries are never read as new ones.
IMPORTANCE_FORMAT = 1
#: The maps compared with the importance (the CAM is free; IG is the reference gradient method).
AGREEMENT_METHODS = ("cam", "ig")
#: Share of the run's time the perturbed passes take, the rest being the maps (for the progress bar).
PERTURB_SHARE = 0.8


def _settings(window: int, repeats: int, mode: str) -> str:
    return f"window={window};repeats={repeats};mode={mode}"


def _key(model_id: str, dataset_id: str, split: str, subset: int, window: int, repeats: int, mode: str) -> str:
    return disk_key(
        model_id,
        dataset_id,
        kind="importance",
        importance_format=IMPORTANCE_FORMAT,
        split=split,
        subset=subset,
        settings=_settings(window, repeats, mode),
        maps=",".join(AGREEMENT_METHODS),
    )


def is_kept(model_id: str, dataset_id: str, split: str, subset: int, window: int, repeats: int, mode: str) -> bool:
    """Whether this run's result is on disk already (drawn at once, whatever it cost)."""
    return disk_cache().has(_key(model_id, dataset_id, split, subset, window, repeats, mode))


def importance(
    model_id: str, dataset_id: str, split: str, subset: int, window: int, repeats: int, mode: str, *, label: str
):
    """``(ImportanceResult, agreements)`` on ``subset`` class-balanced series of ``split`` (0: all),
    with the labels as names (the page renames), or None while it runs in the background
    (:func:`pages._cached_checks.in_background` draws its progress, time left and Cancel)."""
    idx = rows(model_id, dataset_id, split, subset)
    key = _key(model_id, dataset_id, split, subset, window, repeats, mode)

    def compute(progress) -> dict:
        from lstmfcn.importance import permutation_importance
        from lstmfcn.importance.agreement import map_agreement
        from lstmfcn.importance.stored import to_arrays
        from lstmfcn.inputs import model_classes

        t0 = time.perf_counter()
        al = aligned(model_id, dataset_id, split)
        m = al.model
        X, y, lengths = al.X[idx], al.y[idx], al.lengths[idx]
        result = permutation_importance(
            m,
            X,
            y,
            lengths,
            classes=model_classes(m),
            window=window,
            repeats=repeats,
            mode=mode,
            sample_indices=idx,
            progress=lambda f: progress(PERTURB_SHARE * f),
        )
        maps = map_agreement(
            m,
            X,
            y,
            lengths,
            result,
            methods=AGREEMENT_METHODS,
            progress=lambda f: progress(PERTURB_SHARE + (1 - PERTURB_SHARE) * f),
        )
        out = to_arrays(result, maps)
        out["seconds"], out["samples"] = np.array(time.perf_counter() - t0), np.array(len(idx))
        return out

    rate_key = ("importance", model_id, "", _settings(window, repeats, mode))
    found = in_background(key, compute, label, rate_key, units=len(idx))
    return None if found is None else _restored(key, found)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs={dict: lambda d: None})
def _restored(key: str, found: dict):
    from lstmfcn.importance.stored import from_arrays

    return from_arrays(found)


def importance_seconds(model_id: str, window: int, repeats: int, mode: str, n: int) -> float | None:
    """How long a run on ``n`` series would take, from the last one this session ran or read (None before any)."""
    return estimated_seconds("importance", model_id, "", _settings(window, repeats, mode), n)


@st.cache_data(max_entries=64, show_spinner=False)
def seconds_per_pass(model_id: str, dataset_id: str, split: str) -> float:
    """One series' forward pass of this model on this split, timed (for the estimate before any run)."""
    from lstmfcn.importance.cost import seconds_per_pass as timed

    al = aligned(model_id, dataset_id, split)
    return timed(al.model, al.X, al.lengths)


def at_page_defaults(model_id: str, dataset_id: str, split: str) -> tuple[np.ndarray, object, dict] | None:
    """``(rows, result, agreements)`` of the What matters page at its defaults (labels as names), when
    it is kept on disk, else None: the report takes it instead of computing it again."""
    from lstmfcn.importance import DEFAULT_REPEATS
    from lstmfcn.importance.grid import default_window
    from lstmfcn.importance.on_dataset import DEFAULT_SAMPLES
    from lstmfcn.importance.stored import from_arrays

    al = aligned(model_id, dataset_id, split)
    n_all, n_vars, total = len(al.y), al.X.shape[1], al.X.shape[-1]
    subset = 0 if DEFAULT_SAMPLES >= n_all else DEFAULT_SAMPLES  # the page's sample size, as it picks it
    key = _key(model_id, dataset_id, split, subset, default_window(total, n_vars)[0], DEFAULT_REPEATS, "permute")
    found = disk_cache().get(key)
    return None if found is None else (al.rows(subset), *from_arrays(found))
