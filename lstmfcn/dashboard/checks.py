"""Faithfulness and sanity results as plain arrays, so the disk cache can keep them.

The disk cache stores a dict of numpy arrays (no pickle). A faithfulness report is its
per-sample curves (every score, p-value and verdict follows from them:
:func:`lstmfcn.explain.faithfulness.report_from_curves`); a sanity result is its per-sample
correlations (:func:`lstmfcn.explain.sanity.sanity_result`). Reading back gives the very objects
the library returns.
"""

from __future__ import annotations

import numpy as np

from lstmfcn.explain.faithfulness import FaithfulnessReport, PerturbationCurves, report_from_curves
from lstmfcn.explain.sanity import SanityResult, sanity_result

_SEP = "|"  # between a method's name and the array's name; no method name holds it


def faithfulness_arrays(report: FaithfulnessReport) -> dict[str, np.ndarray]:
    """``{name: array}`` of ``report``'s curves and settings."""
    out = {
        "fractions": report.random.fractions,
        "random|deletion": report.random.deletion,
        "random|insertion": report.random.insertion,
        "order": np.array(report.order),
        "baseline": np.array(report.baseline),
        "n_steps": np.array(report.n_steps),
        "segment_length": np.array(report.segment_length),
        "random_seeds": np.array(report.random_seeds, dtype=np.int64),
        "methods": np.array(list(report.methods)),
    }
    for name, m in report.methods.items():
        out[f"m{_SEP}{name}{_SEP}deletion"] = m.curves.deletion
        out[f"m{_SEP}{name}{_SEP}insertion"] = m.curves.insertion
    return out


def faithfulness_from_arrays(a: dict[str, np.ndarray]) -> FaithfulnessReport:
    """The report :func:`faithfulness_arrays` stored."""
    fr = a["fractions"]
    curves = {
        str(name): PerturbationCurves(fr, a[f"m{_SEP}{name}{_SEP}deletion"], a[f"m{_SEP}{name}{_SEP}insertion"])
        for name in a["methods"].tolist()
    }
    return report_from_curves(
        curves,
        PerturbationCurves(fr, a["random|deletion"], a["random|insertion"]),
        str(a["order"]),
        str(a["baseline"]),
        int(a["n_steps"]),
        int(a["segment_length"]),
        a["random_seeds"].tolist(),
    )


def sanity_arrays(results: dict[str, SanityResult]) -> dict[str, np.ndarray]:
    """``{name: array}`` of each method's per-sample correlations, stage by stage."""
    out = {
        "methods": np.array(list(results)),
        "cascade": np.array(any(r.cascade is not None for r in results.values())),
    }
    for name, r in results.items():
        for stage, rho in r.per_sample.items():
            out[f"{name}{_SEP}{stage}"] = np.asarray(rho)
    return out


def sanity_from_arrays(a: dict[str, np.ndarray]) -> dict[str, SanityResult]:
    """The results :func:`sanity_arrays` stored."""
    cascade = bool(a["cascade"])
    out = {}
    for name in map(str, a["methods"].tolist()):
        prefix = f"{name}{_SEP}"
        per_sample = {k[len(prefix) :]: v for k, v in a.items() if k.startswith(prefix)}
        out[name] = sanity_result(name, per_sample, cascade=cascade)
    return out
