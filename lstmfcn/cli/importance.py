"""``lstmfcn importance``: what the model relies on across a split, per class, with intervals."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UserInputError
from ._common import DEVICES, add_fit_switches, add_model_input_arguments, print_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "importance",
        help="permutation importance of each variable and stretch of time, per class, with intervals, "
        "and whether the maps agree",
    )
    add_model_input_arguments(s)
    s.add_argument(
        "--window",
        type=int,
        default=None,
        help="window width in steps (default: a tenth of the series, a fifth with several variables)",
    )
    s.add_argument("--stride", type=int, default=None, help="steps between windows (default: the window)")
    s.add_argument("--repeats", type=int, default=5, help="random permutations per variable and window")
    s.add_argument("--mode", default="permute", choices=["permute", "baseline"], help="shuffle across series, or blank")
    s.add_argument("--baseline", default="zeros", choices=["zeros", "mean"], help="what a blanked unit holds")
    s.add_argument("--samples", default="300", help="class-balanced series to use, or 'all' (default 300)")
    s.add_argument("--metric", default="accuracy", choices=["accuracy", "log_prob"], help="the loss reported")
    s.add_argument("--maps", default="cam,ig", help="methods whose maps are compared with the importance, or 'none'")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--device", default="auto", choices=DEVICES)
    s.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_fit_switches(s)
    s.set_defaults(run=run)


def _samples(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        raise UserInputError(f"--samples must be a number or 'all', got {text!r}") from None
    if n < 1:
        raise UserInputError(f"--samples must be at least 1, got {n}")
    return n


def run(args: argparse.Namespace) -> int:
    from ..checkpoint import load_checkpoint
    from ..data import load_dataset
    from ..device import resolve_device
    from ..explain import parse_methods
    from ..importance.agreement import map_agreement
    from ..importance.on_dataset import importance_on, split_sample
    from ..importance.sentences import agreement_sentence, importance_sentence

    if args.repeats < 1:
        raise UserInputError(f"--repeats must be at least 1, got {args.repeats}")
    samples = _samples(args.samples)
    maps = [] if args.maps.strip().lower() == "none" else parse_methods(args.maps)
    model, _ = load_checkpoint(args.checkpoint)
    model.to(resolve_device(args.device))
    ds = load_dataset(args.dataset)
    sample = split_sample(model, ds, args.split, samples, resample=args.resample, class_subset=args.class_subset)
    for w in sample.inputs.warnings:
        print(f"warning: {w}", file=sys.stderr)
    result = importance_on(
        sample,
        model,
        window=args.window,
        stride=args.stride,
        repeats=args.repeats,
        mode=args.mode,
        baseline=args.baseline,
        seed=args.seed,
        progress=_progress_line("importance") if not args.json else None,
    )
    agreement = {}
    if maps:
        x, rows = sample.inputs, sample.rows
        agreement = map_agreement(model, x.X[rows], x.y[rows], x.lengths[rows], result, methods=maps)
    groups = [None, *result.classes_by_dependence(args.metric)]
    if args.json:
        out = result.to_json(args.metric)
        out.update(
            dataset=ds.name, split=args.split, checkpoint=str(args.checkpoint), warnings=list(sample.inputs.warnings)
        )
        out["sentences"] = {"overall": importance_sentence(result, None, args.metric)} | {
            c: importance_sentence(result, c, args.metric) for c in result.by_class
        }
        out["agreement"] = {
            m: {"over": a.over, "overall": _num(a.overall), "classes": {c: _num(r) for c, r in a.by_class.items()}}
            for m, a in agreement.items()
        }
        print(json.dumps(out))
        return 0
    print(f"{ds.name} {args.split}: {len(sample.rows)} series, {result.repeats} repeats, mode {result.mode}")
    for g in groups:
        print(importance_sentence(result, g, args.metric))
    if agreement:
        print(agreement_sentence(agreement))
    _print_grid(result, args.metric)
    return 0


def _num(x: float) -> float | None:
    return None if x != x else round(float(x), 4)


def _print_grid(result, metric: str) -> None:
    """The overall importances: one row per variable, whole and per window, with the interval."""
    g = result.overall[metric]
    level = f"{result.level:.0%}"
    print(f"\noverall {metric} lost, with {level} intervals (rows: variables; columns: whole, then windows)")
    rows = []
    for v, name in enumerate(result.variables):
        row = {"variable": name, "whole": _cell(g.variable, v)}
        row.update({f"{a}-{b - 1}": _cell(g.window, (v, w)) for w, (a, b) in enumerate(result.windows)})
        rows.append(row)
    print_table(rows, ["variable", "whole", *(f"{a}-{b - 1}" for a, b in result.windows)])


def _cell(estimate, at) -> str:
    i, lo, hi = estimate.importance[at], estimate.low[at], estimate.high[at]
    return "n/a" if i != i else f"{i:.3f} [{lo:.3f}, {hi:.3f}]"


def _progress_line(what: str):
    said = [-1]

    def progress(fraction: float) -> None:
        tenth = int(fraction * 10)
        if tenth > said[0]:
            said[0] = tenth
            print(f"{what}: {fraction:4.0%}", file=sys.stderr, flush=True)

    return progress
