"""How far off is the time left? The faithfulness check run as the dashboard runs it, its estimates against the truth.

A check on a shipped model runs chunk by chunk as the Attributions page runs it
(:func:`lstmfcn.dashboard.checks.chunked_check`: each chunk computes every method's maps, then the
deletion/insertion curves, for its samples). After the first chunk and when the progress bar
passes 25, 50 and 75 %, the estimate the page would show (:mod:`lstmfcn.dashboard.time_left`) is
recorded with the time that was in fact left, found once the check ends: the ratio is
``estimate / truth`` (1 is exact; the promise is 0.5 … 2 once a chunk has finished).

With ``old=True`` the same check also runs as the page ran it before (all maps method by method,
then the curves, the bar split half and half, the time left ``elapsed / fraction × rest``), so
the two ways are compared in one run on one machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

#: ``(dataset, shipped model, samples)``: the page's default subset of GunPoint and all of BasicMotions' test split.
CASES = (("GunPoint", "GunPoint__lstmfcn", 150), ("BasicMotions", "BasicMotions__mlstmfcn", 40))
METHODS = ("cam", "ig", "saliency", "occlusion")  # the Attributions page's default methods
CHECKPOINTS = (0.25, 0.5, 0.75)


class _Recorder:
    """A ``progress`` with ``plan``/``chunk_done`` that keeps, at each call, the time, the fraction
    and the estimate the page would draw."""

    def __init__(self) -> None:
        from ..dashboard.time_left import ChunkClock

        self.clock = ChunkClock()
        self.calls: list[tuple[float, float, tuple[float, float] | None]] = []
        self.first_chunk: tuple[float, tuple[float, float] | None] | None = None
        self.t0 = time.perf_counter()

    def _left(self) -> tuple[float, float] | None:
        left = self.clock.left()
        return None if left is None else (left.low, left.high)

    def __call__(self, fraction: float) -> None:
        self.calls.append((time.perf_counter() - self.t0, fraction, self._left()))

    def plan(self, units) -> None:
        self.clock.plan(units)

    def chunk_done(self) -> None:
        self.clock.chunk_done()
        if self.first_chunk is None:
            self.first_chunk = (time.perf_counter() - self.t0, self._left())


def _point(at_s: float, left: tuple[float, float] | None, total_s: float, fraction: float) -> dict:
    """An estimate at ``at_s`` seconds, the bar at ``fraction``, against the truth; ``time_share``:
    the share of the whole time gone (equal to ``fraction`` when the bar counts time)."""
    truth = max(total_s - at_s, 1e-9)
    where = {"at_s": at_s, "fraction": fraction, "time_share": at_s / total_s, "truth_s": truth}
    if left is None:
        return {**where, "estimate_s": None, "ratio": None}
    low, high = left
    middle = float(np.sqrt(low * high)) if low > 0 else high / 2
    return {
        **where,
        "estimate_s": middle,
        "low_s": low,
        "high_s": high,
        "ratio": middle / truth,
        "inside": bool(low <= truth <= high),
    }


def _at_checkpoints(calls, total_s: float) -> dict[str, dict]:
    out = {}
    for p in CHECKPOINTS:
        hit = next((c for c in calls if c[1] >= p), None)
        if hit is not None:
            out[f"{round(p * 100)} %"] = _point(hit[0], hit[2], total_s, hit[1])
    return out


def _setup(dataset: str, zoo_name: str, samples: int, methods, baseline: str, ig_steps: int):
    from ..checkpoint import load_model
    from ..dashboard import explanations
    from ..data import load_dataset
    from ..evaluation import predict_logits
    from ..inputs import model_input
    from ..zoo import pretrained_path

    model = load_model(pretrained_path(zoo_name))
    a = model_input(model, load_dataset(dataset), "test")
    idx = explanations.subset_indices(a.y, samples)
    pred = predict_logits(model, a.X, a.lengths).argmax(1)[idx]  # the page's evaluation, done before the check
    v, t = a.X.shape[1], a.X.shape[-1]
    perturb = explanations.perturbation_options(v, t)
    params = {m: explanations.options_of(m, baseline, ig_steps, **perturb) for m in methods}
    return model, a.X[idx], pred, a.lengths[idx], params


def check_time_left(
    dataset: str,
    zoo_name: str,
    samples: int,
    *,
    methods=METHODS,
    baseline: str = "zeros",
    ig_steps: int = 32,
    old: bool = False,
) -> dict:
    """One faithfulness check of ``samples`` class-balanced test series, its estimates against the truth.

    Returns:
        ``{"case", "samples", "chunks", "total_s", "first chunk": point, "25 %": point, …}`` where
        a point is ``{"at_s", "fraction", "truth_s", "estimate_s", "low_s", "high_s", "ratio",
        "inside"}``; with ``old=True`` also ``"old"``: the page's former way, timed the same.
    """
    from ..dashboard import explanations
    from ..dashboard.checks import chunked_check, join_faithfulness
    from ..explain.faithfulness import faithfulness_curves

    model, X, pred, lengths, params = _setup(dataset, zoo_name, samples, methods, baseline, ig_steps)
    parts = explanations.chunks(len(X))

    def maps_of(m, s, e):
        return explanations.attribution(model, X[s:e], pred[s:e], lengths[s:e], m, params[m])

    def check(s, e, maps, progress):
        return faithfulness_curves(
            model, X[s:e], pred[s:e], maps, lengths=lengths[s:e], baseline=baseline, rows=(s, len(X)), progress=progress
        )

    rec = _Recorder()
    results, rates = chunked_check(parts, list(methods), maps_of, check, rec)
    join_faithfulness(results, baseline=baseline)
    total = time.perf_counter() - rec.t0
    first_at, first_left = rec.first_chunk
    out = {
        "case": f"{dataset} · {zoo_name}",
        "samples": len(X),
        "chunks": len(parts),
        "total_s": total,
        "chunk_s_per_sample": rates,
        "first chunk": _point(first_at, first_left, total, (parts[0][1] - parts[0][0]) / len(X)),
        **_at_checkpoints(rec.calls, total),
    }
    if old:
        out["old"] = _old_way(model, X, pred, lengths, parts, list(methods), params, baseline)
    return out


def _old_way(model, X, pred, lengths, parts, methods, params, baseline) -> dict:
    """The page's former check: maps method by method (half the bar), then the whole report (the
    other half); the time left ``elapsed / fraction × (1 - fraction)`` once past 1 %."""
    from ..dashboard import explanations
    from ..explain.faithfulness import faithfulness_report
    from ..progress import report, sub_progress

    calls: list[tuple[float, float]] = []
    t0 = time.perf_counter()

    def progress(f: float) -> None:
        calls.append((time.perf_counter() - t0, f))

    jobs = [(m, s, e) for m in methods for s, e in parts]
    maps: dict[str, list] = {m: [] for m in methods}
    for j, (m, s, e) in enumerate(jobs):
        maps[m].append(explanations.attribution(model, X[s:e], pred[s:e], lengths[s:e], m, params[m]))
        report(progress, 0.5 * (j + 1) / len(jobs))
    full = {m: np.concatenate(v) for m, v in maps.items()}
    faithfulness_report(
        model, X, pred, full, lengths=lengths, baseline=baseline, progress=sub_progress(progress, 0.5, 1)
    )
    total = time.perf_counter() - t0

    def guess(t: float, f: float) -> tuple[float, float] | None:
        left = t / f * (1 - f) if f > 0.01 else None
        return None if left is None else (left, left)

    first = next(c for c in calls if c[1] > 0.01)
    out = {"total_s": total, "first report": _point(first[0], guess(*first), total, first[1])}
    for p in CHECKPOINTS:
        hit = next((c for c in calls if c[1] >= p), None)
        if hit is not None:
            out[f"{round(p * 100)} %"] = _point(hit[0], guess(*hit), total, hit[1])
    return out


def run_time_left_bench(
    cases=CASES, *, old: bool = True, progress: Callable[[str], None] | None = None, **options
) -> dict:
    """:func:`check_time_left` for each case (the machine described with it)."""
    from .machine import describe_machine, load

    out = {"machine": describe_machine(), "load": load(), "cases": []}
    for dataset, zoo_name, samples in cases:
        if progress is not None:
            progress(f"{dataset} · {zoo_name}, {samples} samples")
        out["cases"].append(check_time_left(dataset, zoo_name, samples, old=old, **options))
    return out


def format_time_left(result: dict) -> str:
    """A table: each case's estimates (middle and range) against the truth, and their ratio."""
    m = result["machine"]
    head = f"{m['cpu']} ({', '.join(m['flags'])}), {m['cores']} cores, {m['threads']} torch thread(s), load {result['load'][0]:.1f}"
    lines = [head]
    for case in result["cases"]:
        lines.append(f"{case['case']}: {case['samples']} samples, {case['chunks']} chunks, {case['total_s']:.1f} s")
        lines.append(f"  {'when':16} {'bar':>5} {'time':>5} {'estimate':>14} {'truth':>8} {'ratio':>6}")
        rows = [(k, v) for k, v in case.items() if isinstance(v, dict) and "truth_s" in v]
        rows += [(f"old: {k}", v) for k, v in case.get("old", {}).items() if isinstance(v, dict)]
        for k, p in rows:
            if p["estimate_s"] is None:
                est, ratio = "measuring", "-"
            elif "low_s" in p and p["high_s"] > p["low_s"] * 1.01:
                est, ratio = f"{p['low_s']:.1f}…{p['high_s']:.1f} s", f"{p['ratio']:.2f}"
            else:
                est, ratio = f"{p['estimate_s']:.1f} s", f"{p['ratio']:.2f}"
            bar, share = f"{p['fraction']:.0%}", f"{p['time_share']:.0%}"
            lines.append(f"  {k:16} {bar:>5} {share:>5} {est:>14} {p['truth_s']:7.1f}s {ratio:>6}")
    return "\n".join(lines)
