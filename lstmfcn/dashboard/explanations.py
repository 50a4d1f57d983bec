"""The dashboard's thin adapter over :mod:`lstmfcn.explain`.

The pages need explanations in two grains:

* **whole split**, computed once per (model, dataset, split, method, parameters) and cached —
  class averages, the clickable overview. The Streamlit layer computes these in consecutive
  chunks of samples (:func:`chunks`) so that it can draw a progress bar between cached chunk
  calls; the functions here take one chunk's arrays.
* **one sample**, for any class, on demand: cheap (one sample), cached per sample.

Nothing here imports Streamlit; every function takes a model and numpy arrays ``(N, V, T)``.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING

import numpy as np

from lstmfcn.models import LSTMFCN

if TYPE_CHECKING:
    from lstmfcn.explain.methods import MethodSpec

#: What the Attributions page shows side by side before the user picks (``explain``'s own default differs:
#: it serves one sample, not a comparison).
PAGE_METHODS = ("cam", "ig", "saliency", "occlusion")
BASELINE_LABELS = {
    "zeros": "zeros (a flat series at 0)",
    "mean": "each series' own mean (keeps the level, removes the shape)",
    "blur": "a blurred copy (keeps the trend, removes the detail)",
}
CHUNK_TARGET = 8  # chunks per split: enough steps for a progress bar, few cache look-ups per rerun
MIN_CHUNK = 16
#: At most this many samples per chunk: the progress bar shows after the first chunk, so on a big
#: split (ECG5000's 4,500) the first one must end within a second or so, not take an eighth of it.
MAX_CHUNK = 128


def method_infos(include_attention: bool = False) -> dict[str, MethodSpec]:
    """Methods offered on the Attributions page, in display order (attention only when asked)."""
    from lstmfcn.explain import METHODS

    return {k: spec for k, spec in METHODS.items() if include_attention or k != "attention"}


PERTURBATION_OPTIONS = ("window", "stride", "n_segments", "per_variable")
"""Occlusion's window and stride, ablation's segments, and whether both perturb one variable at a time."""


def params_key(method: str, baseline: str = "zeros", ig_steps: int = 32, **perturbation) -> str:
    """A canonical, hashable string of the parameters that change ``method``'s result.

    ``perturbation``: :data:`PERTURBATION_OPTIONS`, each kept only for a method that takes it and
    only when not None (None is the method's default; see :func:`perturbation_options`).
    """
    from lstmfcn.explain import METHODS

    unknown = sorted(set(perturbation) - set(PERTURBATION_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; valid are {', '.join(PERTURBATION_OPTIONS)}")
    infos = method_infos(include_attention=True)
    p: dict = {}
    if method in infos and infos[method].uses_baseline:
        p["baseline"] = baseline
    if method == "ig":
        p["n_steps"] = int(ig_steps)
    if method in METHODS:
        takes = inspect.signature(METHODS[method].function).parameters
        for k, v in perturbation.items():
            if v is not None and k in takes:
                p[k] = bool(v) if k == "per_variable" else int(v)
    return json.dumps(p, sort_keys=True)


def perturbation_defaults(n_vars: int, length: int) -> dict:
    """What occlusion and ablation do when not told: ``window``, ``stride``, ``n_segments``, ``per_variable``."""
    from lstmfcn.explain import ablation_plan, occlusion_plan

    occ, abl = occlusion_plan(n_vars, length), ablation_plan(n_vars, length)
    return {"window": occ.window, "stride": occ.stride, "n_segments": abl.n_segments, "per_variable": occ.per_variable}


def perturbation_options(
    n_vars: int,
    length: int,
    *,
    window: int | None = None,
    stride: int | None = None,
    n_segments: int | None = None,
    per_variable: bool | None = None,
) -> dict:
    """The chosen :data:`PERTURBATION_OPTIONS`, None where a value is the default.

    So one result has one cache key, however it was asked for. The stride's default follows the
    window (half of it), as in :func:`~lstmfcn.explain.occlusion_plan`.
    """
    from lstmfcn.explain import occlusion_plan

    defaults = perturbation_defaults(n_vars, length)
    w = None if window == defaults["window"] else window
    default_stride = occlusion_plan(n_vars, length, window=w).stride
    return {
        "window": w,
        "stride": None if stride == default_stride else stride,
        "n_segments": None if n_segments == defaults["n_segments"] else n_segments,
        "per_variable": None if per_variable == defaults["per_variable"] else per_variable,
    }


def has_variable_axis(method: str, n_vars: int, params: str) -> bool:
    """Whether ``method``'s map (with the options in ``params``) can differ between variables.

    False for the CAM, Grad-CAM, attention, and occlusion or ablation of every variable at once:
    such a map is drawn once over time, never per variable.
    """
    from lstmfcn.explain import METHODS

    return METHODS[method].has_variable_axis(n_vars, **(json.loads(params) if params else {}))


def perturbation_cost(method: str, n_vars: int, length: int, params: str) -> str | None:
    """The variant and its cost in words for occlusion and ablation, e.g. "per variable: 3 variables ×
    21 windows = 63 forward passes per sample"; None for other methods."""
    from lstmfcn.explain import METHODS

    plan = METHODS[method].plan(n_vars, length, **(json.loads(params) if params else {}))
    return None if plan is None else plan.describe()


def chunks(
    n: int, target: int = CHUNK_TARGET, minimum: int = MIN_CHUNK, maximum: int = MAX_CHUNK
) -> list[tuple[int, int]]:
    """``[(start, stop), …]`` covering ``range(n)`` in about ``target`` near-equal chunks of
    ``minimum`` to ``maximum`` samples."""
    if n <= 0:
        return []
    size = min(maximum, max(minimum, -(-n // target)))
    return [(s, min(s + size, n)) for s in range(0, n, size)]


# ------------------------------------------------------------------------------------------
# Whole split, one chunk at a time


def cam_chunk(model: LSTMFCN, X: np.ndarray, lengths: np.ndarray | None) -> dict[str, np.ndarray]:
    """Every class's CAM for a chunk: ``{"cam": (n, K, T), "offset": (n, K), "logits": (n, K)}``."""
    from lstmfcn.explain import class_activation_maps

    res = class_activation_maps(model, X, lengths)
    return {"cam": res.cam, "offset": res.offset, "logits": res.logits}


def attention_chunk(model: LSTMFCN, X: np.ndarray, lengths: np.ndarray | None) -> dict[str, np.ndarray]:
    """Final-step attention ``(n, S)`` and context vectors ``(n, S, F)`` of a chunk.

    The full ``(S, S)`` alignment matrices are left out (they grow with ``T²``); get one
    sample's with :func:`sample_attention`.
    """
    from lstmfcn.explain import attention_maps

    res = attention_maps(model, X, lengths)
    return {"final": res.final, "contexts": res.contexts}


def attribution_chunk(
    model: LSTMFCN, X: np.ndarray, target: np.ndarray, lengths: np.ndarray | None, method: str, params: str
) -> dict[str, np.ndarray]:
    """``{"maps": (n, V, T)}``: ``method``'s attributions of each sample for its own ``target`` class."""
    return {"maps": attribution(model, X, target, lengths, method, params)}


# ------------------------------------------------------------------------------------------
# Any samples, any class


def attribution(
    model: LSTMFCN, X: np.ndarray, target: int | np.ndarray, lengths: np.ndarray | None, method: str, params: str
) -> np.ndarray:
    """``method``'s map ``(N, V, T)`` for class ``target`` (an index, or one per sample)."""
    from lstmfcn.explain import run_method

    kwargs = json.loads(params) if params else {}
    out = run_method(method, model, X, target, lengths=lengths, **kwargs)
    return np.asarray(out, dtype=np.float32)


def options_for(methods: list[str], baseline: str, ig_steps: int, **perturbation) -> dict:
    """The union of the options ``methods`` take (``run_method`` gives each method its own)."""
    opts: dict = {}
    for m in methods:
        opts.update(json.loads(params_key(m, baseline, ig_steps, **perturbation)))
    return opts


def subset_indices(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` sample indices (all when ``n`` ≥ N), stratified by class, sorted; deterministic.

    Faithfulness and sanity checks cost many forward passes per sample, so they run on a
    class-balanced subset that is the same on every rerun.
    """
    y = np.asarray(y)
    N = len(y)
    if n >= N or n <= 0:
        return np.arange(N)
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    pools = {c: rng.permutation(np.flatnonzero(y == c)).tolist() for c in classes}
    picked: list[int] = []
    while len(picked) < n:  # round-robin over classes
        for c in classes:
            if pools[c] and len(picked) < n:
                picked.append(pools[c].pop())
    return np.sort(np.array(picked, dtype=np.int64))


def sample_attention(model: LSTMFCN, x: np.ndarray, length: int | None) -> dict:
    """One sample's attention: ``alignment (S, S)``, ``contexts (S, F)``, ``final (S,)``, ``axis``, ``note``."""
    from lstmfcn.explain import attention_maps

    X = np.asarray(x, dtype=np.float32)[None]
    lengths = None if length is None else np.array([length])
    res = attention_maps(model, X, lengths)
    return {
        "alignment": res.alignment[0],
        "contexts": res.contexts[0],
        "final": res.final[0],
        "axis": res.axis,
        "trivial": res.trivial,
        "note": res.note,
    }


def contexts_as_series(contexts: np.ndarray, axis: str) -> np.ndarray:
    """Context vectors as series ``(…, V, T)`` that overlay the input.

    Over time (shuffle off) the LSTM reads ``T`` steps of ``V`` features: contexts are
    ``(…, T, V)`` and step ``t``'s context is a ``V``-vector drawn at ``t``. Over variables
    (shuffle on) it reads ``V`` steps of ``T`` features: each step's context is a length-``T``
    weighted mix of the variables' series, drawn on the variable it belongs to.
    """
    return np.swapaxes(contexts, -1, -2) if axis == "time" else contexts


# ------------------------------------------------------------------------------------------


def own_class_maps(cam_all: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``cam_all[n, target[n]]`` → ``(N, T)``: each sample's map for one class of its own."""
    return cam_all[np.arange(len(target)), np.asarray(target)]
