"""``python -m lstmfcn …``: the command-line interface.

Every input error exits with status 2 and one line on stderr naming the problem; nothing a user
can get wrong prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from .errors import LstmFcnError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    from .models import ARCHITECTURES

    p = argparse.ArgumentParser(
        prog="python -m lstmfcn", description="LSTM-FCN Explorer: train, evaluate and explain LSTM-FCN models."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("datasets", help="list the embedded dataset catalog")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")

    s = sub.add_parser("describe", help="sizes, length, variables, classes and balance of a dataset")
    s.add_argument("dataset", help="embedded dataset name or a file path")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("train", help="train a model with the papers' recipe")
    s.add_argument("--dataset", required=True, help="embedded dataset name or a file path")
    s.add_argument("--model", default="lstmfcn", choices=ARCHITECTURES)
    s.add_argument("--cells", type=int, default=8, help="LSTM cells (8, 64, 128 in the papers)")
    s.add_argument("--no-shuffle", action="store_true", help="LSTM reads T steps of V features (attention over time)")
    s.add_argument("--epochs", type=int, default=2000)
    s.add_argument("--batch-size", type=int, default=128)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    s.add_argument("--amp", action="store_true", help="bfloat16 mixed precision")
    s.add_argument("--normalize", default="per_sample", choices=["per_sample", "per_dataset", "none"])
    s.add_argument("--half", action="store_true", help="store weights as float16")
    s.add_argument("--resume", action="store_true", help="continue from OUT.resume.safetensors if present")
    s.add_argument("--save-every", type=int, default=200, help="epochs between resumable-state saves")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")

    s = sub.add_parser("evaluate", help="accuracy, per-class accuracy and confusion matrix")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--split", default="test", choices=["train", "test"])
    s.add_argument("--resample", "--resample", dest="resample", action="store_true", help=RESAMPLE_HELP)
    s.add_argument("--class-subset", action="store_true", help=CLASS_SUBSET_HELP)
    s.add_argument("--json", action="store_true")

    for name, help_text in (
        ("explain", "explanation maps (CAM, attention, Integrated Gradients, …) of a model's decisions, saved as .npz"),
        ("faithfulness", "deletion/insertion AOPC of explanation methods against random, and sanity checks"),
    ):
        s = sub.add_parser(name, help=help_text)
        s.add_argument("--checkpoint", required=True)
        s.add_argument("--dataset", required=True)
        s.add_argument("--split", default="test", choices=["train", "test"])
        s.add_argument(
            "--methods", default="cam,attention,ig" if name == "explain" else "cam,ig,occlusion",
            help="comma-separated method names: cam, attention, ig, saliency, input_x_gradient, deeplift, "
            "gradient_shap, occlusion, ablation, gradcam",
        )  # fmt: skip
        s.add_argument("--target", default="predicted", help="class to explain: predicted, true, all or a class index")
        s.add_argument("--limit", type=int, default=None, help="use only the first N samples of the split")
        s.add_argument(
            "--baseline", default="zeros" if name == "explain" else "blur", choices=["zeros", "mean", "blur"],
            help="reference series for path and perturbation methods"
            + ("" if name == "explain" else "; also what deleted steps become (blur: fewer out-of-distribution jumps)"),
        )  # fmt: skip
        s.add_argument("--ig-steps", type=int, default=32, help="Integrated Gradients quadrature steps")
        _add_perturbation_arguments(s)
        s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
        s.add_argument("--resample", "--resample", dest="resample", action="store_true", help=RESAMPLE_HELP)
        s.add_argument("--class-subset", action="store_true", help=CLASS_SUBSET_HELP)
    s = sub.choices["explain"]
    s.add_argument("--out", required=True, help=".npz file to write")
    s = sub.choices["faithfulness"]
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

    from .cli_bench import add_bench_parser
    from .cli_zoo import add_zoo_parser

    add_zoo_parser(sub)
    add_bench_parser(sub)
    return p


RESAMPLE_HELP = "resample series to the model's length if they differ (--fix-length: its former name)"
CLASS_SUBSET_HELP = "evaluate on a dataset that holds only some of the model's classes"
#: What a refusal adds when one flag would make the pair usable and meaningful.
WAY_OUT_FLAGS = {"resample": "; add --resample to do so", "class_subset": "; add --class-subset to do so anyway"}


def _add_perturbation_arguments(s: argparse.ArgumentParser) -> None:
    """Occlusion's window and stride, ablation's segments, and per-variable or all-variables."""
    s.add_argument("--window", type=int, default=None, help="occlusion window in steps (default T/10)")
    s.add_argument("--stride", type=int, default=None, help="steps between occlusion windows (default half the window)")
    s.add_argument("--segments", type=int, default=None, help="segment ablation's time segments (default 20)")
    group = s.add_mutually_exclusive_group()
    group.add_argument(
        "--per-variable", dest="per_variable", action="store_const", const=True, default=None,
        help="occlusion and ablation perturb one variable at a time: a map per variable, V times the forward "
        "passes (the default when the series have several variables)",
    )  # fmt: skip
    group.add_argument(
        "--all-variables", dest="per_variable", action="store_const", const=False,
        help="occlusion and ablation perturb every variable at once: one map over time, the same in every variable",
    )  # fmt: skip


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
            raise ValueError(f"{_PERTURBATION_FLAGS[key][0]} must be at least 1, got {value}")
    opts = {k: v for k, v in {**given, "per_variable": args.per_variable}.items() if v is not None}
    for key in opts:
        flag, owners = _PERTURBATION_FLAGS[key]
        if not set(owners) & set(methods):
            print(f"warning: {flag} changes only {' and '.join(owners)}, not among the methods", file=sys.stderr)
    return opts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse ends a subcommand's positionals at the first option, so `zoo train --device cpu NAME`
    # leaves NAME over; zoo entry names may come anywhere on the line.
    if extra and args.command == "zoo" and not any(a.startswith("-") for a in extra):
        args.names = [*args.names, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return COMMANDS[args.command](args)
    except LstmFcnError as exc:
        hint = WAY_OUT_FLAGS.get(getattr(exc, "way_out", None), "")
        print(f"error: {_one_line(str(exc))}{hint}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        # Anything else the user's input can provoke (a bad device name, an unreadable path).
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _one_line(message: str) -> str:
    """A message on one line: a reader's error may quote a file's text, newlines included."""
    return " ".join(message.split())


def _print_table(rows: list[dict], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


@command("datasets")
def _datasets(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .data import list_datasets

    rows = [asdict(e) for e in list_datasets()]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        _print_table(rows, ["name", "source", "n_train", "n_test", "length", "n_vars", "n_classes", "equal_length"])
    return 0


@command("describe")
def _describe(args: argparse.Namespace) -> int:
    import numpy as np

    from .data import load_dataset

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
    _print_table(
        [
            {"class": c, "train": a, "test": b}
            for c, a, b in zip(ds.classes, info["train_counts"], info["test_counts"], strict=True)
        ],
        ["class", "train", "test"],
    )
    return 0


@command("train")
def _train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .checkpoint import save_checkpoint
    from .data import load_dataset
    from .training import TrainConfig
    from .workflow import train_on_dataset

    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise ValueError(f"--out must end in .safetensors, got '{out.name}'")
    ds = load_dataset(args.dataset, normalize=args.normalize)
    cfg = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, device=args.device,
        amp=args.amp, save_every=args.save_every,
    )  # fmt: skip
    state_path = out.with_name(out.stem + ".resume.safetensors")
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=cfg.epochs, desc=f"{args.model} on {ds.name}", unit="epoch", file=sys.stderr)

    def progress(r) -> None:
        bar.n = r.epoch
        bar.set_postfix(loss=f"{r.loss:.4f}", acc=f"{r.accuracy:.3f}", lr=f"{r.lr:.2e}", refresh=False)
        bar.update(0)

    try:
        model, meta = train_on_dataset(
            ds, args.model, cells=args.cells, shuffle=not args.no_shuffle, config=cfg,
            progress=progress if bar else None, state_path=state_path, resume=args.resume,
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    save_checkpoint(out, model, meta, half=args.half)
    state_path.unlink(missing_ok=True)
    t = meta["training"]
    test = "n/a" if t["test_accuracy"] is None else f"{t['test_accuracy']:.4f}"
    print(
        f"saved {out}: train accuracy {t['train_accuracy']:.4f}, test accuracy {test}, "
        f"{t['epochs_run']} epochs in {t['wall_time_s']:.1f} s on {t['device']} (best epoch {t['best_epoch']})"
    )
    return 0


@command("evaluate")
def _evaluate(args: argparse.Namespace) -> int:
    from .checkpoint import load_checkpoint
    from .data import load_dataset
    from .evaluation import evaluate
    from .model_input import model_input

    model, meta = load_checkpoint(args.checkpoint)
    ds = load_dataset(args.dataset)
    split = model_input(model, ds, args.split, resample=args.resample, class_subset=args.class_subset)
    for w in split.warnings:
        print(f"warning: {w}", file=sys.stderr)
    result = evaluate(model, split.X, split.y, split.lengths).to_dict(meta["classes"])
    result.update(dataset=ds.name, split=args.split, checkpoint=str(args.checkpoint), warnings=list(split.warnings))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{ds.name} {args.split}: accuracy {result['accuracy']:.4f} on {result['n']} samples")
    _print_table(
        [{"class": c, "accuracy": "n/a" if a is None else f"{a:.4f}"} for c, a in result["per_class_accuracy"].items()],
        ["class", "accuracy"],
    )
    print("confusion matrix (rows: true, columns: predicted):")
    for c, row in zip(meta["classes"], result["confusion"], strict=True):
        print(f"  {str(c):>12} " + " ".join(f"{v:5d}" for v in row))
    return 0


def _explain_inputs(args: argparse.Namespace):
    """Model (on the chosen device), dataset, aligned split and target for explain/faithfulness."""
    from .checkpoint import load_checkpoint
    from .data import load_dataset
    from .device import resolve_device
    from .model_input import model_input

    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be at least 1, got {args.limit}")
    if args.ig_steps < 1:
        raise ValueError(f"--ig-steps must be at least 1, got {args.ig_steps}")
    model, meta = load_checkpoint(args.checkpoint)
    model.to(resolve_device(args.device))
    ds = load_dataset(args.dataset)
    split = model_input(model, ds, args.split, resample=args.resample, class_subset=args.class_subset)
    for w in split.warnings:
        print(f"warning: {w}", file=sys.stderr)
    n = len(split.y) if args.limit is None else min(args.limit, len(split.y))
    if n == 0:
        raise ValueError(f"the {args.split} split of '{ds.name}' is empty")
    target = int(args.target) if args.target.lstrip("-").isdigit() else args.target
    return model, meta, ds, split.X[:n], split.y[:n], split.lengths[:n], target


@command("explain")
def _explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np

    from .explain import explain, parse_methods

    out = Path(args.out)
    if out.suffix != ".npz":
        raise ValueError(f"--out must end in .npz, got '{out.name}'")
    methods = parse_methods(args.methods)  # a bad name fails before the model loads
    perturb = _perturbation_options(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    res = explain(
        model, X, methods, target=target, y=y, lengths=lengths, baseline=args.baseline, ig_steps=args.ig_steps,
        **perturb,
    )  # fmt: skip
    arrays = {
        "x": X, "y_true": y, "lengths": lengths, "logits": res["logits"], "predicted": res["predicted"],
        "target": res["target"], "cam_all": res["cam_all"], "cam_offset": res["cam_offset"],
        "classes": np.asarray([str(c) for c in meta["classes"]]),
    }  # fmt: skip
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


@command("faithfulness")
def _faithfulness(args: argparse.Namespace) -> int:
    from .explain import explain, faithfulness_report, model_randomisation_check, parse_methods

    if args.steps < 1 or args.random_seeds < 1 or (args.segment_length is not None and args.segment_length < 1):
        raise ValueError("--steps, --segment-length and --random-seeds must be at least 1")
    methods = parse_methods(args.methods)
    perturb = _perturbation_options(args, methods)
    model, meta, ds, X, y, lengths, target = _explain_inputs(args)
    if target == "all":
        raise ValueError("faithfulness needs one class per sample: use --target predicted, true or a class index")
    res = explain(
        model, X, methods, target=target, y=y, lengths=lengths, baseline=args.baseline, ig_steps=args.ig_steps,
        **perturb,
    )  # fmt: skip
    maps = {name: res[name] for name in res["methods"]}
    report = faithfulness_report(
        model, X, res["target"], maps, lengths=lengths, baseline=args.baseline, n_steps=args.steps,
        order=args.order, segment_length=args.segment_length, random_seeds=args.random_seeds,
    )  # fmt: skip
    sanity = {}
    if not args.no_sanity:
        sanity = model_randomisation_check(
            model, X, res["target"], methods=list(maps), lengths=lengths, original=maps,
            baseline=args.baseline, n_steps=args.ig_steps, **perturb,
        )  # fmt: skip
    summary = {
        "dataset": ds.name, "split": args.split, "n": int(len(X)), "target": args.target,
        "faithfulness": report.to_dict(), "sanity": {name: r.to_dict() for name, r in sanity.items()},
        "notes": res["notes"], "variants": res["variants"],
    }  # fmt: skip
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
            "method": name, "AOPC deletion": f"{m['aopc_deletion']:.4f}", "AOPC insertion": f"{m['aopc_insertion']:.4f}",
            "better than random": "yes" if m["better_than_random"] else "NO",
            "p": "n/a" if m["p_value"] is None else f"{m['p_value']:.2g}",
        }
        for name, m in f["methods"].items()
    ]  # fmt: skip
    rows.append({
        "method": f"random ({args.random_seeds} seeds)", "AOPC deletion": f"{f['random']['aopc_deletion']:.4f}",
        "AOPC insertion": f"{f['random']['aopc_insertion']:.4f}",
    })  # fmt: skip
    _print_table(rows, ["method", "AOPC deletion", "AOPC insertion", "better than random", "p"])
    if sanity:
        print("sanity check: Spearman correlation of |maps| with randomised models (low is good):")
        _print_table(
            [
                {"method": name, "head randomised": _fmt(r["head"]), "all layers randomised": _fmt(r["all"])}
                for name, r in summary["sanity"].items()
            ],
            ["method", "head randomised", "all layers randomised"],
        )
    return 0


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"
