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

from dataclasses import Field, fields
from typing import TYPE_CHECKING

import numpy as np

# The split's subsets and chunks live with the data (a sweep and What matters use them too); their
# names stay importable from here, where the pages look for them.
from lstmfcn.data.subsets import CHUNK_TARGET, MAX_CHUNK, MIN_CHUNK, chunks, subset_indices  # noqa: F401
from lstmfcn.models import LSTMFCN

if TYPE_CHECKING:
    from lstmfcn.explain.methods import MethodSpec
    from lstmfcn.explain.options import MethodOptions

#: What the Attributions page shows side by side before the user picks (``explain``'s own default differs:
#: it serves one sample, not a comparison).
PAGE_METHODS = ("cam", "ig", "saliency", "occlusion")
BASELINE_LABELS = {
    "zeros": "zeros (a flat series at 0)",
    "mean": "each series' own mean (keeps the level, removes the shape)",
    "blur": "a blurred copy (keeps the trend, removes the detail)",
}


def method_infos(include_attention: bool = False) -> dict[str, MethodSpec]:
    """Methods offered on the Attributions page, in display order (attention only when asked)."""
    from lstmfcn.explain import METHODS

    return {k: spec for k, spec in METHODS.items() if include_attention or k != "attention"}


def option_widgets(method: str) -> dict[str, Field]:
    """``method``'s options the Attributions page draws, by name: the fields whose ``metadata`` has a
    ``"widget"`` (label, help, range, placeholder: :func:`lstmfcn.explain.options.widget`)."""
    from lstmfcn.explain import METHODS

    return {f.name: f for f in fields(METHODS[method].options) if "widget" in f.metadata}


def widget_slots(methods) -> list[str]:
    """The option names of ``methods`` that have a widget, in the order the page lays them out: number
    boxes first, then switches, each in the registry's order (one column each)."""
    every = {name: f for m in methods for name, f in option_widgets(m).items()}
    return sorted(every, key=lambda name: every[name].metadata["widget"]["switch"])


def clamped(value: float | None, least: float, most: float | None) -> float | None:
    """A kept setting within ``least..most`` (no upper bound when ``most`` is None), of the bounds'
    type (a whole number for whole-number bounds); None (the default) stays None."""
    if value is None:
        return None
    kind = float if isinstance(least, float) else int
    return kind(max(least, value if most is None else min(value, most)))


def widget_range(w: dict, length: int, chosen: dict, defaults: dict) -> tuple[float, float | None, float]:
    """``(least, most, step)`` of an option's number box (``w``: its :func:`~lstmfcn.explain.options.widget`
    metadata) for series of ``length`` steps, ``chosen``: the options drawn before it, ``defaults``:
    :func:`option_defaults`. A float step makes every bound a float (Streamlit's box wants one type)."""
    most = w["most"]
    if most == "length":
        most = length
    elif isinstance(most, str):
        most = chosen.get(most) or defaults[most]
    kind = float if isinstance(w["step"], float) else int
    return kind(w["least"]), None if most is None else kind(most), kind(w["step"])


def option_defaults(n_vars: int, length: int) -> dict:
    """What every option the page draws does when not told: the options types' defaults, then the
    perturbation methods' plans for ``(V, T)`` series (:func:`perturbation_defaults`)."""
    from lstmfcn.explain import METHODS

    out = {name: f.default for m in METHODS for name, f in option_widgets(m).items()}
    return {**out, **perturbation_defaults(n_vars, length)}


#: Integrated Gradients on the Attributions page: ``"adaptive"`` (the default: each sample's points
#: doubled until its completeness gap is at most 1 %, :data:`~lstmfcn.explain.attributions.ADAPTIVE_IG`)
#: or a fixed number of Gauss-Legendre points.
IG_SETTINGS = ("adaptive", 16, 32, 64)
DEFAULT_IG = "adaptive"


def ig_options(ig_steps: int | str) -> dict:
    """IG's options for a setting of :data:`IG_SETTINGS` (any point count works too)."""
    from lstmfcn.explain.attributions import ADAPTIVE_IG

    return dict(ADAPTIVE_IG) if ig_steps == "adaptive" else {"n_steps": int(ig_steps)}


def ig_rule_words(ig_steps: int | str) -> str:
    """What IG's setting computes, in words for the page, e.g. the adaptive rule and its gap."""
    from lstmfcn.explain.attributions import ADAPTIVE_IG

    if ig_steps != "adaptive":
        return f"{int(ig_steps)}-point Gauss-Legendre rule (the completeness gap is not checked)"
    o = ADAPTIVE_IG
    first, most = o["n_steps"], o["n_steps"]
    while 2 * most - 1 <= o["max_steps"]:
        most = 2 * most - 1
    return (
        f"adaptive Clenshaw-Curtis rule: {first}, {2 * first - 1}, {4 * first - 3}, … points per sample (at most "
        f"{most}), refined until the attributions add up to the score's change from the baseline within "
        f"{o['tolerance']:.0%} of it (completeness gap ≤ {o['tolerance']:.0%} of |f(x) − f(baseline)|)"
    )


def options_of(method: str, baseline: str = "zeros", ig_steps: int | str = 32, **options) -> MethodOptions:
    """``method``'s typed options (frozen, hashable: the cache key of its result) from the page's settings.

    ``baseline`` goes to a method that takes one, ``ig_steps`` (a setting of :data:`IG_SETTINGS`) to
    Integrated Gradients; ``options``: the page's other options (:func:`perturbation_options`), each
    kept only for a method that takes it and only when not None (None is the method's default).
    """
    from lstmfcn.explain import METHODS, check_methods, check_options

    check_options(options)
    check_methods([method])
    return METHODS[method].make_options(baseline=baseline, **ig_options(ig_steps), **options)


def perturbation_defaults(n_vars: int, length: int) -> dict:
    """What the perturbation methods do when not told, from their plans: ``window``, ``stride``,
    ``n_segments``, ``per_variable`` (each option a plan reports, by name)."""
    from lstmfcn.explain import METHODS

    out: dict = {}
    for spec in METHODS.values():
        plan = spec.plan(n_vars, length, spec.options())
        if plan is not None:
            out.update({k: v for k, v in plan.to_dict().items() if k in spec.options.names()})
    return out


def perturbation_options(n_vars: int, length: int, **chosen) -> dict:
    """The ``chosen`` method options (the page's widgets), None where a value is the default.

    So one result has one cache key, however it was asked for. Every option of
    :func:`perturbation_defaults` is in the result (None when not chosen); the stride's default
    follows the window (half of it), as in :func:`~lstmfcn.explain.occlusion_plan`.
    """
    from lstmfcn.explain import occlusion_plan

    defaults = perturbation_defaults(n_vars, length)
    out = {k: None for k in defaults}
    out.update({k: None if k in defaults and v == defaults[k] else v for k, v in chosen.items()})
    if chosen.get("stride") is not None:
        default_stride = occlusion_plan(n_vars, length, window=out["window"]).stride
        out["stride"] = None if chosen["stride"] == default_stride else chosen["stride"]
    return out


def has_variable_axis(method: str, n_vars: int, options: MethodOptions) -> bool:
    """Whether ``method``'s map (with ``options``, :func:`options_of`) can differ between variables.

    False for the CAM, Grad-CAM, attention, and occlusion or ablation of every variable at once:
    such a map is drawn once over time, never per variable.
    """
    from lstmfcn.explain import METHODS

    return METHODS[method].has_variable_axis(n_vars, options)


def perturbation_cost(method: str, n_vars: int, length: int, options: MethodOptions) -> str | None:
    """The variant and its cost in words for occlusion and ablation, e.g. "per variable: 3 variables ×
    21 windows = 63 forward passes per sample"; None for other methods."""
    from lstmfcn.explain import METHODS

    plan = METHODS[method].plan(n_vars, length, options)
    return None if plan is None else plan.describe()


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
    model: LSTMFCN, X: np.ndarray, target: np.ndarray, lengths: np.ndarray | None, method: str, options: MethodOptions
) -> dict[str, np.ndarray]:
    """``{"maps": (n, V, T)}``: ``method``'s attributions of each sample for its own ``target`` class."""
    return {"maps": attribution(model, X, target, lengths, method, options)}


# ------------------------------------------------------------------------------------------
# Any samples, any class


def attribution(
    model: LSTMFCN,
    X: np.ndarray,
    target: int | np.ndarray,
    lengths: np.ndarray | None,
    method: str,
    options: MethodOptions,
) -> np.ndarray:
    """``method``'s map ``(N, V, T)`` for class ``target`` (an index, or one per sample) with ``options``
    (:func:`options_of`)."""
    from lstmfcn.explain import run_method

    out = run_method(method, model, X, target, lengths=lengths, options=options)
    return np.asarray(out, dtype=np.float32)


def options_for(methods: list[str], baseline: str, ig_steps: int | str, **options) -> dict:
    """The union of the options ``methods`` take that differ from their defaults, as keyword arguments
    (``run_method`` gives each method its own), for the library's functions that take several methods
    at once (their own ``seed`` or ``absolute`` stay theirs)."""
    opts: dict = {}
    for m in methods:
        opts.update(options_of(m, baseline, ig_steps, **options).changed())
    return opts


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
