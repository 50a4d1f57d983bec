"""``lstmfcn counterfactual``: the smallest segment of a training series that changes the model's mind."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import UserInputError
from ._common import add_fit_switches, add_model_input_arguments, model_input_for


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "counterfactual",
        help="Native Guide counterfactual: splice the smallest segment of the nearest training series of another"
        " class that flips the prediction",
    )
    add_model_input_arguments(s)
    s.add_argument("--sample", type=int, required=True, help="index of the series in the split")
    s.add_argument("--to", default=None, help="class name to move to (default: the most likely other class)")
    s.add_argument(
        "--max-fraction", type=float, default=1.0, help="longest segment, as a fraction of the series (default 1)"
    )
    s.add_argument("--max-calls", type=int, default=512, help="most candidate series the model is run on")
    s.add_argument("--json", action="store_true")
    s.add_argument("--out", default=None, help=".npz file to write x and counterfactual (V, T) to")
    add_fit_switches(s)
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..checkpoint import load_model
    from ..counterfactual import native_guide
    from ..data import load_dataset
    from ..inputs import model_classes, model_input

    model = load_model(args.checkpoint)
    ds = load_dataset(args.dataset)
    split = model_input_for(model, ds, args)
    train = model_input(model, ds, "train", resample=args.resample, class_subset=args.class_subset)
    if not 0 <= args.sample < len(split.X):
        raise UserInputError(
            f"--sample must lie in 0..{len(split.X) - 1} for the {args.split} split, got {args.sample}"
        )
    classes = model_classes(model)
    target = _class_index(args.to, classes)
    i = args.sample
    res = native_guide(
        model,
        split.X[i],
        train.X,
        train.y,
        target=target,
        length=int(split.lengths[i]),
        lengths_train=train.lengths,
        max_fraction=args.max_fraction,
        max_calls=args.max_calls,
    )
    out = {
        "found": res.found,
        "from_class": classes[res.from_class],
        "to_class": classes[res.to_class],
        "segment": list(res.segment),
        "variables": list(res.variables),
        "probabilities": {c: float(p) for c, p in zip(classes, res.probabilities, strict=True)},
        "distance": res.distance,
        "guide_index": res.guide_index,
        "model_calls": res.model_calls,
    }
    if args.out:
        np.savez(args.out, x=res.x, counterfactual=res.counterfactual)
    if not res.found:
        print(
            f"no counterfactual found: no segment of up to {res.segment[1] - res.segment[0]} steps from the nearest"
            f" '{out['to_class']}' training series makes the model predict it (raise --max-fraction or --max-calls)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(out))
    elif res.found:
        start, stop = res.segment
        print(
            f"sample {i}: '{out['from_class']}' -> '{out['to_class']}' (p = {out['probabilities'][out['to_class']]:.3f})"
            f" by splicing steps [{start}, {stop}) of training series {res.guide_index}; distance {res.distance:.3f}"
        )
    return 0


def _class_index(name: str | None, classes: list[str]) -> int | None:
    """The model's index of class ``name`` (None stays None)."""
    if name is None:
        return None
    if name not in classes:
        raise UserInputError(f"--to must be one of the model's classes ({', '.join(classes)}), got {name!r}")
    return classes.index(name)
