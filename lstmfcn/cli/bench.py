"""``lstmfcn bench``: the project's way against the straightforward way, timed."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UserInputError
from ._common import DEVICES


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("bench", help="time inference, CAM, Captum methods and training against the straightforward way")
    s.add_argument("--device", default="auto", choices=DEVICES)
    s.add_argument("--quick", action="store_true", help="small shapes: under a minute on 2 CPU cores")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--targets", action="store_true", help="instead: time the interactive cases the targets are set for")
    s.add_argument(
        "--scaling",
        metavar="FILE",
        help="instead: time CAM and IG against N and T and plot them to FILE "
        "(.html, or .png rendered by Chromium through playwright)",
    )
    s.add_argument(
        "--oneliner",
        action="store_true",
        help="instead: ours against the one-line batched Captum call (IG, saliency, input x gradient, DeepLift, "
        "GradientSHAP) on every zoo architecture: numbers, times, peak memory, GFLOP/s against the machine's float32 peak (best of a matmul and a conv), "
        "and adaptive IG's time to a 1%% gap per rule",
    )
    s.add_argument(
        "--time-left",
        action="store_true",
        help="instead: run the dashboard's faithfulness check on shipped models (GunPoint LSTM-FCN, BasicMotions "
        "MLSTM-FCN) and print its time-left estimates after the first chunk and at 25/50/75%% against the truth "
        "(with --quick: two cheap methods on fewer samples)",
    )
    s.add_argument(
        "--check",
        action="store_true",
        help="instead: every CUDA path (inference, CAM, attention, each method, faithfulness, training with and "
        "without --amp) on --device against the CPU, with tolerances and times; needs only torch, numpy, pandas, "
        "scipy and safetensors (Captum's methods where Captum is installed); reads --data; exit status 1 when a "
        "path is out of tolerance",
    )
    s.add_argument("--data", metavar="DIR", help="with --check: the folder of <dataset>.npz files --export-data wrote")
    s.add_argument(
        "--export-data",
        metavar="DIR",
        help="instead: write the check's data (GunPoint.npz, BasicMotions.npz) to DIR, on a machine with the archives",
    )
    s.add_argument("--models", help="with --check: shipped model names, comma-separated (default: one of each kind)")
    s.add_argument("--samples", type=int, default=16, help="with --check: test series each path explains")
    s.add_argument("--limit", type=int, default=None, help="with --oneliner: the first N test series of each set")
    s.add_argument("--repeats", type=int, default=3, help="with --oneliner: interleaved timed runs of each way")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..bench import format_table, run_bench

    if args.scaling:
        return _scaling(args)
    if args.export_data or args.check:
        return _gpu_check(args)
    if args.oneliner:
        from ..bench.oneliner import format_oneliner, run_oneliner_bench

        if args.device == "cuda":
            raise UserInputError("--oneliner compares on the CPU (the question is CPU speed); use --device cpu or auto")
        if (args.limit is not None and args.limit < 1) or args.repeats < 1:
            raise UserInputError("--limit and --repeats must be at least 1")
        result = run_oneliner_bench(
            repeats=args.repeats, limit=args.limit, progress=lambda what: print(f"timing {what} …", file=sys.stderr)
        )
        print(json.dumps(result, indent=1) if args.json else format_oneliner(result))
        return 0
    if args.time_left:
        from ..bench.time_left import CASES, format_time_left, run_time_left_bench

        quick = {"cases": [(d, z, min(n, 32)) for d, z, n in CASES], "methods": ("cam", "saliency")}
        result = run_time_left_bench(
            **(quick if args.quick else {}), progress=lambda what: print(f"checking {what} …", file=sys.stderr)
        )
        print(json.dumps(result, indent=1) if args.json else format_time_left(result))
        return 0
    if args.targets:
        from ..bench import target_timings
        from ..bench.verdict_targets import format_targets, verdict_targets

        timings = target_timings(args.device)
        if not args.json:
            print("\n".join(f"{v * 1e3:9.1f} ms  {k}" for k, v in timings.items()), flush=True)
        # The verdicts' targets (issue #32) run on the CPU as the dashboard runs them there.
        rows = verdict_targets(progress=lambda what: print(f"timing {what} …", file=sys.stderr))
        print(
            json.dumps({"timings": timings, "targets": [r.to_dict() for r in rows]}, indent=1)
            if args.json
            else "\n" + format_targets(rows)
        )
        return 0
    result = run_bench(args.device, quick=args.quick, progress=lambda what: print(f"timing {what} …", file=sys.stderr))
    print(json.dumps(result, indent=1) if args.json else format_table(result))
    return 0


def _gpu_check(args: argparse.Namespace) -> int:
    from ..bench import gpu_check

    if args.export_data:
        for path in gpu_check.export_check_data(args.export_data):
            print(path)
        return 0
    if not args.data:
        raise UserInputError("--check reads its data from --data DIR (written by --export-data DIR)")
    device = "cuda" if args.device in ("auto", "cuda") and _cuda() else args.device
    if device == "auto":
        device = "cpu"
    models = tuple(m.strip() for m in args.models.split(",")) if args.models else gpu_check.CHECK_MODELS
    rows = gpu_check.run_check(
        device,
        args.data,
        models=models,
        samples=args.samples,
        progress=lambda what: print(f"checking {what} …", file=sys.stderr),
    )
    print(json.dumps(gpu_check.rows_as_dicts(rows), indent=1) if args.json else gpu_check.format_check(rows, device))
    return 0 if all(r.ok for r in rows) else 1


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _scaling(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..bench import scaling_curves, scaling_figures

    out = Path(args.scaling)
    if out.suffix.lower() not in (".html", ".png"):
        raise UserInputError(f"--scaling writes .html or .png, not {out.suffix or 'a file without suffix'}")
    curves = scaling_curves(args.device)
    figs = scaling_figures(curves)
    html = figs[0].to_html(include_plotlyjs=True, full_html=False) + figs[1].to_html(
        include_plotlyjs=False, full_html=False
    )
    page = f"<html><head><meta charset='utf-8'><title>Scaling</title></head><body>{html}</body></html>"
    if out.suffix.lower() == ".png":
        _render_png(page, out)
    else:
        out.write_text(page, encoding="utf-8")
    print(json.dumps(curves, indent=1))
    return 0


def _render_png(page_html: str, out) -> None:
    """Screenshot ``page_html`` with a local Chromium (a PNG for docs that cannot embed plotly.js)."""
    import os
    import shutil

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UserInputError("a .png needs the playwright package (pip install -r requirements-dev.txt)") from None
    chromium = os.environ.get("LSTMFCN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise UserInputError("a .png needs Chromium (apt-get install -y chromium, or set LSTMFCN_CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 900, "height": 900})
            tab.set_content(page_html, wait_until="load")
            tab.wait_for_selector(".plotly .main-svg")
            tab.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
