"""The authors' published test accuracies, shipped as data with their source (see each CSV's header).

* ``training_loss``: the authors' repository table "based on minimum training loss" (85 UCR
  datasets; the recipe this package follows);
* ``table1``: Table 1 of the LSTM-FCN paper (weights checkpointed on the test split), for the
  datasets of the embedded catalog only.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

#: Published table name -> (file, what to call it).
TABLES = {
    "training_loss": ("training_loss.csv", "authors' repository, minimum training loss"),
    "table1": ("table1.csv", "LSTM-FCN paper, Table 1"),
}
#: The published columns, by architecture key.
MODELS = ("lstmfcn", "alstmfcn")


@cache
def published_table(name: str = "training_loss") -> pd.DataFrame:
    """Columns ``dataset, authors_name, lstmfcn, alstmfcn`` (test accuracies in 0..1)."""
    file, _ = TABLES[name]
    with resources.files(__package__).joinpath("published", file).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, comment="#")


def source_note(name: str = "training_loss") -> str:
    """The header lines of a table's file: where its numbers come from."""
    file, _ = TABLES[name]
    text = resources.files(__package__).joinpath("published", file).read_text(encoding="utf-8")
    return " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))


def published_accuracy(dataset: str, model: str, table: str = "training_loss") -> float | None:
    """The published test accuracy of ``model`` on ``dataset`` (case-insensitive), or None."""
    if model not in MODELS:
        return None
    df = published_table(table)
    row = df[df["dataset"].str.lower() == dataset.lower()]
    return None if row.empty else float(row.iloc[0][model])
