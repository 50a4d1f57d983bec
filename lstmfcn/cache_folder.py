"""The cache folder: explanations (:mod:`lstmfcn.dashboard.disk_cache`) and pass sizes
(:mod:`lstmfcn.pass_size`) kept between runs.

The cache is an optimisation. A folder that cannot be used (read-only, as a bind mount; a file; a
path under a file; one removed while running) only means nothing is kept: every reader and writer
turns an ``OSError`` into "not kept", and the first such error is recorded here as the reason, so
that one notice (:func:`notice`) says the cache is off and why: the dashboard shows it once, the CLI
prints it on one line of stderr. A later successful write clears it.

Writers write beside the final name and rename, so a process killed in between leaves a temporary
file behind. Such orphans are removed on start (:func:`clean_orphans`), but only once they are older
than :data:`ORPHAN_AGE_S`: a younger one may be a concurrent writer's, about to be renamed.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

#: Age past which a temporary file is an orphan: writing the largest entry takes well under a second.
ORPHAN_AGE_S = 600.0
#: The temporary files the writers of the cache folder leave: ``<key>.<pid>.<thread>.tmp.npz`` (disk
#: cache entries), ``.<name>.<pid>.<thread>.tmp`` (the pass-size record, the start-up probe) and
#: ``.pass_sizes.json.<pid>.<thread>`` (the pass-size record before it said ``.tmp``).
TMP_PATTERNS = ("*.tmp.npz", ".*.tmp", ".pass_sizes.json.*")

_lock = threading.Lock()
_unusable: dict[Path, str] = {}  # folder -> why it cannot be used (the first error since it last worked)
_cleaned: set[Path] = set()  # folders whose orphans this process removed already


def default_folder() -> Path:
    """``$LSTMFCN_CACHE_DIR``, else ``$XDG_CACHE_HOME/lstmfcn-explorer`` (``~/.cache/…``)."""
    env = os.environ.get("LSTMFCN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lstmfcn-explorer"


def tmp_name(final: Path) -> Path:
    """Where a writer puts ``final``'s content before renaming it (unique per process and thread)."""
    return final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def note_unusable(folder: str | os.PathLike, exc: OSError) -> None:
    """Record that ``folder`` failed with ``exc`` (the first reason is kept until it works again)."""
    with _lock:
        _unusable.setdefault(Path(folder), exc.strerror or str(exc) or type(exc).__name__)


def note_usable(folder: str | os.PathLike) -> None:
    """A write to ``folder`` succeeded: the cache is on again."""
    with _lock:
        _unusable.pop(Path(folder), None)


def notice(folder: str | os.PathLike | None = None) -> str | None:
    """One sentence saying the cache (at ``folder``, default: any) is off and why, or None when it is on."""
    with _lock:
        found = [(f, why) for f, why in _unusable.items() if folder is None or f == Path(folder)]
    if not found:
        return None
    where, why = found[0]
    return (
        f"The cache is off: {where} cannot be used ({why}), so results are computed again instead of kept;"
        " point LSTMFCN_CACHE_DIR at a writable folder to keep them."
    )


def probe(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` can hold files (created if need be); a failure is recorded for :func:`notice`.

    Run on start, so the notice is there before the first result is kept, or not.
    """
    folder = Path(folder)
    check = tmp_name(folder / "probe")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        check.write_bytes(b"")
        check.unlink()
    except OSError as exc:
        note_unusable(folder, exc)
        remove_quietly(check)
        return False
    note_usable(folder)
    return True


def is_fresh_tmp(path: Path, mtime: float, now: float, max_age_s: float = ORPHAN_AGE_S) -> bool:
    """Whether ``path`` is a temporary file young enough to be a concurrent writer's (never removed)."""
    return any(path.match(p) for p in TMP_PATTERNS) and now - mtime < max_age_s


def clean_orphans(folder: str | os.PathLike, max_age_s: float = ORPHAN_AGE_S, now: float | None = None) -> int:
    """Remove the temporary files in ``folder`` older than ``max_age_s``; returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    for pattern in TMP_PATTERNS:
        for path in Path(folder).glob(pattern):  # glob yields nothing for a missing or unreadable folder
            try:
                if now - path.stat().st_mtime >= max_age_s:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # renamed or removed meanwhile by its writer or another cleaner
            except OSError as exc:
                note_unusable(folder, exc)
                return removed
    return removed


def clean_orphans_once(folder: str | os.PathLike) -> None:
    """:func:`clean_orphans` the first time this process writes to ``folder`` (a CLI run's "start")."""
    folder = Path(folder)
    with _lock:
        if folder in _cleaned:
            return
        _cleaned.add(folder)
    clean_orphans(folder)


def remove_quietly(path: Path) -> None:
    """Remove ``path`` if it can be: what is left is an orphan for the next start to clean."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
