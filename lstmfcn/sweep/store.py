"""The sweep folder: one sub-folder per unit, every file written atomically, and ``results.csv``.

Layout of ``DIR/``::

    sweep.json                      settings every unit of the folder was trained with
    units/<key>/model.safetensors   the unit's checkpoint
    units/<key>/cam_test.npz        every class's CAM of the test split (cam, offset, logits)
    units/<key>/metrics.json        written last: its presence means the unit is finished
    units/<key>/resume.safetensors  the training's resumable state while the unit runs
    results.csv, comparison.csv, comparison.html, summary.txt

A file is written beside its final name and renamed over it, so a crash, Ctrl-C or a killed
worker never leaves half a file, and a unit whose ``metrics.json`` is missing is simply trained
again (from its resumable state where there is one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from lstmfcn.errors import DataError

from .plan import CANDIDATE, REFIT, Unit

CHECKPOINT, CAM, METRICS, STATE = "model.safetensors", "cam_test.npz", "metrics.json", "resume.safetensors"
SETTINGS = "sweep.json"
RESULTS = "results.csv"
#: Columns of ``results.csv``, in order (one row per trained unit).
RESULT_COLUMNS = [
    "dataset",
    "model",
    "cells",
    "seed",
    "stage",
    "selected",
    "val_accuracy",
    "test_accuracy",
    "train_accuracy",
    "n_fit",
    "n_val",
    "n_test",
    "epochs",
    "best_epoch",
    "checkpoint",
]


def unit_dir(out: str | os.PathLike, unit: Unit) -> Path:
    return Path(out) / "units" / unit.key


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_json_atomic(path: str | os.PathLike, data: dict) -> Path:
    return write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def write_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path).with_suffix(".npz")  # np.savez appends .npz to any other name
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path


def is_finished(out: str | os.PathLike, unit: Unit) -> bool:
    """Whether the unit's metrics are written (the last file a unit writes); nothing is loaded."""
    return (unit_dir(out, unit) / METRICS).is_file()


def read_metrics(out: str | os.PathLike, unit: Unit) -> dict | None:
    """A finished unit's metrics, or None when it is not finished (or its file is unreadable)."""
    try:
        return json.loads((unit_dir(out, unit) / METRICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_settings(out: str | os.PathLike, settings: dict) -> None:
    """Record the settings of a new sweep folder, or refuse ones that differ from those it holds.

    Units are keyed by dataset, model, cells and seed only, so mixing, say, two epoch counts in one
    folder would silently mix results; more datasets, models, cell counts or seeds are fine.
    """
    path = Path(out) / SETTINGS
    if path.is_file():
        try:
            held = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise DataError(f"{path} is not readable JSON; remove it or use another --out") from None
        differ = {k: (held.get(k), v) for k, v in settings.items() if held.get(k) != v}
        if differ:
            what = ", ".join(f"{k} {a!r} (now {b!r})" for k, (a, b) in differ.items())
            raise DataError(f"{out} holds a sweep trained with {what}; use another --out or the same settings")
        return
    write_json_atomic(path, settings)


def finished_metrics(out: str | os.PathLike) -> list[dict]:
    """Metrics of every finished unit in the folder (whatever command trained them)."""
    rows = []
    for path in sorted((Path(out) / "units").glob(f"*/{METRICS}")):
        try:
            rows.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return rows


def finished_keys(out: str | os.PathLike) -> list[str]:
    """Keys of the finished units in the folder (their metrics files exist)."""
    return sorted(p.parent.name for p in (Path(out) / "units").glob(f"*/{METRICS}"))


def results_table(metrics: list[dict]) -> pd.DataFrame:
    """One row per trained unit (:data:`RESULT_COLUMNS`), candidates before the refit of each group.

    ``selected`` marks the refit model chosen on validation; a candidate's ``test_accuracy`` is that
    of the candidate model (trained on the fit part), recorded so that what picking on the test
    set would report can be seen beside the fair number.
    """
    df = pd.DataFrame([{c: m.get(c) for c in RESULT_COLUMNS} for m in metrics], columns=RESULT_COLUMNS)
    if df.empty:
        return df
    df["selected"] = df["stage"] == REFIT
    for col in ("cells", "seed", "n_fit", "n_val", "n_test", "epochs", "best_epoch"):
        df[col] = df[col].astype("Int64")  # n_val is empty for a refit; counts stay integers in the CSV
    df["_stage"] = df["stage"].map({CANDIDATE: 0, REFIT: 1})
    df = df.sort_values(["dataset", "model", "seed", "_stage", "cells"], kind="stable").drop(columns="_stage")
    return df.reset_index(drop=True)


def write_results(out: str | os.PathLike, table: pd.DataFrame) -> Path:
    return write_text_atomic(Path(out) / RESULTS, table.to_csv(index=False, float_format="%.6f"))


def read_results(out: str | os.PathLike) -> pd.DataFrame:
    """``DIR/results.csv``; raises DataError naming the folder when it holds no sweep."""
    path = Path(out) / RESULTS
    if not path.is_file():
        raise DataError(f"{out} holds no results.csv; expected the --out folder of `python -m lstmfcn sweep`")
    return parse_results(path, str(path))


def parse_results(source, name: str, max_rows: int | None = None) -> pd.DataFrame:
    """A results table from a path or a file object (``name`` for messages), checked for the
    columns a sweep writes; more than ``max_rows`` rows is refused (the dashboard's bound)."""
    try:
        df = pd.read_csv(source, nrows=None if max_rows is None else max_rows + 1)
    except (OSError, ValueError) as exc:
        raise DataError(f"{name} cannot be read as a results table: {exc}") from None
    if max_rows is not None and len(df) > max_rows:
        raise DataError(f"{name} has more than {max_rows} rows, more than the dashboard reads; is it a sweep's?")
    missing = [
        c for c in ("dataset", "model", "cells", "seed", "val_accuracy", "test_accuracy", "selected") if c not in df
    ]
    if missing:
        raise DataError(f"{name} lacks the column(s) {', '.join(missing)}; expected a sweep's results table")
    return df
