"""What several subcommands share: the model-and-dataset arguments, their switches, tables."""

from __future__ import annotations

import argparse
import sys

DEVICES = ("auto", "cpu", "cuda")
RESAMPLE_HELP = "resample series to the model's length if they differ (--fix-length: its former name)"
CLASS_SUBSET_HELP = "evaluate on a dataset that holds only some of the model's classes"


def add_model_input_arguments(s: argparse.ArgumentParser) -> None:
    """``--checkpoint``, ``--dataset`` and ``--split``: a model and the data it is to read."""
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--split", default="test", choices=["train", "test"])


def add_fit_switches(s: argparse.ArgumentParser) -> None:
    """The switches that make a model and a dataset that do not quite fit usable (``WAY_OUT_FLAGS``)."""
    s.add_argument("--resample", "--fix-length", dest="resample", action="store_true", help=RESAMPLE_HELP)
    s.add_argument("--class-subset", action="store_true", help=CLASS_SUBSET_HELP)


def model_input_for(model, ds, args: argparse.Namespace):
    """The model's input from ``args.split`` of ``ds`` (:func:`lstmfcn.model_input`), its warnings on stderr."""
    from ..inputs import model_input

    split = model_input(model, ds, args.split, resample=args.resample, class_subset=args.class_subset)
    for w in split.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return split


def print_table(rows: list[dict], columns: list[str]) -> None:
    """``rows`` as left-aligned columns under a header line."""
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))
