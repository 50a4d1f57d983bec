"""Issue #32's targets in one table: each verdict's time against its bound, met or missed by how much.

:func:`verdict_targets` times, on this machine and in this process:

- the Attributions page's faithfulness check (32 samples, its 4 methods) and sanity check (16
  samples) on each shipped dataset's first offered model (:func:`lstmfcn.bench.verdicts`), target
  10 s each;
- the HTML report of the embedded default once the pages' results are kept, and built again
  (:func:`lstmfcn.bench.startup.report_run`), target 5 s;
- a cold server's first page in Chromium (:func:`lstmfcn.bench.startup.cold_start_seconds`), 5 s;
- adaptive Integrated Gradients to a 1 % completeness gap against Captum's default call on the
  GunPoint and BasicMotions test splits (:func:`lstmfcn.bench.ig_target.ig_vs_captum_default`):
  a speed-up of at least 2 (a ratio, not seconds).

Each row says its bound and whether it is met, so ``bench --targets`` shows a miss and its size
instead of leaving the reader to compare numbers. Timings depend on the machine and its load: the
rows carry the load average at their start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

#: The issue's bounds (seconds, except the IG speed-up, a ratio to beat).
FAITHFULNESS_S = 10.0
SANITY_S = 10.0
REPORT_CACHED_S = 5.0
COLD_START_S = 5.0
IG_SPEEDUP = 2.0


@dataclass(frozen=True)
class TargetRow:
    """One measured case: ``value`` in ``unit`` ("s" or "x"), its ``bound``, and whether it is met
    (seconds at most the bound; a speed-up at least the bound)."""

    case: str
    value: float
    unit: str
    bound: float
    load: float

    @property
    def met(self) -> bool:
        return self.value <= self.bound if self.unit == "s" else self.value >= self.bound

    def words(self) -> str:
        """``"met"`` or how far from the bound, as the bound's multiple ("missed: 1.4x the bound")."""
        if self.met:
            return "met"
        ratio = self.value / self.bound if self.unit == "s" else self.bound / self.value
        return f"missed: {ratio:.2f}x the bound"

    def to_dict(self) -> dict:
        return {**asdict(self), "met": self.met}


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:  # not every platform has a load average
        return float("nan")


def shipped_datasets() -> list[str]:
    """Every dataset a shipped checkpoint was trained on, in the archive's order."""
    from ..zoo import list_pretrained

    return sorted({e.dataset for e in list_pretrained(skip_unreadable=True)})


def verdict_rows(datasets: list[str] | None = None, progress: Callable[[str], None] | None = None) -> list[TargetRow]:
    """Faithfulness and sanity at the page's defaults on each dataset's first offered model (one
    untimed warm-up run on the first dataset: imports and oneDNN's first primitives)."""
    from ..checkpoint import load_model
    from ..data import load_dataset
    from ..zoo import offered_for, pretrained_path
    from .verdicts import faithfulness_run, sanity_run

    rows = []
    for i, name in enumerate(datasets or shipped_datasets()):
        ds = load_dataset(name)
        model_name = offered_for(name)[0]
        model = load_model(pretrained_path(model_name)).eval()
        if i == 0:
            sanity_run(model, ds)
        for what, run, bound in (("faithfulness", faithfulness_run, FAITHFULNESS_S), ("sanity", sanity_run, SANITY_S)):
            if progress:
                progress(f"{what} on {model_name}")
            load = _load()
            t = time.perf_counter()
            run(model, ds)
            rows.append(TargetRow(f"{what}, {model_name}", time.perf_counter() - t, "s", bound, load))
    return rows


def report_rows() -> list[TargetRow]:
    """The embedded default's report from the pages' results, and built again (cached)."""
    from .startup import report_run

    load = _load()
    r = report_run(uncached=False)
    return [
        TargetRow(
            "report from the pages' results (first build), GunPoint", r["from_pages_s"], "s", REPORT_CACHED_S, load
        ),
        TargetRow("report once cached, GunPoint", r["cached_s"], "s", REPORT_CACHED_S, load),
    ]


def cold_start_rows() -> list[TargetRow]:
    """A fresh server to Home drawn (in Chromium where there is one: the case says which)."""
    from .startup import cold_start_seconds

    load = _load()
    r = cold_start_seconds()
    return [TargetRow(f"cold start to Home drawn ({r['measured_to']})", r["seconds"], "s", COLD_START_S, load)]


def ig_rows(rounds: int = 3) -> list[TargetRow]:
    """Captum's default IG call over ours adaptive (median wall-time ratio) on every case of
    :data:`lstmfcn.bench.ig_target.CASES` (the shipped GunPoint and BasicMotions models)."""
    from .ig_target import CASES, ig_vs_captum_default

    rows = []
    for checkpoint, dataset in CASES:
        load = _load()
        r = ig_vs_captum_default(checkpoint, dataset, rounds=rounds)
        rows.append(
            TargetRow(f"IG to a 1% gap, speed-up over Captum's default, {checkpoint}", r.ratio, "x", IG_SPEEDUP, load)
        )
    return rows


def verdict_targets(progress: Callable[[str], None] | None = None) -> list[TargetRow]:
    """Every row of the issue's targets (minutes: all shipped datasets' verdicts, then the rest)."""
    rows = verdict_rows(progress=progress)
    for what, part in (("the report", report_rows), ("a cold start", cold_start_rows), ("IG against Captum", ig_rows)):
        if progress:
            progress(what)
        rows += part()
    return rows


def format_targets(rows: list[TargetRow]) -> str:
    """One line a row: value, bound, met or by how much missed, the case and the load."""
    lines = []
    for r in rows:
        value = f"{r.value:8.2f} s " if r.unit == "s" else f"{r.value:8.2f} x "
        bound = f"<= {r.bound:g} s" if r.unit == "s" else f">= {r.bound:g} x"
        lines.append(f"{value} {bound:9} {r.words():28} {r.case} (load {r.load:.1f})")
    return "\n".join(lines)
