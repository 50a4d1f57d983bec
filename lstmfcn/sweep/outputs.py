"""What a sweep leaves in its folder once its units are trained: the results table, the comparisons
with the published numbers (CSV, and one plotly HTML chart), and a summary."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import store
from .compare import comparison_table, summary_text
from .published import TABLES

COMPARISON_PLOT = "comparison.html"


def comparison_file(table: str) -> str:
    return f"comparison_{table}.csv"


def write_outputs(out: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], str]:
    """Write ``results.csv``, ``comparison_<table>.csv``, ``comparison.html`` and ``summary.txt`` from
    every finished unit under ``out``; returns ``(results, comparisons, summary)``."""
    from lstmfcn.figures import figure_html, sweep_comparison_figure

    out = Path(out)
    results = store.results_table(store.finished_metrics(out))
    store.write_results(out, results)
    comparisons = {name: comparison_table(results, name) for name in TABLES} if len(results) else {}
    for name, comp in comparisons.items():
        store.write_text_atomic(out / comparison_file(name), comp.to_csv(index=False, float_format="%.6f"))
    if comparisons:
        fig = sweep_comparison_figure(comparisons["training_loss"], TABLES["training_loss"][1])
        store.write_text_atomic(out / COMPARISON_PLOT, figure_html(fig, title=f"Sweep {out.name}"))
    summary = summary_text(results, comparisons) if len(results) else "no finished units"
    store.write_text_atomic(out / "summary.txt", summary + "\n")
    return results, comparisons, summary
