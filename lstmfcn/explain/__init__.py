"""Why does the model decide what it decides? Explanations of LSTM-FCN-family classifiers.

One module per kind of explanation, one calling convention,
``method(model, x, target, *, lengths=None, …) -> np.ndarray (N, V, T)``:

* :mod:`.cam`: class activation maps of the conv branch (exact: map mean + offset = logit);
* :mod:`.attention`: the attention LSTM's weights (ALSTM-FCN, MALSTM-FCN);
* :mod:`.attributions`: Captum's gradient and perturbation methods, and the :data:`METHODS` registry;
* :mod:`.faithfulness`: deletion/insertion curves and AOPC against random orderings;
* :mod:`.sanity`: model-randomisation sanity checks; :mod:`.agreement`: method-vs-method rank
  correlation.

:func:`explain` (:mod:`.combined`) runs several methods at once. Arrays are ``(N, V, T)`` (samples, variables,
time); the caller's model is never changed.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BASELINES": "_common",
    "AgreementResult": "agreement",
    "method_agreement": "agreement",
    "spearman_per_sample": "agreement",
    "AttentionCollector": "attention",
    "AttentionResult": "attention",
    "AttentionSpread": "attention",
    "ClassAttention": "attention",
    "NoAttentionError": "attention",
    "attention_by_class": "attention",
    "attention_for_target": "attention",
    "attention_maps": "attention",
    "attention_over_time": "attention",
    "attention_spread": "attention",
    "attention_summary": "attention",
    "can_show_attention": "attention",
    "has_attention": "attention",
    "IG_RULES": "attributions",
    "AdaptiveIG": "attributions",
    "adaptive_integrated_gradients": "attributions",
    "deeplift": "attributions",
    "grad_cam": "attributions",
    "gradient_shap": "attributions",
    "input_x_gradient": "attributions",
    "integrated_gradients": "attributions",
    "saliency": "attributions",
    "CamResult": "cam",
    "cam_for_target": "cam",
    "class_activation_maps": "cam",
    "FaithfulnessReport": "faithfulness",
    "PerturbationCurves": "faithfulness",
    "faithfulness_report": "faithfulness",
    "perturbation_curves": "faithfulness",
    "METHODS": "methods",
    "MethodSpec": "methods",
    "check_methods": "methods",
    "check_options": "methods",
    "run_method": "methods",
    "PerturbationPlan": "perturbation",
    "ablation_plan": "perturbation",
    "feature_ablation": "perturbation",
    "occlusion": "perturbation",
    "occlusion_plan": "perturbation",
    "resolve_per_variable": "perturbation",
    "SanityResult": "sanity",
    "model_randomisation_check": "sanity",
    "randomised_copy": "sanity",
    "DEFAULT_METHODS": "combined",
    "TARGET_MODES": "combined",
    "parse_methods": "combined",
    "resolve_target": "combined",
    "explain": "combined",
}

__all__ = [
    "BASELINES",
    "IG_RULES",
    "AdaptiveIG",
    "adaptive_integrated_gradients",
    "DEFAULT_METHODS",
    "METHODS",
    "AgreementResult",
    "AttentionResult",
    "AttentionSpread",
    "CamResult",
    "ClassAttention",
    "FaithfulnessReport",
    "MethodSpec",
    "NoAttentionError",
    "PerturbationCurves",
    "PerturbationPlan",
    "SanityResult",
    "attention_by_class",
    "attention_for_target",
    "attention_maps",
    "attention_over_time",
    "attention_spread",
    "ablation_plan",
    "attention_summary",
    "can_show_attention",
    "cam_for_target",
    "class_activation_maps",
    "deeplift",
    "explain",
    "faithfulness_report",
    "feature_ablation",
    "grad_cam",
    "gradient_shap",
    "input_x_gradient",
    "integrated_gradients",
    "method_agreement",
    "model_randomisation_check",
    "occlusion",
    "occlusion_plan",
    "parse_methods",
    "perturbation_curves",
    "randomised_copy",
    "resolve_per_variable",
    "resolve_target",
    "run_method",
    "saliency",
    "spearman_per_sample",
]


def __getattr__(name: str) -> Any:
    """Names are imported on first use: ``import lstmfcn`` binds this package at once (see
    :mod:`lstmfcn`), and it must not pay for torch."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
