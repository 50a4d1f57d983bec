"""``lstmfcn train``: train a model on a dataset with the papers' recipe and save its checkpoint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UserInputError
from ._common import DEVICES


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..models import ARCHITECTURES

    s = sub.add_parser("train", help="train a model with the papers' recipe")
    s.add_argument("--dataset", required=True, help="embedded dataset name or a file path")
    s.add_argument("--model", default="lstmfcn", choices=ARCHITECTURES)
    s.add_argument("--cells", type=int, default=8, help="LSTM cells (8, 64, 128 in the papers)")
    s.add_argument("--no-shuffle", action="store_true", help="LSTM reads T steps of V features (attention over time)")
    s.add_argument("--epochs", type=int, default=2000)
    s.add_argument("--batch-size", type=int, default=128)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--device", default="auto", choices=DEVICES)
    s.add_argument("--amp", action="store_true", help="bfloat16 mixed precision")
    s.add_argument("--normalize", default="per_sample", choices=["per_sample", "per_dataset", "none"])
    s.add_argument("--half", action="store_true", help="store weights as float16")
    s.add_argument("--resume", action="store_true", help="continue from OUT.resume.safetensors if present")
    s.add_argument("--save-every", type=int, default=200, help="epochs between resumable-state saves")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..training import TrainConfig
    from ..workflow import train_and_save

    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise UserInputError(f"--out must end in .safetensors, got '{out.name}'")
    cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        device=args.device,
        amp=args.amp,
        save_every=args.save_every,
    )
    name = f"{args.model} on {Path(args.dataset).name}"
    # A bar redraws itself with carriage returns: right on a terminal, noise in a log file.
    bar = None if args.quiet else _ProgressBar(name) if sys.stderr.isatty() else _ProgressLines(name)
    try:
        _, meta, _ = train_and_save(
            args.dataset,
            args.model,
            out,
            normalize=args.normalize,
            cells=args.cells,
            shuffle=not args.no_shuffle,
            config=cfg,
            half=args.half,
            progress=bar,
            state_path=out.with_name(out.stem + ".resume.safetensors"),
            resume=args.resume,
        )
    finally:
        if bar is not None:
            bar.close()
    t = meta["training"]
    test = "n/a" if t["test_accuracy"] is None else f"{t['test_accuracy']:.4f}"
    print(
        f"saved {out}: train accuracy {t['train_accuracy']:.4f}, test accuracy {test}, "
        f"{t['epochs_run']} epochs in {t['wall_time_s']:.1f} s on {t['device']} (best epoch {t['best_epoch']})"
    )
    return 0


class _ProgressLines:
    """One line per ``every`` epochs on stderr, for a log (stderr is not a terminal)."""

    def __init__(self, desc: str, every: int = 100) -> None:
        self.desc, self.every = desc, every

    def __call__(self, r) -> None:
        if r.epoch % self.every == 0 or r.epoch == r.epochs:
            print(
                f"{self.desc}: epoch {r.epoch}/{r.epochs}, loss {r.loss:.4f}, train accuracy {r.accuracy:.3f}, "
                f"lr {r.lr:.2e}, {r.elapsed_s:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        pass


class _ProgressBar:
    """A tqdm bar on stderr, opened at the first epoch: a dataset that fails to load prints one line, no bar."""

    def __init__(self, desc: str) -> None:
        self.desc, self.bar = desc, None

    def __call__(self, r) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=r.epochs, desc=self.desc, unit="epoch", file=sys.stderr)
        self.bar.n = r.epoch
        self.bar.set_postfix(loss=f"{r.loss:.4f}", acc=f"{r.accuracy:.3f}", lr=f"{r.lr:.2e}", refresh=False)
        self.bar.update(0)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
