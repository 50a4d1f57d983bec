"""Ours against the published numbers: per (dataset, model), the selected model's test accuracy,
theirs, the difference, and a count of wins, draws and losses."""

from __future__ import annotations

import pandas as pd

from .published import TABLES, published_accuracy

COMPARISON_COLUMNS = ["dataset", "model", "cells", "ours", "theirs", "difference", "outcome", "n_test", "seeds"]


def comparison_table(results: pd.DataFrame, table: str = "training_loss") -> pd.DataFrame:
    """One row per (dataset, model) with a selected (refit) model and a published number.

    ``ours`` is the selected models' test accuracy (mean over seeds), ``difference`` ours − theirs;
    ``outcome`` is ``"draw"`` when they differ by less than half a test sample (the published
    figures are rounded), else ``"win"`` or ``"loss"``.
    """
    sel = results[results["selected"].astype(bool)]
    rows = []
    for (dataset, model), g in sel.groupby(["dataset", "model"], sort=True):
        theirs = published_accuracy(str(dataset), str(model), table)
        if theirs is None:
            continue
        ours = float(g["test_accuracy"].mean())
        n_test = int(g["n_test"].iloc[0]) if "n_test" in g and pd.notna(g["n_test"].iloc[0]) else None
        diff = ours - theirs
        tolerance = 0.5 / n_test if n_test else 5e-5
        outcome = "draw" if abs(diff) < tolerance else "win" if diff > 0 else "loss"
        cells = "/".join(str(int(c)) for c in g["cells"])
        rows.append([dataset, model, cells, ours, theirs, diff, outcome, n_test, len(g)])
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def tally(comparison: pd.DataFrame) -> dict[str, int]:
    """``{"win": …, "draw": …, "loss": …}``."""
    counts = comparison["outcome"].value_counts() if len(comparison) else {}
    return {k: int(counts.get(k, 0)) for k in ("win", "draw", "loss")}


def summary_text(results: pd.DataFrame, comparisons: dict[str, pd.DataFrame]) -> str:
    """A few lines for the end of a sweep: units, selections, and the tally against each table."""
    sel = results[results["selected"].astype(bool)]
    lines = [f"{len(results)} units trained, {len(sel)} selected models (cell count chosen on validation)"]
    for _, r in sel.iterrows():
        cand = results[
            (results["dataset"] == r["dataset"])
            & (results["model"] == r["model"])
            & (results["seed"] == r["seed"])
            & ~results["selected"].astype(bool)
        ]
        picked_on_test = cand["test_accuracy"].max() if len(cand) else float("nan")
        lines.append(
            f"  {r['dataset']} {r['model']} seed {r['seed']}: {int(r['cells'])} cells (val {r['val_accuracy']:.4f}),"
            f" test {r['test_accuracy']:.4f}; best candidate on test {picked_on_test:.4f}"
        )
    for name, comp in comparisons.items():
        t = tally(comp)
        lines.append(f"against {TABLES[name][1]}: {t['win']} wins, {t['draw']} draws, {t['loss']} losses")
        for _, r in comp.iterrows():
            lines.append(
                f"  {r['dataset']} {r['model']}: ours {r['ours']:.4f}, theirs {r['theirs']:.4f}"
                f" ({100 * r['difference']:+.1f} points, {r['outcome']})"
            )
    return "\n".join(lines)
