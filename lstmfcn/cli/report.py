"""``lstmfcn report``: one self-contained HTML report of a checkpoint on a dataset (opens offline)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import UserInputError
from ._common import DEVICES, add_fit_switches, add_model_input_arguments


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "report",
        help="one HTML file (opens offline): accuracy, guided examples, class-average CAMs, attention, "
        "faithfulness and sanity verdicts",
    )
    add_model_input_arguments(s)
    s.add_argument(
        "--samples",
        type=int,
        default=200,
        help="class-balanced samples for the class averages (faithfulness and sanity use at most 32 and 16)",
    )
    s.add_argument("--methods", default="ig", help="comma-separated methods whose faithfulness is checked")
    s.add_argument("--out", default=None, help="HTML file to write (default DATASET__CHECKPOINT__SPLIT.html)")
    s.add_argument("--device", default="auto", choices=DEVICES)
    s.add_argument(
        "--names",
        default="",
        help="renames of classes and variables as JSON, as the dashboard's link carries them, e.g. "
        '\'{"classes": {"1": "Gun"}, "variables": {"0": "x"}}\'',
    )
    s.add_argument(
        "--no-importance",
        dest="importance",
        action="store_false",
        help="leave out 'What matters' (permutation importance per class, the report's slowest part)",
    )
    add_fit_switches(s)
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..checkpoint import load_checkpoint
    from ..data import load_dataset
    from ..device import resolve_device
    from ..explain import parse_methods
    from ..inputs import check_fit
    from ..report import build_report

    if args.samples < 1:
        raise UserInputError(f"--samples must be at least 1, got {args.samples}")
    methods = parse_methods(args.methods)  # a bad name fails before the model loads
    renames = _renames(args.names)
    checkpoint = Path(args.checkpoint)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        raise UserInputError(f"--out must end in .html, got '{out.name}'")
    model, _ = load_checkpoint(checkpoint)
    model.to(resolve_device(args.device))
    ds = load_dataset(args.dataset)
    for w in check_fit(model, ds, resample=args.resample, class_subset=args.class_subset).warnings:
        print(f"warning: {w} (the report says so too)", file=sys.stderr)
    out = out or Path(f"{ds.name}__{checkpoint.stem}__{args.split}.html")
    t0 = time.perf_counter()
    page = build_report(
        model,
        ds,
        args.split,
        samples=args.samples,
        methods=methods,
        progress=_progress_line,
        resample=args.resample,
        class_subset=args.class_subset,
        model_name=checkpoint.stem,
        renames=renames,
        importance=args.importance,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    print(f"saved {out} ({len(page.encode()) / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    return 0


def _renames(text: str) -> dict:
    """``--names`` read as the dashboard reads its link's ``names``; malformed JSON is an error here."""
    from ..dashboard.state import parse_names

    renames = parse_names(text)
    if text.strip() and not renames:
        raise UserInputError('--names must be JSON like {"classes": {"1": "Gun"}, "variables": {"0": "x"}}')
    return renames


def _progress_line(fraction: float, what: str) -> None:
    """One line on stderr as each part of the report starts."""
    print(f"report: {fraction:4.0%} {what}", file=sys.stderr, flush=True)
