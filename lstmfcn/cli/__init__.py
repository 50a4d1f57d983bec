"""``lstmfcn …`` (or ``python -m lstmfcn …``): the command-line interface.

One module per group of subcommands, each owning its parser: ``add_parser(subparsers)`` adds the
group's subcommands and sets, as parser defaults, ``run`` (``args -> exit status``) and, where a
subcommand takes what argparse leaves over, ``take_extra`` (``(args, extra) -> bool``). This module
builds the parser from :data:`GROUPS` and runs the chosen subcommand.

Every input error (a :class:`~lstmfcn.errors.LstmFcnError`, or an unusable path) exits with status 2
and one line on stderr naming the problem; nothing a user can get wrong prints a traceback. Any
other exception is a bug and surfaces as one (exit status 1), never as "bad input".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import LstmFcnError
from . import (
    bench,
    counterfactual,
    dashboard,
    data,
    evaluate,
    explain,
    importance,
    importing,
    report,
    sweep,
    train,
    zoo,
)

#: The subcommand groups, in the order ``--help`` lists them.
GROUPS = (data, train, importing, evaluate, explain, importance, counterfactual, report, zoo, sweep, bench, dashboard)

#: What a refusal adds when one flag would make the pair usable and meaningful.
WAY_OUT_FLAGS = {"resample": "; add --resample to do so", "class_subset": "; add --class-subset to do so anyway"}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every group's subcommands under one parser."""
    prog = "lstmfcn" if Path(sys.argv[0]).name == "lstmfcn" else "python -m lstmfcn"  # the console script, or -m
    p = argparse.ArgumentParser(
        prog=prog, description="LSTM-FCN Explorer: train, evaluate and explain LSTM-FCN models."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 130 interrupted); a bug raises."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    take_extra = getattr(args, "take_extra", None)
    if extra and not (take_extra and take_extra(args, extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code = args.run(args)
    except LstmFcnError as exc:
        hint = WAY_OUT_FLAGS.get(getattr(exc, "way_out", None), "")
        print(f"error: {_one_line(str(exc))}{hint}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A path the user named cannot be read or written (missing, a folder, no permission, disk full).
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    _say_if_cache_off()
    return code


def _say_if_cache_off() -> None:
    """One line when the cache folder could not be used: the command worked, only nothing was kept.
    (Not after a refusal, which stays one line.)"""
    from .. import cache_folder

    notice = cache_folder.notice(cache_folder.default_folder())
    if notice:
        print(f"note: {notice}", file=sys.stderr)


def _one_line(message: str) -> str:
    """A message on one line: a reader's error may quote a file's text, newlines included."""
    return " ".join(message.split())
