"""``lstmfcn import``: a model trained with tsai, sktime or Keras, as a checkpoint of this program."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import UserInputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..importers import FRAMEWORKS

    s = sub.add_parser(
        "import",
        help="import a model trained with tsai, sktime or Keras",
        description="Convert LSTM-FCN-family weights trained elsewhere into a checkpoint that every command, page"
        " and report explains. Files are read as arrays only: safetensors, torch.save state dicts"
        " (weights_only=True) and Keras .keras/.h5/.weights.h5 through h5py; nothing in them is run.",
    )
    s.add_argument("framework", choices=FRAMEWORKS, metavar="FRAMEWORK", help=f"one of {', '.join(FRAMEWORKS)}")
    s.add_argument("weights", metavar="WEIGHTS", help="the weights file (.safetensors, .pt/.pth, .keras, .h5)")
    s.add_argument("--dataset", required=True, help="the dataset the model was trained on (name or file)")
    s.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    s.add_argument(
        "--normalize",
        default="none",
        choices=["none", "per_sample", "per_dataset"],
        help="the normalisation your pipeline applied before the model (default: none, the libraries' default)",
    )
    s.add_argument("--mean", help="per-variable means your pipeline standardised with, comma-separated")
    s.add_argument("--std", help="per-variable standard deviations, comma-separated (with --mean)")
    s.add_argument(
        "--classes",
        help="the model's output order as comma-separated labels (default: as the library numbered the labels:"
        " tsai and sktime sort them as text, the authors' Keras loader as numbers)",
    )
    shuffle = s.add_mutually_exclusive_group()
    shuffle.add_argument("--shuffle", dest="shuffle", action="store_true", default=None, help=argparse.SUPPRESS)
    shuffle.add_argument(
        "--no-shuffle",
        dest="shuffle",
        action="store_false",
        help="where V = T the weights cannot tell: the LSTM reads T steps of V (--shuffle: V steps of T)",
    )
    s.add_argument(
        "--lstm-gates",
        choices=["sigmoid", "hard_sigmoid"],
        help="a Keras LSTM's gates where the file does not say (weights only): the authors' Keras 2.0-2.2 weights"
        " need hard_sigmoid (default: sigmoid, Keras 2.3 and later)",
    )
    s.add_argument("--expect-logits", metavar="FILE", help="logits your library gave (.npy/.npz/.csv) to check parity")
    s.add_argument("--split", default="test", choices=["train", "test"], help="the split --expect-logits is of")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..checkpoint import save_checkpoint
    from ..data import load_dataset
    from ..evaluation import predict_logits
    from ..importers import import_model, parity, read_logits
    from ..inputs import model_input

    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise UserInputError(f"--out must end in .safetensors, got '{out.name}'")
    if (args.mean is None) != (args.std is None):
        raise UserInputError("--mean and --std go together")
    ds = load_dataset(args.dataset, normalize=args.normalize)
    model, meta = import_model(
        args.framework,
        args.weights,
        ds,
        classes=_list(args.classes, str),
        mean=_list(args.mean, float),
        std=_list(args.std, float),
        shuffle=args.shuffle,
        lstm_gates=args.lstm_gates,
    )
    check = None
    if args.expect_logits:
        split = model_input(model, ds, args.split)
        check = parity(predict_logits(model, split.X, split.lengths), read_logits(args.expect_logits))
        meta["imported"]["parity"] = {"split": args.split, "max_abs": check["max_abs"], "max_rel": check["max_rel"]}
    save_checkpoint(out, model, meta)
    imp, training = meta["imported"], meta["training"]
    if args.json:
        print(
            json.dumps(
                {"checkpoint": str(out), "config": model.config.to_dict(), "imported": imp, "training": training}
            )
        )
    else:
        version = f" {imp['library_version']}" if imp["library_version"] else ""
        print(f"imported {imp['file']} ({args.framework}{version}, {imp['file_format']}) → {out}")
        for line in imp["read"]:
            print(f"  read: {line}")
        for line in imp["assumed"]:
            print(f"  assumed: {line}")
        print(f"  classes in output order: {', '.join(meta['classes'])}")
        print(f"  preprocessing: normalize {meta['preprocessing']['normalize']}")
        acc = ", ".join(f"{k.split('_')[0]} {v:.4f}" for k, v in training.items() if isinstance(v, float))
        print(f"  accuracy on {ds.name}: {acc}")
        if check is not None:
            verdict = "within" if check["within"] else "NOT within"
            print(
                f"  parity with {Path(args.expect_logits).name}: max |difference| {check['max_abs']:.3g},"
                f" relative {check['max_rel']:.3g} ({verdict} 1e-5)"
            )
    return 0 if check is None or check["within"] else 1


def _list(text: str | None, kind):
    if text is None:
        return None
    try:
        return [kind(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UserInputError(f"cannot read '{text}' as a comma-separated list of numbers") from None
