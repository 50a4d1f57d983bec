"""``lstmfcn zoo …``: list, table, train and retrain the pretrained model zoo."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from ..errors import UserInputError
from ._common import DEVICES


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("zoo", help="the pretrained models: list them, print the accuracy table, (re)train them")
    s.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=["list", "table", "train", "retrain"],
        help="list (default), table (Markdown for the README), train (planned entries not yet shipped), "
        "retrain NAME (exactly as shipped)",
    )
    s.add_argument("names", nargs="*", help="zoo entry names (file stems), for train/retrain")
    s.add_argument("--dataset", help="only entries for this dataset")
    s.add_argument("--json", action="store_true")
    s.add_argument("--device", default="auto", choices=DEVICES)
    s.add_argument("--max-minutes", type=float, default=None, help="train: stop (resumably) after this long")
    s.add_argument("--state-dir", default="runs/zoo", help="train: where resumable states live")
    s.add_argument("--out", help="retrain: checkpoint to write (default: runs/zoo/NAME.safetensors)")
    s.add_argument(
        "--write", metavar="README", help="table: replace the table between the zoo-table markers in this file"
    )
    s.set_defaults(run=run, take_extra=_names_anywhere)


def _names_anywhere(args: argparse.Namespace, extra: list[str]) -> bool:
    """Take what argparse left over as more entry names, if none of it is an option.

    argparse ends a subcommand's positionals at the first option, so ``zoo train --device cpu NAME``
    leaves NAME over; zoo entry names may come anywhere on the line.
    """
    if any(a.startswith("-") for a in extra):
        return False
    args.names = [*args.names, *extra]
    return True


def run(args: argparse.Namespace) -> int:
    from .. import zoo

    if args.action == "list":
        entries = zoo.list_pretrained(args.dataset)
        if args.json:
            print(json.dumps([{**asdict(e), "path": str(e.path), "label": e.label} for e in entries], indent=1))
        else:
            for e in entries:
                acc = "n/a" if e.test_accuracy is None else f"{e.test_accuracy:.4f}"
                print(
                    f"{e.name:<40} {e.label:<42} test accuracy {acc}  ({e.epochs} epochs, {e.wall_time_s / 60:.1f} min, {e.device})"
                )
        return 0
    if args.action == "table":
        table = zoo.accuracy_table(zoo.list_pretrained(args.dataset))
        if args.write:
            path = Path(args.write)
            path.write_text(zoo.replace_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
        else:
            print(table)
        return 0
    if args.action == "retrain":
        return _retrain(args)
    return _train_missing(args)


def _train_missing(args: argparse.Namespace) -> int:
    from .. import zoo
    from ..training import TrainConfig
    from ..workflow import train_and_save

    plan = zoo.missing_from_plan()
    if args.names:
        plan = [p for p in plan if zoo.zoo_file_name(*p) in args.names]
    if args.dataset:
        plan = [p for p in plan if p[0].lower() == args.dataset.lower()]
    plan.sort(key=_training_cost)  # cheapest first, so a time limit still ships the most entries
    deadline = None if args.max_minutes is None else time.monotonic() + 60 * args.max_minutes
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    for dataset, arch, shuffle in plan:
        name = zoo.zoo_file_name(dataset, arch, shuffle)
        if deadline is not None and time.monotonic() > deadline:
            print(f"time limit reached before {name}", file=sys.stderr)
            break
        _, meta, path = train_and_save(
            dataset,
            arch,
            zoo.PRETRAINED_DIR / f"{name}.safetensors",
            normalize=zoo.NORMALIZE.get(dataset, "per_sample"),
            shuffle=shuffle,
            config=TrainConfig(device=args.device),
            progress=_progress_line(name),
            should_stop=None if deadline is None else (lambda: time.monotonic() > deadline),
            state_path=state_dir / f"{name}.resume.safetensors",
            resume=True,
        )
        if path is None:
            print(f"{name}: stopped at epoch {meta['training']['epochs_run']}; run again to resume", file=sys.stderr)
            break
        t = meta["training"]
        print(
            f"{name}: test accuracy {t['test_accuracy']:.4f}, {t['wall_time_s'] / 60:.1f} min on {t['device']}",
            flush=True,
        )
    return 0


def _progress_line(name: str, every: int = 100):
    """A progress callback printing one line to stderr every ``every`` epochs (a zoo training runs for minutes)."""

    def report(r) -> None:
        if r.epoch % every == 0 or r.epoch == r.epochs:
            print(
                f"{name}: epoch {r.epoch}/{r.epochs}, loss {r.loss:.4f}, train accuracy {r.accuracy:.3f}, "
                f"{r.elapsed_s / 60:.1f} min",
                file=sys.stderr,
                flush=True,
            )

    return report


def _training_cost(entry: tuple[str, str, bool]) -> float:
    """Rough cost of one training: samples × length (conv blocks 2 and 3 dominate; V only feeds block 1)."""
    from ..data import list_datasets

    sizes = {e.name: e.n_train * e.length for e in list_datasets()}
    return sizes.get(entry[0], float("inf")) * (3 if not entry[2] else 1)  # a stepwise attention LSTM is slower


def _retrain(args: argparse.Namespace) -> int:
    from .. import zoo
    from ..training import TrainConfig
    from ..workflow import train_and_save

    if len(args.names) != 1:
        raise UserInputError("zoo retrain takes exactly one entry name, e.g. 'zoo retrain GunPoint__lstmfcn'")
    name = args.names[0]
    try:
        s = zoo.retrain_settings(name)
    except KeyError as exc:
        raise UserInputError(exc.args[0]) from None
    _, meta, out = train_and_save(
        s["dataset"],
        s["arch"],
        args.out or f"runs/zoo/{name}.safetensors",
        normalize=s["normalize"],
        cells=s["cells"],
        shuffle=s["shuffle"],
        config=TrainConfig(device=args.device, **s["train_config"]),
    )
    shipped = next(e for e in zoo.list_pretrained() if e.name == name)
    new_acc = meta["training"]["test_accuracy"]
    print(f"{out}: test accuracy {new_acc:.4f} (shipped: {shipped.test_accuracy:.4f})")
    return 0
