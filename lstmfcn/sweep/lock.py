"""One ``sweep`` per folder: the command holds an exclusive lock on its ``--out`` while it runs.

Units are keyed by what they train, not by who trains them, so two sweeps on one folder would each
train every unit (and race on its files). The lock is an OS lock (``flock``) on ``DIR/.sweep.lock``:
the kernel drops it when the process ends, however it ends (a SIGKILL included), so a stale lock
never blocks the next run. A second sweep refuses at once (exit 2) rather than waiting: waiting
would only start it over a folder the first has finished. POSIX only; elsewhere no lock is taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lstmfcn.errors import DataError

LOCK = ".sweep.lock"

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None


@contextmanager
def folder_lock(out: str | os.PathLike) -> Iterator[None]:
    """Hold ``out``'s lock for the ``with`` block (the folder is created).

    Raises:
        DataError: another process holds it (one sentence naming that process).
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(folder / LOCK, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise DataError(
                f"{out} is being written by another sweep ({holder}); wait for it to end or use another --out"
            ) from None
        f.truncate(0)
        f.write(f"pid {os.getpid()}\n")  # who holds it, for the refusal's sentence
        f.flush()
        yield
