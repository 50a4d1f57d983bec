"""``explain()``: several explanation methods in one call, sharing one forward pass for CAM and attention.

Arrays are ``(N, V, T)`` (samples, variables, time); the caller's model is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from ..errors import UserInputError
from ._common import (
    BASELINES,
    ArrayLike,
    Progress,
    as_lengths,
    as_target,
    gradient_model,
    inference_model,
    model_device,
    report,
    sub_progress,
)
from .attention import AttentionCollector, attention_over_time, has_attention
from .cam import class_activation_maps
from .methods import METHODS, check_methods, check_options, run_method

DEFAULT_METHODS = ("cam", "attention", "ig")
TARGET_MODES = ("predicted", "true", "all")


def parse_methods(methods: str | Sequence[str]) -> list[str]:
    """Method names from a list or a comma-separated string; checks them against :data:`METHODS`."""
    names = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else [str(m) for m in methods]
    names = list(dict.fromkeys(n for n in names if n))  # keep order, drop repeats and blanks
    if not names:
        raise UserInputError(f"no explanation method given; valid methods are {', '.join(METHODS)}")
    check_methods(names)
    return names


def resolve_target(target: str | int | ArrayLike, logits: np.ndarray, y: ArrayLike | None = None) -> np.ndarray | None:
    """The ``(N,)`` class each sample is explained for, or None for ``"all"``.

    Args:
        target: ``"predicted"`` (the model's class), ``"true"`` (needs ``y``), ``"all"``, a class
            index, or ``(N,)`` indices.
        logits: ``(N, K)`` the model's logits.
        y: ``(N,)`` true classes.

    Raises:
        ValueError: unknown mode, ``"true"`` without ``y``, or an index out of range.
    """
    n, k = logits.shape
    if isinstance(target, str):
        if target == "predicted":
            return logits.argmax(axis=1)
        if target == "true":
            if y is None:
                raise UserInputError("target='true' needs the true labels: pass y=")
            return as_target(y, n, k).numpy()
        if target == "all":
            return None
        raise UserInputError(
            f"target must be one of {', '.join(TARGET_MODES)}, a class index or an array of indices, got {target!r}"
        )
    return as_target(target, n, k).numpy()


def explain(
    model: nn.Module,
    x: ArrayLike,
    methods: str | Sequence[str] = DEFAULT_METHODS,
    target: str | int | ArrayLike = "predicted",
    y: ArrayLike | None = None,
    lengths: ArrayLike | None = None,
    baseline: str | ArrayLike = "zeros",
    ig_steps: int = 32,
    progress: Progress | None = None,
    batch_size: int | None = None,
    **method_opts,
) -> dict:
    """Run several explanation methods on ``x`` ``(N, V, T)`` for one target class per sample.

    Args:
        model: an LSTM-FCN-family model, on any device (not changed).
        x: ``(N, V, T)`` float series.
        methods: names from :data:`METHODS` (a list or ``"cam,ig"``). ``"attention"`` for a model
            without attention over time adds a sentence to ``res["notes"]`` instead of a map.
        target: ``"predicted"``, ``"true"`` (needs ``y``), ``"all"`` (every class), a class index,
            or ``(N,)`` indices.
        y: ``(N,)`` true classes (for ``target="true"``; also used for class summaries).
        lengths: ``(N,)`` valid steps for padded input, or None.
        baseline: ``"zeros"``, ``"mean"``, ``"blur"`` or an array, for path/perturbation methods.
        ig_steps: Integrated Gradients quadrature steps.
        progress: called with the overall fraction done.
        batch_size: samples per pass (default sized to the device).
        **method_opts: method-specific options, e.g. ``window``/``stride`` (occlusion),
            ``n_segments`` (ablation), ``per_variable`` (occlusion and ablation: one variable at a
            time, the default when ``V > 1``, or all together), ``n_samples``/``noise``/``seed``
            (gradient_shap), ``blur_sigma``, ``relu`` (gradcam), ``absolute`` (saliency).

    Returns:
        A dict with

        * ``"logits"`` ``(N, K)`` and ``"predicted"`` ``(N,)``;
        * ``"target"``: ``(N,)`` explained class per sample; with ``target="all"`` ``(N, K)`` where
          ``target[n, k] == k``;
        * ``"cam_all"`` ``(N, K, T)`` and ``"cam_offset"`` ``(N, K)``: CAM of every class, always
          (they come with the logits' forward pass);
        * one array per method name: ``(N, V, T)``, or ``(N, K, V, T)`` with ``target="all"``;
        * ``"ig_delta"``: IG convergence deltas ``(N,)`` (``(N, K)`` with ``"all"``) when IG ran;
        * ``"attention_details"``: an :class:`AttentionResult` when ``"attention"`` was asked for
          and the model has attention (over time or over variables);
        * ``"notes"``: method name → a sentence for the user (skipped or trivial maps);
        * ``"methods"``: the method names that produced an array;
        * ``"variants"``: method name → what ran (:meth:`MethodSpec.variant`): ``variable_axis``
          (False when the map is one value per step, repeated over variables) and, for occlusion
          and ablation, ``per_variable``, the windows or segments and the forward passes per sample.

    Raises:
        ValueError: an unknown method, target mode or option (a bad occlusion window, …);
            ``target="true"`` without ``y``.

    Example:
        >>> inputs = model_input(model, ds, "test")  # the series as this model's checkpoint prepares them
        >>> res = explain(model, inputs.X[:8], ["cam", "ig"], target="true", y=inputs.y[:8])
        >>> res["ig"].shape, res["ig_delta"].shape
        ((8, 1, 150), (8,))
    """
    names = parse_methods(methods)
    check_options(method_opts)
    if isinstance(baseline, str) and baseline not in BASELINES:
        raise UserInputError(f"unknown baseline {baseline!r}; choose one of {', '.join(BASELINES)} or pass an array")
    if isinstance(target, str) and (target not in TARGET_MODES or (target == "true" and y is None)):
        resolve_target(target, np.zeros((0, 2)), y)  # fail before any forward pass, with its message
    opts = dict(method_opts, baseline=baseline, n_steps=ig_steps)
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=np.float32)
    if x.ndim != 3:
        raise UserInputError(f"x must have shape (N, V, T) (samples, variables, time), got shape {x.shape}")
    n, v, total = x.shape
    variants = {m: METHODS[m].variant(v, total, **opts) for m in names}  # bad windows fail before any pass

    other = [m for m in names if m not in ("cam", "attention")]
    n_targets = model.config.n_classes if isinstance(target, str) and target == "all" else 1
    units = 1 + ("attention" in names) + len(other) * n_targets  # progress units: CAM pass, attention, runs
    done = 0

    def step() -> Progress | None:
        return sub_progress(progress, done / units, (done + 1) / units)

    net = inference_model(model)
    # Attention comes out of the forward pass CAM runs anyway: one pass for both.
    collect = None
    if "attention" in names and has_attention(model):
        collect = AttentionCollector(net, x.shape, as_lengths(lengths, n, total, model_device(net)))
    size = batch_size or (collect.pass_size if collect is not None else None)
    cam = class_activation_maps(net, x, lengths, batch_size=size, progress=step(), also=collect)
    done += 1
    logits = cam.logits
    k = logits.shape[1]
    chosen = resolve_target(target, logits, y)
    targets = [chosen] if chosen is not None else [np.full(n, c, np.int64) for c in range(k)]
    res: dict = {
        "logits": logits,
        "predicted": logits.argmax(axis=1),
        "target": chosen if chosen is not None else np.tile(np.arange(k), (n, 1)),
        "cam_all": cam.cam,
        "cam_offset": cam.offset,
        "notes": {},
        "methods": [],
        "variants": {},
    }

    def stack(maps: list[np.ndarray]) -> np.ndarray:
        return maps[0] if chosen is not None else np.stack(maps, axis=1)  # (N, K, V, T) for "all"

    if "cam" in names:
        res["cam"] = stack([np.repeat(cam.cam[np.arange(n), t][:, None, :], v, axis=1) for t in targets])
        res["methods"].append("cam")
    if "attention" in names:
        _attention(model, collect, res, stack, len(targets), v)
        done += 1

    private = gradient_model(model) if other else None  # one private copy for every gradient run
    for name in other:
        maps, deltas = [], []
        for t in targets:
            out = run_method(
                name,
                private,
                x,
                t,
                lengths=lengths,
                progress=step(),
                batch_size=batch_size,
                return_delta=METHODS[name].returns_delta,
                **opts,
            )
            if METHODS[name].returns_delta:  # Integrated Gradients: (map, completeness delta)
                out, delta = out
                deltas.append(delta)
            maps.append(out)
            done += 1
        res[name] = stack(maps)
        if deltas:
            res[f"{name}_delta"] = deltas[0] if chosen is not None else np.stack(deltas, axis=1)
        res["methods"].append(name)
    res["variants"] = {m: variants[m] for m in res["methods"]}
    report(progress, 1.0)
    return res


def _attention(model, collect: AttentionCollector | None, res, stack, n_targets, n_vars) -> None:
    """Fill ``res`` with attention details and the ``(N, V, T)`` map, or a note saying why not."""
    if collect is None:
        res["notes"]["attention"] = (
            f"A {model.config.arch} model has no attention; attention exists in ALSTM-FCN and MALSTM-FCN models."
        )
        return
    details = collect.result()
    res["attention_details"] = details
    if details.axis != "time":
        res["notes"]["attention"] = details.note or (
            "This model's attention runs over the variables (dimension shuffle on), not over time: "
            "see the attention details for the weight of each variable."
        )
        return
    over_time = attention_over_time(details, n_vars)
    res["attention"] = stack([over_time] * n_targets)  # the same whatever the target class
    res["methods"].append("attention")
