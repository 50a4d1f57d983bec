"""``lstmfcn sweep``: train (dataset × model × cells × seed) units on Ray, resumably, with the cell
count chosen on a validation part of the training data, and compare with the published results."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from ._common import DEVICES


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "sweep",
        help="train many datasets × models × cell counts × seeds on Ray, resumably",
        description=(
            "Each unit is a Ray task; a finished unit is skipped when the same command runs again. "
            "Cell counts are chosen on a stratified validation part of the training split, the chosen "
            "one is refit on the whole training split and scored once on the test split."
        ),
    )
    s.add_argument("--datasets", help="embedded datasets, comma-separated (with --archive: those of the archive)")
    s.add_argument("--archive", help="a folder of NAME/NAME_TRAIN + NAME_TEST dataset folders (.tsv, .ts, …)")
    s.add_argument("--models", default="lstmfcn,alstmfcn", help="architectures, comma-separated")
    s.add_argument("--cells", default="8,64,128", help="LSTM cell counts to choose from, comma-separated")
    s.add_argument("--seeds", default="0", help="seeds, comma-separated")
    s.add_argument("--epochs", type=int, default=2000)
    s.add_argument("--val-fraction", type=float, default=0.2, help="part of the training split held out to choose")
    s.add_argument("--device", default="auto", choices=DEVICES, help="auto: a GPU per unit where Ray has GPUs")
    s.add_argument("--address", help="join this Ray cluster (default: start a local Ray)")
    s.add_argument("--num-cpus", type=int, help="local Ray only: CPUs to use (default: all cores)")
    s.add_argument("--threads", type=int, default=1, help="CPUs (torch threads) per unit")
    s.add_argument("--gpus-per-unit", type=float, default=1.0, help="GPU share per unit when training on GPU")
    s.add_argument("--out", required=True, help="the sweep folder (created; reused to resume)")
    s.set_defaults(run=run)


def build_plan(args: argparse.Namespace):
    from ..errors import DataError
    from ..sweep.plan import archive_datasets, check_models, embedded_datasets, parse_list
    from ..sweep.runner import SweepPlan
    from ..sweep.unit import UnitSettings

    if args.epochs < 1:
        raise DataError(f"--epochs {args.epochs}; expected at least 1")
    if not 0.0 < args.val_fraction < 1.0:
        raise DataError(f"--val-fraction {args.val_fraction}; expected a fraction between 0 and 1")
    names = parse_list(args.datasets, "datasets") if args.datasets else None
    if args.archive:
        datasets = archive_datasets(args.archive, names)
    elif names is None:
        raise DataError("no datasets given; expected --datasets A,B,… or --archive DIR")
    else:
        datasets = embedded_datasets(names)
    cells = parse_list(args.cells, "cells", int)
    if min(cells) < 1:
        raise DataError("--cells: expected positive cell counts")
    return SweepPlan(
        datasets=datasets,
        models=check_models(parse_list(args.models, "models")),
        cells=cells,
        seeds=parse_list(args.seeds, "seeds", int),
        settings=UnitSettings(epochs=args.epochs, val_fraction=args.val_fraction),
    )


def run(args: argparse.Namespace) -> int:
    plan = build_plan(args)  # every input error before Ray starts
    from ..sweep.lock import folder_lock

    with folder_lock(args.out):  # a second sweep on this folder refuses (exit 2) before Ray starts
        return _run_locked(plan, args)


def _run_locked(plan, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..sweep import runner
    from ..sweep.outputs import write_outputs

    started_ray = runner.connect(args.address, args.num_cpus, args.threads)
    # `kill PID` stops a sweep as Ctrl-C does (ray.init replaced the handler; a background job may
    # not receive SIGINT at all): tasks in flight are cancelled and the table of what is done written.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        use_gpu = args.device == "cuda" or (args.device == "auto" and runner.gpu_available())
        plan.settings = replace(plan.settings, device="cuda" if use_gpu else "cpu")
        t0 = time.perf_counter()
        outcome = runner.run_sweep(
            plan, args.out, threads=args.threads, gpus_per_unit=args.gpus_per_unit if use_gpu else 0.0, report=_say
        )
    except KeyboardInterrupt:
        write_outputs(args.out)  # the table of what is finished so far
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        if started_ray:
            runner.disconnect()
    _, _, summary = write_outputs(args.out)
    print(summary)
    print(
        f"{len(outcome.trained)} unit(s) trained in {(time.perf_counter() - t0) / 60:.1f} min, "
        f"{len(outcome.skipped)} skipped (already finished), {len(outcome.failed)} failed; "
        f"results in {args.out}/results.csv, comparison in {args.out}/comparison.html; "
        f"to open it in the dashboard: LSTMFCN_SWEEP_DIR={args.out} lstmfcn dashboard"
    )
    return 1 if outcome.failed else 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
