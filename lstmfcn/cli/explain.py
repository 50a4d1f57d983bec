"""``lstmfcn explain`` and ``lstmfcn faithfulness``: explanation maps of a model's decisions, and how far to trust them."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UserInputError
from ._common import DEVICES, add_fit_switches, add_model_input_arguments, model_input_for, print_table

METHODS_HELP = (
    "comma-separated method names: cam, attention, ig, saliency, input_x_gradient, deeplift, gradient_shap, "
    "occlusion, ablation, gradcam"
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "explain",
        help="explanation maps (CAM, attention, Integrated Gradients, …) of a model's decisions, saved as .npz",
    )
    _add_common_arguments(s, methods="cam,attention,ig", baseline="zeros", baseline_help="")
    s.add_argument("--out", required=True, help=".npz file to write")
    s.set_defaults(run=run_explain)

    s = sub.add_parser(
        "faithfulness", help="deletion/insertion AOPC of explanation methods against random, and sanity checks"
    )
    _add_common_arguments(
        s,
        methods="cam,ig,occlusion",
        baseline="blur",
        baseline_help="; also what deleted steps become (blur: fewer out-of-distribution jumps)",
    )
    s.add_argument("--steps", type=int, default=20, help="fractions of the series deleted/inserted (20 = every 5%%)")
    s.add_argument(
        "--order", default="signed", choices=["signed", "abs"], help="rank steps by signed or absolute attribution"
    )
    s.add_argument(
        "--segment-length",
        type=int,
        default=None,
        help="rank steps in contiguous segments of this length (default T/30)",
    )
    s.add_argument("--random-seeds", type=int, default=3, help="random orderings averaged as the control")
    s.add_argument("--no-sanity", action="store_true", help="skip the model-randomisation sanity check")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run_faithfulness)


def _add_common_arguments(s: argparse.ArgumentParser, *, methods: str, baseline: str, baseline_help: str) -> None:
    """What explain and faithfulness both take: the model and data, the methods and their settings."""
    add_model_input_arguments(s)
    s.add_argument("--methods", default=methods, help=METHODS_HELP)
    s.add_argument("--target", default="predicted", help="class to explain: predicted, true, all or a class index")
    s.add_argument("--limit", type=int, default=None, help="use only the first N samples of the split")
    s.add_argument(
        "--baseline",
        default=baseline,
        choices=["zeros", "mean", "blur"],
        help="reference series for path and perturbation methods" + baseline_help,
    )
    s.add_argument("--ig-steps", type=int, default=32, help="Integrated Gradients quadrature steps")
    s.add_argument(
        "--ig-rule",
        default="gausslegendre",
        choices=[
            "gausslegendre",
            "riemann_trapezoid",
            "riemann_middle",
            "riemann_left",
            "riemann_right",
            "clenshaw_curtis",
        ],
        help="Integrated Gradients quadrature rule (clenshaw_curtis: nested points, so --ig-tolerance computes only "
        "the new points when it refines; the dashboard's default is clenshaw_curtis from 9 points to 0.01)",
    )
    s.add_argument(
        "--ig-tolerance",
        type=float,
        default=None,
        help="adaptive IG: double each sample's steps (from --ig-steps) until |sum of attributions - "
        "(f(x) - f(baseline))| <= this fraction of |f(x) - f(baseline)| (e.g. 0.01)",
    )
    _add_perturbation_arguments(s)
    s.add_argument("--device", default="auto", choices=DEVICES)
    add_fit_switches(s)


def _add_perturbation_arguments(s: argparse.ArgumentParser) -> None:
    """Occlusion's window and stride, ablation's segments, and per-variable or all-variables."""
    s.add_argument("--window", type=int, default=None, help="occlusion window in steps (default T/10)")
    s.add_argument("--stride", type=int, default=None, help="steps between occlusion windows (default half the window)")
    s.add_argument("--segments", type=int, default=None, help="segment ablation's time segments (default 20)")
    group = s.add_mutually_exclusive_group()
    group.add_argument(
        "--per-variable",
        dest="per_variable",
        action="store_const",
        const=True,
        default=None,
        help="occlusion and ablation perturb one variable at a time: a map per variable, V times the forward "
        "passes (the default when the series have several variables)",
    )
    group.add_argument(
        "--all-variables",
        dest="per_variable",
        action="store_const",
        const=False,
        help="occlusion and ablation perturb every variable at once: one map over time, the same in every variable",
    )


_PERTURBATION_FLAGS = {  # option -> (flag, the methods it changes)
    "window": ("--window", ("occlusion",)),
    "stride": ("--stride", ("occlusion",)),
    "n_segments": ("--segments", ("ablation",)),
    "per_variable": ("--per-variable/--all-variables", ("occlusion", "ablation")),
}


def _perturbation_options(args: argparse.Namespace, methods: list[str]) -> dict:
    """The occlusion/ablation options given on the command line, checked before the model loads.

    A flag no chosen method uses is said on stderr, not refused: scripts often keep the same flags
    while changing ``--methods``.
    """
    given = {"window": args.window, "stride": args.stride, "n_segments": args.segments}
    for key, value in given.items():
        if value is not None and value < 1:
            raise UserInputError(f"{_PERTURBATION_FLAGS[key][0]} must be at least 1, got {value}")
    opts = {k: v for k, v in {**given, "per_variable": args.per_variable}.items() if v is not None}
    for key in opts:
        flag, owners = _PERTURBATION_FLAGS[key]
        if not set(owners) & set(methods):
            print(f"warning: {flag} changes only {' and '.join(owners)}, not among the methods", file=sys.stderr)
    return opts


def _ig_options(args: argparse.Namespace) -> dict:
    """IG's rule and, when asked for, its adaptive tolerance (checked before any pass)."""
    if args.ig_tolerance is not None and args.ig_tolerance <= 0:
        raise UserInputError(f"--ig-tolerance must be positive (a fraction such as 0.01), got {args.ig_tolerance}")
    opts = {"integration": args.ig_rule}
    if args.ig_tolerance is not None:
        opts["tolerance"] = args.ig_tolerance
    return opts


def _explain_inputs(args: argparse.Namespace):
    """Model (on the chosen device), dataset, aligned split and target for explain/faithfulness."""
    from ..checkpoint import load_checkpoint
    from ..data import load_dataset
    from ..device import resolve_device

    if args.limit is not None and args.limit < 1:
        raise UserInputError(f"--limit must be at least 1, got {args.limit}")
    if args.ig_steps < 1:
        raise UserInputError(f"--ig-steps must be at least 1, got {args.ig_steps}")
    model, meta = load_checkpoint(args.checkpoint)
    model.to(resolve_device(args.device))
    ds = load_dataset(args.dataset)
    split = model_input_for(model, ds, args)
    n = len(split.y) if args.limit is None else min(args.limit, len(split.y))
    if n == 0:
        raise UserInputError(f"the {args.split} split of '{ds.name}' is empty")
    target = int(args.target) if args.target.lstrip("-").isdigit() else args.target
    return model, meta, ds, split.X[:n], split.y[:n], split.lengths[:n], target


def run_explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np

    from ..explain import explain, parse_methods

    out = Path(args.out)
    if out.suffix != ".npz":
        raise UserInputError(f"--out must end in .npz, got '{out.name}'")
    methods = parse_methods(args.methods)  # a bad name fails before the model loads
    perturb = _perturbation_options(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    res = explain(
        model,
        X,
        methods,
        target=target,
        y=y,
        lengths=lengths,
        baseline=args.baseline,
        ig_steps=args.ig_steps,
        **_ig_options(args),
        **perturb,
    )
    arrays = {
        "x": X,
        "y_true": y,
        "lengths": lengths,
        "logits": res["logits"],
        "predicted": res["predicted"],
        "target": res["target"],
        "cam_all": res["cam_all"],
        "cam_offset": res["cam_offset"],
        "classes": np.asarray([str(c) for c in meta["classes"]]),
    }
    arrays.update({name: res[name] for name in res["methods"]})
    if "ig_delta" in res:
        arrays["ig_delta"] = res["ig_delta"]
    if "attention_details" in res:
        arrays["attention_final"] = res["attention_details"].final  # (N, S)
    arrays["variants"] = np.asarray(json.dumps(res["variants"]))  # what ran, as JSON text (no pickle)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    for name, note in res["notes"].items():
        print(f"note ({name}): {note}", file=sys.stderr)
    print(f"saved {out}: {', '.join(res['methods'])} for {len(X)} {ds.name} {args.split} samples")
    for line in _variant_lines(res["variants"], X.shape[1]):
        print(line)
    return 0


def _variant_lines(variants: dict, n_vars: int) -> list[str]:
    """One line per method whose variant matters: perturbation costs, maps without a variable axis."""
    lines = [f"  {name}: {v['description']}" for name, v in variants.items() if "description" in v]
    if n_vars > 1:
        flat = [name for name, v in variants.items() if not v["variable_axis"]]
        if flat:
            lines.append(f"  {', '.join(flat)}: one value per time step, the same in every variable")
    return lines


def run_faithfulness(args: argparse.Namespace) -> int:
    from ..explain import explain, faithfulness_report, model_randomisation_check, parse_methods

    if args.steps < 1 or args.random_seeds < 1 or (args.segment_length is not None and args.segment_length < 1):
        raise UserInputError("--steps, --segment-length and --random-seeds must be at least 1")
    methods = parse_methods(args.methods)
    perturb = _perturbation_options(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    if target == "all":
        raise UserInputError("faithfulness needs one class per sample: use --target predicted, true or a class index")
    res = explain(
        model,
        X,
        methods,
        target=target,
        y=y,
        lengths=lengths,
        baseline=args.baseline,
        ig_steps=args.ig_steps,
        **_ig_options(args),
        **perturb,
    )
    maps = {name: res[name] for name in res["methods"]}
    report = faithfulness_report(
        model,
        X,
        res["target"],
        maps,
        lengths=lengths,
        baseline=args.baseline,
        n_steps=args.steps,
        order=args.order,
        segment_length=args.segment_length,
        random_seeds=args.random_seeds,
    )
    sanity = {}
    if not args.no_sanity:
        sanity = model_randomisation_check(
            model,
            X,
            res["target"],
            methods=list(maps),
            lengths=lengths,
            original=maps,
            baseline=args.baseline,
            n_steps=args.ig_steps,
            **perturb,
        )
    summary = {
        "dataset": ds.name,
        "split": args.split,
        "n": int(len(X)),
        "target": args.target,
        "faithfulness": report.to_dict(),
        "sanity": {name: r.to_dict() for name, r in sanity.items()},
        "notes": res["notes"],
        "variants": res["variants"],
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    for name, note in res["notes"].items():
        print(f"note ({name}): {note}", file=sys.stderr)
    print(
        f"{ds.name} {args.split}: {len(X)} samples, target {args.target}, baseline {args.baseline}, "
        f"{args.steps} steps, order {args.order}, segments of {report.segment_length} steps (AOPC: higher is better)"
    )
    for line in _variant_lines(res["variants"], X.shape[1]):
        print(line)
    f = summary["faithfulness"]
    rows = [
        {
            "method": name,
            "AOPC deletion": f"{m['aopc_deletion']:.4f}",
            "AOPC insertion": f"{m['aopc_insertion']:.4f}",
            "better than random": "yes" if m["better_than_random"] else "NO",
            "p": "n/a" if m["p_value"] is None else f"{m['p_value']:.2g}",
        }
        for name, m in f["methods"].items()
    ]
    rows.append(
        {
            "method": f"random ({args.random_seeds} seeds)",
            "AOPC deletion": f"{f['random']['aopc_deletion']:.4f}",
            "AOPC insertion": f"{f['random']['aopc_insertion']:.4f}",
        }
    )
    print_table(rows, ["method", "AOPC deletion", "AOPC insertion", "better than random", "p"])
    if sanity:
        print("sanity check: Spearman correlation of |maps| with randomised models (low is good):")
        print_table(
            [
                {"method": name, "head randomised": _fmt(r["head"]), "all layers randomised": _fmt(r["all"])}
                for name, r in summary["sanity"].items()
            ],
            ["method", "head randomised", "all layers randomised"],
        )
    return 0


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"
