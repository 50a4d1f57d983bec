"""``python -m lstmfcn bench``: the project's way against the straightforward way, timed."""

from __future__ import annotations

import argparse
import json
import sys

from .cli import command


def add_bench_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("bench", help="time inference, CAM, Captum methods and training against the straightforward way")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    s.add_argument("--quick", action="store_true", help="small shapes: under a minute on 2 CPU cores")
    s.add_argument("--json", action="store_true", help="print one JSON object")


@command("bench")
def _bench(args: argparse.Namespace) -> int:
    from .bench import format_table, run_bench

    result = run_bench(args.device, quick=args.quick, progress=lambda what: print(f"timing {what} …", file=sys.stderr))
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    return 0
