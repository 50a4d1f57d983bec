"""Each explanation method's own options as a frozen dataclass, with defaults and checks.

A method's options type is the one place that says what the method takes beyond
``model, x (N, V, T), target, lengths, batch_size, progress``: its fields are the keyword arguments
of the method's function, with the function's defaults. Everything else is derived from it:

* :meth:`MethodOptions.key`: a stable string of the fields, the cache key of a method's result;
* :meth:`MethodOptions.of`: the method's own options out of a mapping of many methods' options;
* the CLI's flags: a field whose ``metadata`` names a ``"flag"`` (:func:`flag`) is a flag of
  ``lstmfcn explain`` and ``lstmfcn faithfulness``, with that help;
* the checks: ``__post_init__`` refuses a bad value with an :class:`OptionError`, a sentence.

A new method with options writes one such dataclass next to its function
(``@dataclass(frozen=True) class MyOptions(MethodOptions): …``) and names it in its
:class:`~lstmfcn.explain.methods.MethodSpec`. One mapping of options serves every method
(:meth:`MethodOptions.of` picks a type's own names), so a field name means one thing across methods:
a name two methods declare (``per_variable``) carries the same flag and help, and a new method's
option with another meaning takes a name of its own (a test refuses the clash).
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from ..errors import UserInputError
from .baselines import BASELINES
from .perturbation import DEFAULT_SEGMENTS, PerturbationPlan, ablation_plan, occlusion_plan, resolve_per_variable
from .quadrature import NESTED_RULES, RULES


class OptionError(UserInputError):
    """An option's value is out of range; ``option`` names the field, ``problem`` says what is wrong.

    ``str(err)`` names the option in words (``"occlusion window must be at least 1, got 0"``); the
    CLI says the flag instead (``"--window must be at least 1, got 0"``).
    """

    def __init__(self, option: str, words: str, problem: str) -> None:
        super().__init__(f"{words} {problem}")
        self.option, self.problem = option, problem


def flag(name: str, help: str, *, off: tuple[str, str] | None = None, **argparse: Any) -> dict:
    """``field(metadata=flag(...))``: the field is the CLI flag ``name`` with ``help``.

    ``argparse``: what ``add_argument`` needs beyond the name and help (``type=int``,
    ``choices=…``, ``default=…`` when not None); ``off=(flag, help)`` for a switch with an opposite
    (``--per-variable`` / ``--all-variables``: True, False, or None when neither is given).
    """
    return {"flag": name, "help": help, "argparse": argparse, **({"off": off} if off else {})}


def widget(
    label: str,
    help: str,
    *,
    term: str | None = None,
    most: str | float | None = None,
    least: float = 1,
    step: float = 1,
    placeholder: str = "",
    switch=False,
) -> dict:
    """``field(metadata={**flag(...), **widget(...)})``: the Attributions page draws the field.

    A number box, or with ``switch`` an on/off switch (for several variables only), with
    ``label`` and ``help`` (``term``: the glossary entry the help opens with). A number runs from
    ``least`` to ``most`` in steps of ``step`` (a float step makes a box of decimals): ``most`` is a
    number, ``"length"`` (the series' ``T``), another option's name (its value, or default) or None
    (no bound); ``placeholder`` stands in the empty box, formatted with the defaults
    (``"{window} (a tenth)"``).
    """
    return {
        "widget": {
            "label": label,
            "help": help,
            "term": term,
            "most": most,
            "least": least,
            "step": step,
            "placeholder": placeholder,
            "switch": switch,
        }
    }


def _key_text(value: Any) -> str:
    """A field's value as stable text: arrays by a digest of their bytes, shape and dtype."""
    if isinstance(value, np.ndarray):
        digest = hashlib.sha1(np.ascontiguousarray(value).tobytes() + str((value.shape, value.dtype)).encode())
        return f"array:{digest.hexdigest()[:16]}"
    return repr(value.item() if isinstance(value, np.generic) else value)  # np.int64(8) and 8: one key


@dataclass(frozen=True)
class MethodOptions:
    """Base of every method's options type; a method without options uses :class:`NoOptions`.

    Frozen and hashable (unless a baseline is an array), so equal options are one cache entry.
    """

    def kwargs(self) -> dict:
        """The fields as the keyword arguments of the method's function."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def changed(self) -> dict:
        """The fields whose value is not the default, as keyword arguments (what a caller chose)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if _key_text(getattr(self, f.name)) != _key_text(f.default)
        }

    def key(self) -> str:
        """A stable string of every field, e.g. ``"OcclusionOptions(baseline='zeros',window=8,…)"``.

        Two options give the same key exactly when they are equal; a pure function of the fields.
        """
        body = ",".join(f"{f.name}={_key_text(getattr(self, f.name))}" for f in fields(self))
        return f"{type(self).__name__}({body})"

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names this type takes."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> MethodOptions:
        """This type's options out of ``options``: names it does not take and None values (a
        method's default) are left out, so one mapping can serve several methods."""
        own = set(cls.names())
        return cls(**{k: v for k, v in options.items() if k in own and v is not None})

    def variable_axis(self, n_vars: int) -> bool:
        """Whether a map with these options can differ between ``n_vars`` variables (see
        :meth:`~lstmfcn.explain.methods.MethodSpec.has_variable_axis`)."""
        return True

    def plan(self, n_vars: int, length: int) -> PerturbationPlan | None:
        """A perturbation method's windows or segments and cost for ``(V, T)`` series; None for others."""
        return None


@dataclass(frozen=True)
class NoOptions(MethodOptions):
    """A method with nothing to choose (CAM, attention, Input × Gradient)."""


def _at_least(options: MethodOptions, name: str, words: str, least: float, *, none_ok: bool = False) -> None:
    value = getattr(options, name)
    if value is None and none_ok:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < least:
        raise OptionError(name, words, f"must be at least {least}, got {value!r}")


@dataclass(frozen=True)
class BaselineOptions(MethodOptions):
    """The reference series of a path or perturbation method (those with ``uses_baseline``).

    Attributes:
        baseline: ``"zeros"``, ``"mean"``, ``"blur"`` (:data:`~.baselines.BASELINES`) or an array
            broadcastable to ``(N, V, T)`` (the options are then not hashable; the key digests it).
        blur_sigma: Gaussian sigma in steps for ``"blur"`` (None: ``T / 20``).
    """

    baseline: str | np.ndarray = "zeros"
    blur_sigma: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.baseline, str) and self.baseline not in BASELINES:
            raise OptionError(
                "baseline",
                "the baseline",
                f"must be one of {', '.join(BASELINES)} or an array, got {self.baseline!r}",
            )
        if self.blur_sigma is not None and not self.blur_sigma > 0:
            raise OptionError("blur_sigma", "the blur's sigma", f"must be positive, got {self.blur_sigma!r}")


@dataclass(frozen=True)
class IGOptions(BaselineOptions):
    """Integrated Gradients' quadrature (:func:`~.attributions.integrated_gradients`)."""

    n_steps: int = field(
        default=32, metadata=flag("--ig-steps", "Integrated Gradients quadrature steps", type=int, default=32)
    )
    integration: str = field(
        default="gausslegendre",
        metadata=flag(
            "--ig-rule",
            "Integrated Gradients quadrature rule (clenshaw_curtis: nested points, so --ig-tolerance computes only "
            "the new points when it refines; the dashboard's default is clenshaw_curtis from 9 points to 0.01)",
            choices=list(RULES + NESTED_RULES),
            default="gausslegendre",
        ),
    )
    tolerance: float | None = field(
        default=None,
        metadata=flag(
            "--ig-tolerance",
            "adaptive IG: double each sample's steps (from --ig-steps) until |sum of attributions - "
            "(f(x) - f(baseline))| <= this fraction of |f(x) - f(baseline)| (e.g. 0.01)",
            type=float,
        ),
    )
    max_steps: int = 1024

    def __post_init__(self) -> None:
        super().__post_init__()
        _at_least(self, "n_steps", "Integrated Gradients' steps", 1)
        if self.integration not in RULES + NESTED_RULES:
            raise OptionError(
                "integration",
                "the integration rule",
                f"must be one of {', '.join(RULES + NESTED_RULES)}, got {self.integration!r}",
            )
        if self.tolerance is not None and not self.tolerance > 0:
            raise OptionError(
                "tolerance",
                "the adaptive tolerance",
                f"must be positive (a fraction such as 0.01), got {self.tolerance}",
            )
        _at_least(self, "max_steps", "Integrated Gradients' most steps", 1)


@dataclass(frozen=True)
class SaliencyOptions(MethodOptions):
    """``absolute``: the gradient's size (the default) or its sign too."""

    absolute: bool = True


@dataclass(frozen=True)
class GradientShapOptions(BaselineOptions):
    """GradientSHAP's random points: how many, the noise's sigma and the random seed."""

    n_samples: int = 16
    noise: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _at_least(self, "n_samples", "GradientSHAP's samples", 1)
        if not self.noise >= 0:
            raise OptionError("noise", "GradientSHAP's noise", f"must not be negative, got {self.noise!r}")


_PER_VARIABLE = {
    **flag(
        "--per-variable",
        "occlusion and ablation perturb one variable at a time: a map per variable, V times the forward "
        "passes (the default when the series have several variables)",
        off=(
            "--all-variables",
            "occlusion and ablation perturb every variable at once: one map over time, the same in every variable",
        ),
    ),
    **widget(
        "One variable at a time",
        "On: a map per variable that says which variable mattered, V times the forward passes. Off: "
        "every variable is perturbed at once, one map over time, the same for all variables.",
        switch=True,
    ),
}


@dataclass(frozen=True)
class OcclusionOptions(BaselineOptions):
    """Occlusion's window and stride in steps (None: ``T / 10`` and half the window) and whether it
    perturbs one variable at a time (None: when there are several)."""

    window: int | None = field(
        default=None,
        metadata={
            **flag("--window", "occlusion window in steps (default T/10)", type=int),
            **widget(
                "Occlusion window (steps)",
                "How many steps each occluded window covers.",
                term="occlusion",
                most="length",
                placeholder="{window} (a tenth)",
            ),
        },
    )
    stride: int | None = field(
        default=None,
        metadata={
            **flag("--stride", "steps between occlusion windows (default half the window)", type=int),
            **widget(
                "Occlusion stride (steps)",
                "Steps between windows: smaller is smoother and costs more passes.",
                term="occlusion",
                most="window",
                placeholder="half the window",
            ),
        },
    )
    per_variable: bool | None = field(default=None, metadata=_PER_VARIABLE)

    def __post_init__(self) -> None:
        super().__post_init__()
        _at_least(self, "window", "the occlusion window", 1, none_ok=True)
        _at_least(self, "stride", "the occlusion stride", 1, none_ok=True)

    def variable_axis(self, n_vars: int) -> bool:
        return resolve_per_variable(self.per_variable, n_vars)

    def plan(self, n_vars: int, length: int) -> PerturbationPlan:
        """The windows :func:`~.perturbation.occlusion` slides; a stride longer than the window raises."""
        return occlusion_plan(n_vars, length, window=self.window, stride=self.stride, per_variable=self.per_variable)


@dataclass(frozen=True)
class AblationOptions(BaselineOptions):
    """Segment ablation's number of time segments and whether it perturbs one variable at a time."""

    n_segments: int = field(
        default=DEFAULT_SEGMENTS,
        metadata={
            **flag("--segments", "segment ablation's time segments (default 20)", type=int),
            **widget(
                "Ablation segments",
                "Segment ablation cuts the series into this many equal stretches and removes one at a time.",
                most="length",
                placeholder="{n_segments}",
            ),
        },
    )
    per_variable: bool | None = field(default=None, metadata=_PER_VARIABLE)

    def __post_init__(self) -> None:
        super().__post_init__()
        _at_least(self, "n_segments", "segment ablation's segments", 1)

    def variable_axis(self, n_vars: int) -> bool:
        return resolve_per_variable(self.per_variable, n_vars)

    def plan(self, n_vars: int, length: int) -> PerturbationPlan:
        """The segments :func:`~.perturbation.feature_ablation` replaces."""
        return ablation_plan(n_vars, length, n_segments=self.n_segments, per_variable=self.per_variable)


@dataclass(frozen=True)
class GradCamOptions(MethodOptions):
    """``relu``: keep only the positive evidence (Grad-CAM's rule, the default)."""

    relu: bool = True
