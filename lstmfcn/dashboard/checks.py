"""Faithfulness and sanity checks chunk by chunk, and their results as plain arrays for the disk cache.

:func:`chunked_check` runs a check one chunk of samples at a time, every method's maps and the
check itself for each chunk, so each chunk costs about the same per sample and the first one
measures the rate of the rest (:mod:`lstmfcn.dashboard.time_left`); :func:`join_faithfulness`
and :func:`join_sanity` give the very result a call on the whole set gives.


The disk cache stores a dict of numpy arrays (no pickle). A faithfulness report is its
per-sample curves (every score, p-value and verdict follows from them:
:func:`lstmfcn.explain.faithfulness.report_from_curves`); a sanity result is its per-sample
correlations (:func:`lstmfcn.explain.sanity.sanity_result`). Reading back gives the very objects
the library returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lstmfcn.explain.faithfulness import FaithfulnessReport, PerturbationCurves, join_curves, report_from_curves
from lstmfcn.explain.sanity import SanityResult, sanity_result
from lstmfcn.progress import Progress, report

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


# ------------------------------------------------------------------------------------------
# Chunk by chunk


def chunked_check(
    parts: Sequence[tuple[int, int]],
    methods: Sequence[str],
    maps_of: Callable[[str, int, int], np.ndarray],
    check: Callable[[int, int, dict[str, np.ndarray], Progress | None], Any],
    progress: Progress | None = None,
) -> tuple[list[Any], list[float]]:
    """Run a check chunk by chunk: for each ``(start, stop)`` of ``parts``, every method's maps
    (``maps_of(method, start, stop)``), then ``check(start, stop, maps, progress)``.

    ``progress`` gets the fraction of samples done; within a chunk each stage (a method's maps,
    the check) counts by the time it took on the chunk before (equal shares on the first). A
    ``progress`` with ``plan``/``chunk_done`` (:class:`lstmfcn.dashboard.tasks.TaskProgress`) is
    told the chunks' samples and each chunk's end, for the time left.

    Returns:
        Each chunk's ``check`` result, and each chunk's seconds per sample.
    """
    total = sum(e - s for s, e in parts)
    plan, chunk_done = getattr(progress, "plan", None), getattr(progress, "chunk_done", None)
    if plan is not None:
        plan([e - s for s, e in parts])
    stages = [*methods, ""]  # "": the check itself
    weights = dict.fromkeys(stages, 1.0)
    results, rates, done = [], [], 0
    for s, e in parts:
        share = (e - s) / max(total, 1)
        spent: dict[str, float] = {}
        t_chunk = time.perf_counter()

        def at(stage_done: float, done=done, share=share) -> None:
            report(progress, (done + share * total * stage_done) / max(total, 1))

        def within(stage: str, weights=weights) -> tuple[float, float]:
            order = list(weights)
            whole = sum(weights.values()) or 1.0
            before = sum(weights[k] for k in order[: order.index(stage)])
            return before / whole, (before + weights[stage]) / whole

        maps = {}
        for m in methods:
            t = time.perf_counter()
            maps[m] = maps_of(m, s, e)
            spent[m] = time.perf_counter() - t
            at(within(m)[1])
        t = time.perf_counter()
        lo, hi = within("")
        results.append(
            check(s, e, maps, None if progress is None else (lambda f, lo=lo, hi=hi: at(lo + (hi - lo) * f)))
        )
        spent[""] = time.perf_counter() - t
        rates.append((time.perf_counter() - t_chunk) / max(e - s, 1))
        weights = {k: max(spent[k], 1e-6) for k in stages}
        done += e - s
        report(progress, done / max(total, 1))
        if chunk_done is not None:
            chunk_done()
    return results, rates


def join_faithfulness(
    parts: Sequence[tuple[dict[str, PerturbationCurves], PerturbationCurves, int]],
    *,
    order: str = "signed",
    baseline: str = "zeros",
    n_steps: int = 20,
    random_seeds: Sequence[int] = (0, 1, 2),
) -> FaithfulnessReport:
    """The report of curves measured chunk by chunk (:func:`lstmfcn.explain.faithfulness.faithfulness_curves`
    with ``rows``), equal to the whole set's; the settings are the ones the chunks ran with."""
    names = list(parts[0][0])
    curves = {name: join_curves([p[0][name] for p in parts]) for name in names}
    return report_from_curves(
        curves, join_curves([p[1] for p in parts]), order, baseline, n_steps, parts[0][2], list(random_seeds)
    )


def join_sanity(parts: Sequence[dict[str, SanityResult]], *, cascade: bool) -> dict[str, SanityResult]:
    """The sanity results of chunks of samples as the whole set's (per-sample correlations joined)."""
    out = {}
    for name in parts[0]:
        stages = parts[0][name].per_sample
        joined = {stage: np.concatenate([np.asarray(p[name].per_sample[stage]) for p in parts]) for stage in stages}
        out[name] = sanity_result(name, joined, cascade=cascade)
    return out
