"""Every explanation method by name: :data:`METHODS`, option checks and :func:`run_method`.

Each :class:`MethodSpec` carries a label and a one-sentence "how to read it" for the dashboard,
the function behind the name, with the calling convention of :mod:`.attributions`
(``f(model, x (N, V, T), target, *, lengths=None, …) -> (N, V, T)``), and its options type
(:mod:`.options`): what the method takes, its defaults, checks and cache key. The CLI's flags, the
Attributions page's widgets and the dashboard's cache keys are derived from these entries, so a new
method is its module (function and options type) and one entry here.

Every map is ``(N, V, T)``, but not every map has a variable axis: the CAM, Grad-CAM and attention
give one value per time step, repeated over the variables, and so do occlusion and ablation when
they perturb every variable at once. :meth:`MethodSpec.has_variable_axis` says which, so that such
a map is drawn once, never as if it said which variable mattered; :meth:`MethodSpec.plan` gives a
perturbation method's windows and its cost in forward passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, fields

import numpy as np
from torch import nn

from ..errors import UserInputError
from ._common import ArrayLike, Progress
from .attention import attention_for_target
from .attributions import deeplift, grad_cam, gradient_shap, input_x_gradient, saliency
from .cam import cam_for_target
from .ig import integrated_gradients
from .options import (
    AblationOptions,
    BaselineOptions,
    GradCamOptions,
    GradientShapOptions,
    IGOptions,
    MethodOptions,
    NoOptions,
    OcclusionOptions,
    SaliencyOptions,
)
from .perturbation import PerturbationPlan, feature_ablation, occlusion


@dataclass(frozen=True)
class MethodSpec:
    """One explanation method as the dashboard, the CLI and :func:`~lstmfcn.explain.explain` see it.

    Attributes:
        name: key used in ``methods=[…]``, in result dicts and in npz files.
        label: display name.
        how_to_read: one sentence for the user on what the map's values mean.
        function: ``f(model, x, target, *, lengths, batch_size, progress, **options.kwargs()) -> (N, V, T)``.
        options: the method's options type (:class:`~.options.MethodOptions`; :class:`~.options.NoOptions`
            for none); a method that ``uses_baseline`` has a :class:`~.options.BaselineOptions`.
        signed: whether values can be negative (evidence against the class).
        per_time_step: True when the map has one value per time step, repeated over variables,
            whatever the options.
        returns_delta: the function takes ``return_delta=True`` and then returns ``(map, delta (N,))``.
    """

    name: str
    label: str
    how_to_read: str
    function: Callable[..., np.ndarray]
    options: type[MethodOptions] = NoOptions
    signed: bool = True
    per_time_step: bool = False
    returns_delta: bool = False

    @property
    def uses_baseline(self) -> bool:
        """Whether ``baseline=`` changes the result."""
        return issubclass(self.options, BaselineOptions)

    def make_options(self, options: MethodOptions | None = None, **kwargs) -> MethodOptions:
        """``options`` checked to be this method's type, or this method's options out of ``kwargs``
        (names other methods take and None values are left out; a bad value raises :class:`~.options.OptionError`)."""
        if options is None:
            return self.options.of(kwargs)
        if not isinstance(options, self.options):
            raise UserInputError(f"{self.label} takes {self.options.__name__}, got {type(options).__name__}")
        return options

    def has_variable_axis(self, n_vars: int, options: MethodOptions | None = None, **kwargs) -> bool:
        """Whether the map can differ between variables with these options (``per_variable``, …).

        False for the CAM, Grad-CAM and attention, and for occlusion and ablation perturbing every
        variable at once (``per_variable=False``, or ``None`` with ``n_vars == 1``).
        """
        return not self.per_time_step and self.make_options(options, **kwargs).variable_axis(n_vars)

    def plan(self, n_vars: int, length: int, options: MethodOptions | None = None, **kwargs) -> PerturbationPlan | None:
        """A perturbation method's windows or segments and forward passes per sample; None for others.

        Options meant for other methods are ignored; bad values raise ValueError, as the run would.
        """
        return self.make_options(options, **kwargs).plan(n_vars, length)

    def variant(self, n_vars: int, length: int, options: MethodOptions | None = None, **kwargs) -> dict:
        """JSON-able: whether the map has a variable axis and, for perturbation methods, what ran."""
        opts = self.make_options(options, **kwargs)
        plan = opts.plan(n_vars, length)
        out = {"variable_axis": self.has_variable_axis(n_vars, opts)}
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
            IGOptions,
            returns_delta=True,
        ),
        MethodSpec(
            "saliency",
            "Saliency (|gradient|)",
            "How strongly a tiny change of each value would move the class's score; it measures "
            "sensitivity, not direction or contribution.",
            saliency,
            SaliencyOptions,
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
            BaselineOptions,
        ),
        MethodSpec(
            "gradient_shap",
            "GradientSHAP",
            "Like Integrated Gradients but averaged over random points between the baseline and noisy "
            "copies of the series: a smoothed estimate of each value's signed contribution.",
            gradient_shap,
            GradientShapOptions,
        ),
        MethodSpec(
            "occlusion",
            "Occlusion",
            "How much the class's score drops when a window around each step is replaced by the "
            "baseline; positive means that stretch supported the class.",
            occlusion,
            OcclusionOptions,
        ),
        MethodSpec(
            "ablation",
            "Segment ablation",
            "How much the class's score drops when each contiguous segment of the series is replaced "
            "by the baseline; one value per segment.",
            feature_ablation,
            AblationOptions,
        ),
        MethodSpec(
            "gradcam",
            "Grad-CAM (last conv block)",
            "Where in time the conv features the class relies on are active (positive evidence only); "
            "the LSTM branch is not included.",
            grad_cam,
            GradCamOptions,
            signed=False,
            per_time_step=True,
        ),
    )
}
"""Every method by name, in display order."""


def method_options() -> dict[str, list[str]]:
    """Option name → the methods that take it (beyond ``model, x, target, lengths, batch_size, progress``)."""
    out: dict[str, list[str]] = {}
    for name, spec in METHODS.items():
        for option in spec.options.names():
            out.setdefault(option, []).append(name)
    return out


def option_flags() -> dict[str, tuple[Field, tuple[str, ...]]]:
    """Each option whose field names a CLI flag (:func:`~.options.flag`), by option name: the field
    (its ``metadata`` holds the flag, help and parsing) and the methods that take it, in registry order."""
    out: dict[str, tuple[Field, tuple[str, ...]]] = {}
    for name, spec in METHODS.items():
        for f in fields(spec.options):
            if "flag" in f.metadata:
                first, owners = out.get(f.name, (f, ()))
                out[f.name] = (first, (*owners, name))
    return out


def check_options(options: dict) -> None:
    """Raise UserInputError naming the valid options when one in ``options`` no method takes."""
    valid = method_options()
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise UserInputError(f"unknown option(s) {', '.join(unknown)}; valid options are {', '.join(sorted(valid))}")


def check_methods(names: list[str]) -> None:
    """Raise UserInputError naming the valid methods when a name is not in :data:`METHODS`."""
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
    options: MethodOptions | None = None,
    **kwargs,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Run method ``name`` with ``options`` (its own type), or with the options in ``kwargs`` it takes
    (options meant for other methods are ignored).

    ``return_delta=True`` makes a method that ``returns_delta`` (Integrated Gradients) return
    ``(attr, delta)``; others ignore it.

    Raises:
        UserInputError: unknown method, an option no method takes, or a bad value.
    """
    check_methods([name])
    check_options(kwargs)
    spec = METHODS[name]
    own = spec.make_options(options, **kwargs).kwargs()
    if spec.returns_delta:
        own["return_delta"] = return_delta
    return spec.function(model, x, target, lengths=lengths, progress=progress, batch_size=batch_size, **own)
