"""``lstmfcn datasets`` and ``lstmfcn describe``: the embedded catalog, and one dataset in numbers."""

from __future__ import annotations

import argparse
import json

from ._common import print_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("datasets", help="list the embedded dataset catalog")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(run=run_datasets)

    s = sub.add_parser("describe", help="sizes, length, variables, classes and balance of a dataset")
    s.add_argument("dataset", help="embedded dataset name or a file path")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run_describe)


def run_datasets(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from ..data import list_datasets

    rows = [asdict(e) for e in list_datasets()]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(rows, ["name", "source", "n_train", "n_test", "length", "n_vars", "n_classes", "equal_length"])
    return 0


def run_describe(args: argparse.Namespace) -> int:
    import numpy as np

    from ..data import load_dataset

    ds = load_dataset(args.dataset)
    info = {
        "name": ds.name,
        "source": ds.source,
        "n_train": int(len(ds.y_train)),
        "n_test": int(len(ds.y_test)),
        "length": ds.length,
        "min_length": int(min(ds.lengths_train.min(), ds.lengths_test.min() if len(ds.lengths_test) else ds.length)),
        "n_vars": ds.n_vars,
        "n_classes": ds.n_classes,
        "classes": list(ds.classes),
        "train_counts": np.bincount(ds.y_train, minlength=ds.n_classes).tolist(),
        "test_counts": np.bincount(ds.y_test, minlength=ds.n_classes).tolist(),
        "preprocessing": ds.preprocessing,
    }
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    for key in ("name", "source", "n_train", "n_test", "length", "min_length", "n_vars", "n_classes"):
        print(f"{key:>11}: {info[key]}")
    print_table(
        [
            {"class": c, "train": a, "test": b}
            for c, a, b in zip(ds.classes, info["train_counts"], info["test_counts"], strict=True)
        ],
        ["class", "train", "test"],
    )
    return 0
