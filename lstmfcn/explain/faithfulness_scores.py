"""What the faithfulness check's curves say: the curves, their AOPC scores and the verdict.

:mod:`.faithfulness` measures deletion and insertion curves; this module holds them
(:class:`PerturbationCurves`) and scores them. Scores, one per sample, averaged over samples
(higher is better for both):

* ``AOPC_del = 1/(S+1) Σ_j (p_0 - p_j)`` on the deletion curve (Samek's "area over the
  perturbation curve");
* ``AOPC_ins = 1/(S+1) Σ_j (p_j - p_base)`` on the insertion curve.

The same curves under random orderings (mean over a few seeds) are the control. A method is
``better_than_random`` when its per-sample gain over random, ``(AOPC_del - random) + (AOPC_ins -
random)``, is positive on average and significantly so (one-sided Wilcoxon signed-rank test,
p < 0.05; with fewer than 10 samples the average alone decides). :func:`report_from_curves` turns
measured curves into a :class:`FaithfulnessReport`: what a fresh check ends with, and how a stored
one is read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..words import fixed, small_number


@dataclass
class PerturbationCurves:
    """Deletion and insertion curves of one ordering.

    Attributes:
        fractions: ``(S+1,)`` share of valid steps perturbed, 0 … 1.
        deletion: ``(N, S+1)`` target probability as the top steps are replaced by the baseline.
        insertion: ``(N, S+1)`` target probability as the top steps are put back into the baseline.
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray

    def mean_curve(self, kind: str) -> np.ndarray:
        """``(S+1,)`` the ``"deletion"`` or ``"insertion"`` curve averaged over samples."""
        return getattr(self, kind).mean(axis=0)

    @property
    def aopc_deletion(self) -> np.ndarray:
        """``(N,)`` mean drop below the unperturbed probability along the deletion curve."""
        return (self.deletion[:, :1] - self.deletion).mean(axis=1)

    @property
    def aopc_insertion(self) -> np.ndarray:
        """``(N,)`` mean rise above the all-baseline probability along the insertion curve."""
        return (self.insertion - self.insertion[:, :1]).mean(axis=1)


#: AOPCs all below this (probability units): the curves stay flat, and the check says it cannot tell.
FLAT_BELOW = 0.01


@dataclass
class MethodFaithfulness:
    """One method's curves and scores against the random control.

    Attributes:
        name: method name.
        curves: the method's :class:`PerturbationCurves`.
        aopc_deletion: mean over samples (higher is better).
        aopc_insertion: mean over samples (higher is better).
        gain: ``(N,)`` ``(AOPC_del - random) + (AOPC_ins - random)`` per sample.
        p_value: one-sided Wilcoxon p-value that the gain is positive (NaN with < 10 samples).
        better_than_random: whether the method beats random ordering (see the module docstring).
    """

    name: str
    curves: PerturbationCurves
    aopc_deletion: float
    aopc_insertion: float
    gain: np.ndarray
    p_value: float
    better_than_random: bool

    def verdict(self, label: str, random_deletion: float, random_insertion: float) -> str:
        """One sentence: does ``label`` rank the steps that matter better than random order? Where
        neither its curves nor the random order's move the probability (every AOPC under
        :data:`FLAT_BELOW`: a model so sure that blurring steps changes nothing), the check cannot
        tell, and the sentence says so rather than "no"."""
        p = "" if np.isnan(self.p_value) else f", p = {small_number(self.p_value)}"
        numbers = (
            f"AOPC {fixed(self.aopc_deletion)} vs {fixed(random_deletion)} when deleting, "
            f"{fixed(self.aopc_insertion)} vs {fixed(random_insertion)} when inserting{p}"
        )
        aopcs = (self.aopc_deletion, self.aopc_insertion, random_deletion, random_insertion)
        if max(map(abs, aopcs)) < FLAT_BELOW:
            return (
                f"{label}: this check cannot tell on these samples: deleting or inserting steps, in the map's order "
                f"or at random, hardly moves the model's probability ({numbers})."
            )
        if self.better_than_random:
            return f"{label} explains this model better than random order: yes ({numbers})."
        return f"{label} explains this model better than random order: no, not shown on these samples ({numbers})."


@dataclass
class FaithfulnessReport:
    """Faithfulness of several methods on the same samples, with the random control."""

    methods: dict[str, MethodFaithfulness]
    random: PerturbationCurves
    order: str
    baseline: str
    n_steps: int
    segment_length: int = 1
    random_seeds: list[int] = field(default_factory=list)

    @property
    def random_aopc_deletion(self) -> float:
        return float(self.random.aopc_deletion.mean())

    @property
    def random_aopc_insertion(self) -> float:
        return float(self.random.aopc_insertion.mean())

    def to_dict(self) -> dict:
        """JSON-able summary: AOPCs per method and for random, with the flag and p-value."""
        return {
            "order": self.order,
            "baseline": self.baseline,
            "n_steps": self.n_steps,
            "segment_length": self.segment_length,
            "random": {"aopc_deletion": self.random_aopc_deletion, "aopc_insertion": self.random_aopc_insertion},
            "methods": {
                name: {
                    "aopc_deletion": m.aopc_deletion,
                    "aopc_insertion": m.aopc_insertion,
                    "p_value": None if np.isnan(m.p_value) else m.p_value,
                    "better_than_random": m.better_than_random,
                }
                for name, m in self.methods.items()
            },
        }


def report_from_curves(
    curves: dict[str, PerturbationCurves],
    random: PerturbationCurves,
    order: str,
    baseline: str,
    n_steps: int,
    segment_length: int,
    random_seeds: list[int],
) -> FaithfulnessReport:
    """The report (scores, p-values, verdicts) of curves already measured: what
    :func:`faithfulness_report` ends with, and how a stored report is read back."""
    results: dict[str, MethodFaithfulness] = {}
    for name, c in curves.items():
        gain = (c.aopc_deletion - random.aopc_deletion) + (c.aopc_insertion - random.aopc_insertion)
        p = _one_sided_p(gain)
        better = bool(gain.mean() > 0 and (np.isnan(p) or p < 0.05))
        results[name] = MethodFaithfulness(
            name, c, float(c.aopc_deletion.mean()), float(c.aopc_insertion.mean()), gain, p, better
        )
    return FaithfulnessReport(results, random, order, baseline, n_steps, segment_length, list(random_seeds))


def _one_sided_p(gain: np.ndarray) -> float:
    """Wilcoxon signed-rank p-value for "gain > 0"; NaN with fewer than 10 samples."""
    if len(gain) < 10:
        return float("nan")
    if np.all(gain == 0):
        return 1.0
    from scipy.stats import wilcoxon

    return float(wilcoxon(gain, alternative="greater").pvalue)
