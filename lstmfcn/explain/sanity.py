"""Sanity checks for saliency maps: model parameter randomisation (Adebayo et al. 2018).

An explanation that describes the *model* must change when the model's weights are replaced
by random ones. Each method is re-run, for the same samples and target classes, on

* ``"head"``: a copy whose final Linear layer is randomised;
* ``"all"``: a copy with every layer randomised (the end point of the paper's cascade);
* optionally the cascade itself: layers randomised cumulatively from the top (head, LSTM,
  conv block 3, SE 2, conv block 2, SE 1, conv block 1).

The check reports the mean Spearman rank correlation between the original and the randomised
maps; see :func:`~lstmfcn.explain.agreement.spearman_per_sample`. High correlation after
randomisation means the map mostly reflects the input (edges, amplitude), not what the model
learnt.

Randomisation redraws every weight and bias of the chosen layers from a zero-mean Gaussian with
the trained tensor's own standard deviation. Each layer keeps its scale, so activations stay in
a sensible range. BatchNorm parameters and statistics are left alone: they rescale channels but
do not mix them. Everything happens on deep copies; the caller's model is never changed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import UserInputError
from ._common import ArrayLike, Progress, report
from .agreement import spearman_per_sample

CASCADE = ("head", "lstm", "block3", "se2", "block2", "se1", "block1")
"""The model's parts from the output down, the order the cascading randomisation follows."""


def randomised_copy(model: nn.Module, parts: Sequence[str], seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` whose named parts (see :data:`CASCADE`) have random weights.

    Args:
        model: the trained model (not changed).
        parts: attribute names of the parts to randomise; absent parts (no SE blocks) are skipped.
        seed: seeds the random weights (a private generator; global RNG state is untouched).
    """
    unknown = [p for p in parts if p not in CASCADE]
    if unknown:
        raise UserInputError(f"unknown model part(s) {', '.join(unknown)}; choose from {', '.join(CASCADE)}")
    twin = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for part in parts:
            module = getattr(twin, part, None)
            if module is None:
                continue
            for sub in module.modules():
                if isinstance(sub, nn.modules.batchnorm._BatchNorm):
                    continue
                for p in sub.parameters(recurse=False):
                    std = float(p.detach().float().std()) if p.numel() > 1 else float(p.detach().abs().mean())
                    noise = torch.randn(p.shape, generator=gen) * std
                    p.copy_(noise.to(p.device, p.dtype))
    for m in twin.modules():
        if isinstance(m, nn.RNNBase):
            m.flatten_parameters()
    return twin


#: A map passes the model-randomisation check when its mean Spearman correlation with the fully
#: randomised model's map is below this: half the ranking gone is "changed", in Adebayo et al.'s
#: sense that the explanation depends on the learnt weights.
PASS_BELOW = 0.5


@dataclass
class SanityResult:
    """One method's model-randomisation check.

    Attributes:
        method: method name.
        head: mean Spearman correlation with the head-randomised model's maps.
        all: mean Spearman correlation with the fully randomised model's maps.
        per_sample: ``{"head": (N,), "all": (N,)}`` correlations (plus cascade stages).
        cascade: ``[(part, mean correlation)]`` after randomising the parts down to ``part``,
            or None when the cascade was not run.
    """

    method: str
    head: float
    all: float
    per_sample: dict[str, np.ndarray]
    cascade: list[tuple[str, float]] | None = None

    def passes(self) -> bool:
        """Whether the maps change when the model is randomised: the mean rank correlation with
        the fully randomised model's maps is below :data:`PASS_BELOW`."""
        return bool(np.isfinite(self.all) and abs(self.all) < PASS_BELOW)

    def verdict(self, label: str) -> str:
        """One sentence in words: does ``label`` explain the model, or mostly mirror the input?"""
        if not np.isfinite(self.all):
            return f"{label}: the check could not be scored (constant maps)."
        if self.passes():
            return (
                f"{label} passes the sanity check: its maps change when the model's weights are randomised "
                f"(rank correlation {self.all:.2f} with the randomised model's maps), so they depend on what the model learnt."
            )
        return (
            f"{label} fails the sanity check: its maps barely change when the model's weights are randomised "
            f"(rank correlation {self.all:.2f}), so they mirror the input more than the model."
        )

    def to_dict(self) -> dict:
        out = {"head": _nan_none(self.head), "all": _nan_none(self.all)}
        if self.cascade is not None:
            out["cascade"] = [[part, _nan_none(r)] for part, r in self.cascade]
        return out


def _nan_none(v: float) -> float | None:
    return None if np.isnan(v) else float(v)


def _mean(r: np.ndarray) -> float:
    return float(np.nanmean(r)) if np.isfinite(r).any() else float("nan")


def model_randomisation_check(
    model: nn.Module,
    x: ArrayLike,
    target: int | ArrayLike,
    *,
    methods: Sequence[str] = ("cam", "ig"),
    lengths: ArrayLike | None = None,
    original: dict[str, np.ndarray] | None = None,
    cascade: bool = False,
    absolute: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
    **method_opts,
) -> dict[str, SanityResult]:
    """Re-explain with randomised copies of ``model`` and correlate with the original maps.

    Args:
        model: the trained model (not changed).
        x: ``(N, V, T)`` series.
        target: class index or ``(N,)`` indices, kept fixed for the randomised models.
        methods: method names from :data:`~lstmfcn.explain.methods.METHODS`.
        lengths: ``(N,)`` valid steps or None.
        original: maps already computed for ``model`` (method → ``(N, V, T)``), to save a pass.
        cascade: also run the cumulative cascade (one explanation per model part).
        absolute: correlate absolute values (the paper's main variant) instead of signed ones.
        seed: seeds the random weights.
        progress: fraction-done callback, called after each explanation (one method on one
            model); an exception it raises (a cancel) stops the check there.
        **method_opts: options for the methods (``baseline``, ``n_steps``, …).

    Returns:
        Method name → :class:`SanityResult`.
    """
    from .methods import run_method

    target_arr = np.asarray(target)
    stages: dict[str, tuple[str, ...]] = {"head": ("head",), "all": CASCADE}
    if cascade:
        for i, part in enumerate(CASCADE):
            if getattr(model, part, None) is not None:
                stages.setdefault(part, CASCADE[: i + 1])
    models: dict[tuple[str, ...], nn.Module] = {}
    for parts in stages.values():
        if parts not in models:
            models[parts] = randomised_copy(model, parts, seed)
    runs = sum(len(models) + ((original or {}).get(name) is None) for name in methods)
    done = 0

    def explained(name: str, m: nn.Module) -> np.ndarray:
        nonlocal done
        maps = run_method(name, m, x, target_arr, lengths=lengths, **method_opts)
        done += 1
        report(progress, done / runs)
        return maps

    out: dict[str, SanityResult] = {}
    for name in methods:
        ref = (original or {}).get(name)
        if ref is None:
            ref = explained(name, model)
        corr = {  # one explanation per distinct randomised model ("block1" of the cascade is "all")
            parts: spearman_per_sample(ref, explained(name, m), lengths, absolute=absolute)
            for parts, m in models.items()
        }
        out[name] = sanity_result(name, {label: corr[parts] for label, parts in stages.items()}, cascade=cascade)
    report(progress, 1.0)
    return out


def sanity_result(method: str, per_sample: dict[str, np.ndarray], *, cascade: bool) -> SanityResult:
    """A method's :class:`SanityResult` from its per-sample correlations (``"head"``, ``"all"`` and
    the cascade's stages): what :func:`model_randomisation_check` ends with, and how a stored
    result is read back."""
    casc = [(part, _mean(per_sample[part])) for part in CASCADE if part in per_sample] if cascade else None
    return SanityResult(method, _mean(per_sample["head"]), _mean(per_sample["all"]), per_sample, casc)
