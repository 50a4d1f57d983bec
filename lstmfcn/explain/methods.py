"""Every explanation method by name: :data:`METHODS`, option checks and :func:`run_method`.

Each :class:`MethodSpec` carries a label and a one-sentence "how to read it" for the dashboard and
the function behind the name, all with the calling convention of :mod:`.attributions`:
``f(model, x (N, V, T), target, *, lengths=None, …) -> (N, V, T)``.

Every map is ``(N, V, T)``, but not every map has a variable axis: the CAM, Grad-CAM and attention
give one value per time step, repeated over the variables, and so do occlusion and ablation when
they perturb every variable at once. :meth:`MethodSpec.has_variable_axis` says which, so that such
a map is drawn once, never as if it said which variable mattered; :meth:`MethodSpec.plan` gives a
perturbation method's windows and its cost in forward passes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from ..errors import UserInputError
from ._common import ArrayLike, Progress
from .attention import attention_for_target
from .attributions import (
    deeplift,
    grad_cam,
    gradient_shap,
    input_x_gradient,
    integrated_gradients,
    saliency,
)
from .cam import cam_for_target
from .perturbation import (
    PerturbationPlan,
    ablation_plan,
    feature_ablation,
    occlusion,
    occlusion_plan,
    resolve_per_variable,
)


@dataclass(frozen=True)
class MethodSpec:
    """One explanation method as the dashboard and :func:`~lstmfcn.explain.explain` see it.

    Attributes:
        name: key used in ``methods=[…]``, in result dicts and in npz files.
        label: display name.
        how_to_read: one sentence for the user on what the map's values mean.
        function: ``f(model, x, target, *, lengths, …) -> (N, V, T)``.
        uses_baseline: whether ``baseline=`` changes the result.
        signed: whether values can be negative (evidence against the class).
        per_time_step: True when the map has one value per time step, repeated over variables,
            whatever the options.
        planner: for perturbation methods, ``planner(n_vars, length, **options) -> PerturbationPlan``
            (see :meth:`plan`).
    """

    name: str
    label: str
    how_to_read: str
    function: Callable[..., np.ndarray]
    uses_baseline: bool = False
    signed: bool = True
    per_time_step: bool = False
    planner: Callable[..., PerturbationPlan] | None = None

    def has_variable_axis(self, n_vars: int, **options) -> bool:
        """Whether the map can differ between variables with these options (``per_variable``, …).

        False for the CAM, Grad-CAM and attention, and for occlusion and ablation perturbing every
        variable at once (``per_variable=False``, or ``None`` with ``n_vars == 1``).
        """
        if self.per_time_step:
            return False
        if "per_variable" in inspect.signature(self.function).parameters:
            return resolve_per_variable(options.get("per_variable"), n_vars)
        return True

    def plan(self, n_vars: int, length: int, **options) -> PerturbationPlan | None:
        """A perturbation method's windows or segments and forward passes per sample; None for others.

        Options meant for other methods are ignored; bad values raise ValueError, as the run would.
        """
        if self.planner is None:
            return None
        params = inspect.signature(self.planner).parameters
        return self.planner(n_vars, length, **{k: v for k, v in options.items() if k in params})

    def variant(self, n_vars: int, length: int, **options) -> dict:
        """JSON-able: whether the map has a variable axis and, for perturbation methods, what ran."""
        plan = self.plan(n_vars, length, **options)
        out = {"variable_axis": self.has_variable_axis(n_vars, **options)}
        return out if plan is None else {**out, **plan.to_dict()}


METHODS: dict[str, MethodSpec] = {
    s.name: s
    for s in (
        MethodSpec(
            "cam",
            "Class activation map",
            "Steps above zero raise the class's score and steps below zero lower it; the map's mean over "
            "time plus the LSTM branch's constant is exactly the class's logit.",
            cam_for_target,
            per_time_step=True,
        ),
        MethodSpec(
            "attention",
            "Attention (last step)",
            "How much weight the attention LSTM's last step put on each time step (the weights sum to 1); "
            "it shows where the LSTM looked, not whether that raised or lowered the score.",
            attention_for_target,
            signed=False,
            per_time_step=True,
        ),
        MethodSpec(
            "ig",
            "Integrated Gradients",
            "Each value's signed share of the gap between the class's score for this series and for the "
            "baseline; the shares add up to that gap.",
            integrated_gradients,
            uses_baseline=True,
        ),
        MethodSpec(
            "saliency",
            "Saliency (|gradient|)",
            "How strongly a tiny change of each value would move the class's score; it measures "
            "sensitivity, not direction or contribution.",
            saliency,
            signed=False,
        ),
        MethodSpec(
            "input_x_gradient",
            "Input × Gradient",
            "A first-order estimate of each value's signed contribution to the class's score, relative "
            "to an all-zero series.",
            input_x_gradient,
        ),
        MethodSpec(
            "deeplift",
            "DeepLIFT",
            "Each value's signed contribution to the score's difference from the baseline, passed back "
            "layer by layer with DeepLIFT's rescale rule.",
            deeplift,
            uses_baseline=True,
        ),
        MethodSpec(
            "gradient_shap",
            "GradientSHAP",
            "Like Integrated Gradients but averaged over random points between the baseline and noisy "
            "copies of the series: a smoothed estimate of each value's signed contribution.",
            gradient_shap,
            uses_baseline=True,
        ),
        MethodSpec(
            "occlusion",
            "Occlusion",
            "How much the class's score drops when a window around each step is replaced by the "
            "baseline; positive means that stretch supported the class.",
            occlusion,
            uses_baseline=True,
            planner=occlusion_plan,
        ),
        MethodSpec(
            "ablation",
            "Segment ablation",
            "How much the class's score drops when each contiguous segment of the series is replaced "
            "by the baseline; one value per segment.",
            feature_ablation,
            uses_baseline=True,
            planner=ablation_plan,
        ),
        MethodSpec(
            "gradcam",
            "Grad-CAM (last conv block)",
            "Where in time the conv features the class relies on are active (positive evidence only); "
            "the LSTM branch is not included.",
            grad_cam,
            signed=False,
            per_time_step=True,
        ),
    )
}
"""Every method by name, in display order."""


COMMON_OPTIONS = ("lengths", "progress", "batch_size")
"""Arguments every method takes; everything else is a method's own option."""


def method_options() -> dict[str, list[str]]:
    """Option name → the methods that accept it (beyond ``model, x, target`` and :data:`COMMON_OPTIONS`)."""
    out: dict[str, list[str]] = {}
    for name, spec in METHODS.items():
        params = inspect.signature(spec.function).parameters
        for p in list(params)[3:]:
            if p not in COMMON_OPTIONS and p != "return_delta":
                out.setdefault(p, []).append(name)
    return out


def check_options(options: dict) -> None:
    """Raise ValueError naming the valid options when one in ``options`` no method accepts."""
    valid = method_options()
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise UserInputError(f"unknown option(s) {', '.join(unknown)}; valid options are {', '.join(sorted(valid))}")


def check_methods(names: list[str]) -> None:
    """Raise ValueError naming the valid methods when a name is not in :data:`METHODS`."""
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise UserInputError(
            f"unknown explanation method(s) {', '.join(map(repr, unknown))}; valid methods are {', '.join(METHODS)}"
        )


def run_method(
    name: str,
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    return_delta: bool = False,
    **options,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Run method ``name`` with the options it accepts; options meant for other methods are ignored.

    ``return_delta=True`` makes Integrated Gradients return ``(attr, delta)``; others ignore it.

    Raises:
        ValueError: unknown method, or an option no method accepts.
    """
    check_methods([name])
    check_options(options)
    params = inspect.signature(METHODS[name].function).parameters
    kwargs = {k: v for k, v in options.items() if k in params}
    if "return_delta" in params:
        kwargs["return_delta"] = return_delta
    return METHODS[name].function(model, x, target, lengths=lengths, progress=progress, batch_size=batch_size, **kwargs)
