"""``lstmfcn explain`` and ``lstmfcn faithfulness``: explanation maps of a model's decisions, and how far to trust them."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UserInputError
from ._common import DEVICES, add_fit_switches, add_model_input_arguments, model_input_for, print_table


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
    from ..explain.methods import METHODS

    s.add_argument("--methods", default=methods, help=f"comma-separated method names: {', '.join(METHODS)}")
    s.add_argument("--target", default="predicted", help="class to explain: predicted, true, all or a class index")
    s.add_argument("--limit", type=int, default=None, help="use only the first N samples of the split")
    s.add_argument(
        "--baseline",
        default=baseline,
        choices=["zeros", "mean", "blur"],
        help="reference series for path and perturbation methods" + baseline_help,
    )
    add_option_flags(s)
    s.add_argument("--device", default="auto", choices=DEVICES)
    add_fit_switches(s)


def add_option_flags(s: argparse.ArgumentParser) -> None:
    """A flag for each method option that names one (:func:`lstmfcn.explain.methods.option_flags`):
    ``--ig-steps``, ``--window``, ``--per-variable``/``--all-variables``, …; its value lands in
    ``args.<option name>``, None when not given (the method's default), unless the field says a default."""
    from ..explain.methods import option_flags

    for name, (f, _) in option_flags().items():
        flag, help_, off = f.metadata["flag"], f.metadata["help"], f.metadata.get("off")
        if off is None:
            how = {"default": None, **f.metadata["argparse"]}
            if "choices" not in how:  # the flag's own name in the usage line, as argparse writes it
                how.setdefault("metavar", flag.lstrip("-").replace("-", "_").upper())
            s.add_argument(flag, dest=name, help=help_, **how)
            continue
        group = s.add_mutually_exclusive_group()  # a switch and its opposite: True, False or None
        group.add_argument(flag, dest=name, action="store_const", const=True, default=None, help=help_)
        group.add_argument(off[0], dest=name, action="store_const", const=False, help=off[1])


def method_options_from_args(args: argparse.Namespace, methods: list[str]) -> dict:
    """The method options given on the command line (option name → value), checked before the model loads.

    A bad value exits 2 with the flag's name. A flag no chosen method uses is said on stderr, not
    refused: scripts often keep the same flags while changing ``--methods``.
    """
    from ..explain.methods import METHODS, option_flags
    from ..explain.options import OptionError

    flags = option_flags()
    given = {name: getattr(args, name) for name in flags if getattr(args, name) is not None}
    for spec in METHODS.values():
        try:
            spec.make_options(**given)
        except OptionError as err:
            raise UserInputError(f"{flags[err.option][0].metadata['flag']} {err.problem}") from err
    for name, (f, owners) in flags.items():
        # a flag with a default (--ig-steps, --ig-rule) is always "given": only the others are said
        said = f.metadata["argparse"].get("default") is None and name in given
        if said and not set(owners) & set(methods):
            flag = "/".join([f.metadata["flag"], *f.metadata.get("off", ())[:1]])
            print(f"warning: {flag} changes only {' and '.join(owners)}, not among the methods", file=sys.stderr)
    return given


def _explain_inputs(args: argparse.Namespace):
    """Model (on the chosen device), dataset, aligned split and target for explain/faithfulness."""
    from ..checkpoint import load_checkpoint
    from ..data import load_dataset
    from ..device import resolve_device

    if args.limit is not None and args.limit < 1:
        raise UserInputError(f"--limit must be at least 1, got {args.limit}")
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
    options = method_options_from_args(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    res = explain(
        model,
        X,
        methods,
        target=target,
        y=y,
        lengths=lengths,
        baseline=args.baseline,
        ig_steps=options.pop("n_steps"),
        **options,
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
    options = method_options_from_args(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    if target == "all":
        raise UserInputError("faithfulness needs one class per sample: use --target predicted, true or a class index")
    ig_steps = options.pop("n_steps")  # explain's own argument
    res = explain(
        model, X, methods, target=target, y=y, lengths=lengths, baseline=args.baseline, ig_steps=ig_steps, **options
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
            n_steps=ig_steps,
            **options,
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
