"""An importance result and its map agreement as plain arrays, for a disk cache (``.npz``, no pickle)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from .agreement import MapAgreement
from .perturb import METRICS
from .result import Estimate, GroupImportance, ImportanceResult

_PARTS = ("variable", "window")
_FIELDS = ("importance", "low", "high")


def to_arrays(result: ImportanceResult, agreements: dict[str, MapAgreement] | None = None) -> dict[str, np.ndarray]:
    """Every number of ``result`` (and ``agreements``) under flat names; names and settings as JSON text."""
    out: dict[str, np.ndarray] = {}
    groups = {"": result.overall, **{f"class:{c}": g for c, g in result.by_class.items()}}
    for gi, (_, by_metric) in enumerate(groups.items()):
        for metric, g in by_metric.items():
            for part in _PARTS:
                for f in _FIELDS:
                    out[f"g{gi}.{metric}.{part}.{f}"] = np.asarray(getattr(getattr(g, part), f), np.float64)
            out[f"g{gi}.{metric}.score"] = np.array(g.score)
            out[f"g{gi}.{metric}.samples"] = np.array(g.samples)
    for mi, a in enumerate((agreements or {}).values()):
        out[f"m{mi}.grid"] = a.grid
        out[f"m{mi}.rho"] = np.array([a.overall, *(a.by_class.get(c, np.nan) for c in result.by_class)])
        for ci, c in enumerate(result.by_class):
            out[f"m{mi}.class{ci}"] = a.class_grids[c]
    facts = {
        "variables": result.variables,
        "windows": result.windows,
        "classes": result.classes,
        "mode": result.mode,
        "baseline": result.baseline,
        "repeats": result.repeats,
        "level": result.level,
        "seconds": result.seconds,
        "groups": list(groups),
        "methods": [[m, a.over] for m, a in (agreements or {}).items()],
    }
    out["facts"] = np.array(json.dumps(facts))
    out["sample_indices"] = np.asarray(result.sample_indices, np.int64)
    return out


def from_arrays(a: dict[str, np.ndarray]) -> tuple[ImportanceResult, dict[str, MapAgreement]]:
    """The inverse of :func:`to_arrays`."""
    facts = json.loads(str(a["facts"]))

    def group(gi: int) -> dict[str, GroupImportance]:
        return {
            m: GroupImportance(
                *(Estimate(*(a[f"g{gi}.{m}.{part}.{f}"] for f in _FIELDS)) for part in _PARTS),
                score=float(a[f"g{gi}.{m}.score"]),
                samples=int(a[f"g{gi}.{m}.samples"]),
            )
            for m in METRICS
        }

    names = facts["groups"]
    result = ImportanceResult(
        variables=facts["variables"],
        windows=[tuple(w) for w in facts["windows"]],
        classes=facts["classes"],
        mode=facts["mode"],
        baseline=facts["baseline"],
        repeats=int(facts["repeats"]),
        level=float(facts["level"]),
        sample_indices=np.asarray(a["sample_indices"]),
        overall=group(0),
        by_class={name.removeprefix("class:"): group(gi) for gi, name in enumerate(names) if gi > 0},
        seconds=float(facts["seconds"]),
    )
    classes = list(result.by_class)
    agreements = {}
    for mi, (method, over) in enumerate(facts["methods"]):
        rho = a[f"m{mi}.rho"]
        agreements[method] = MapAgreement(
            method,
            over,
            float(rho[0]),
            {c: float(r) for c, r in zip(classes, rho[1:], strict=True)},
            a[f"m{mi}.grid"],
            {c: a[f"m{mi}.class{ci}"] for ci, c in enumerate(classes)},
        )
    return result, agreements


def renamed(
    result: ImportanceResult, agreements: dict[str, MapAgreement], classes: list[str], variables: list[str]
) -> tuple[ImportanceResult, dict[str, MapAgreement]]:
    """``result`` and ``agreements`` with other class and variable names (a session's renames): the
    numbers are kept (on disk for everyone), the names are the viewer's. ``classes`` in the model's order."""
    old = dict(zip(result.classes, classes, strict=True))
    result = dataclasses.replace(
        result,
        classes=list(classes),
        variables=list(variables),
        by_class={old[c]: g for c, g in result.by_class.items()},
    )
    agreements = {
        m: dataclasses.replace(
            a,
            by_class={old[c]: r for c, r in a.by_class.items()},
            class_grids={old[c]: g for c, g in a.class_grids.items()},
        )
        for m, a in agreements.items()
    }
    return result, agreements
