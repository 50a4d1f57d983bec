"""``lstmfcn evaluate``: accuracy, per-class accuracy and the confusion matrix of a checkpoint."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import add_fit_switches, add_model_input_arguments, model_input_for, print_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("evaluate", help="accuracy, per-class accuracy and confusion matrix")
    add_model_input_arguments(s)
    add_fit_switches(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..checkpoint import load_checkpoint
    from ..data import load_dataset
    from ..data.overlap import split_warning
    from ..evaluation import evaluate

    model, meta = load_checkpoint(args.checkpoint)
    ds = load_dataset(args.dataset)
    split = model_input_for(model, ds, args)
    result = evaluate(model, split.X, split.y, split.lengths).to_dict(meta["classes"])
    not_a_test = split_warning(meta, ds, args.split, Path(args.checkpoint).name)
    warnings = [*split.warnings, *([not_a_test] if not_a_test else [])]
    result.update(dataset=ds.name, split=args.split, checkpoint=str(args.checkpoint), warnings=warnings)
    if args.json:
        print(json.dumps(result))
        return 0
    for w in warnings:
        print(f"warning: {w}")
    print(f"{ds.name} {args.split}: accuracy {result['accuracy']:.4f} on {result['n']} samples")
    print_table(
        [{"class": c, "accuracy": "n/a" if a is None else f"{a:.4f}"} for c, a in result["per_class_accuracy"].items()],
        ["class", "accuracy"],
    )
    print("confusion matrix (rows: true, columns: predicted):")
    for c, row in zip(meta["classes"], result["confusion"], strict=True):
        print(f"  {str(c):>12} " + " ".join(f"{v:5d}" for v in row))
    return 0
