"""Ray's processes of a local sweep end with the sweep, however it ends.

``ray.init`` starts a local cluster whose head processes share the driver's fate, but its dashboard
and runtime-env agents outlive a SIGKILLed driver (seen with Ray 2.x: two ``ray::…Agent`` processes
left running). So :func:`start` launches this module as a small process of its own session, holding
the read end of a pipe whose write end only the driver has. When the driver ends, by ``ray.shutdown``
or a SIGKILL alike, the pipe closes; the watchdog then ends every process that still has a file
open in that Ray session's folder (they all keep its logs open), and exits. Linux only (``/proc``);
elsewhere nothing is started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_S = 2.0  # after SIGTERM, before SIGKILL


def start(session_dir: str) -> subprocess.Popen | None:
    """Watch this process on behalf of the Ray session in ``session_dir`` (None where there is no /proc)."""
    if not session_dir or not Path("/proc/self/fd").is_dir():
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "lstmfcn.sweep.watchdog", session_dir, str(os.getpid())],
        stdin=subprocess.PIPE,  # not inherited by Ray's processes (PEP 446): only this driver holds it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C or kill of the driver's group does not reach it
    )


def stop(watchdog: subprocess.Popen | None) -> None:
    """The driver is done with Ray: the watchdog cleans up now (as it would at the driver's death)."""
    if watchdog is not None and watchdog.stdin is not None:
        watchdog.stdin.close()


def session_processes(session_dir: str, spare: int | None = None) -> list[int]:
    """Processes with a file open under ``session_dir``, other than this one and ``spare`` (the
    driver, alive when it stopped Ray itself: a log of its own may still be open there)."""
    prefix = str(Path(session_dir)) + os.sep
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in (os.getpid(), spare):
            continue
        try:
            if any(os.readlink(fd).startswith(prefix) for fd in (proc / "fd").iterdir()):
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def end_session(session_dir: str, spare: int | None = None) -> None:
    """SIGTERM, then SIGKILL what is left, of the session's processes."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = session_processes(session_dir, spare)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if not pids:
            return
        time.sleep(GRACE_S)


def main(session_dir: str, driver: int) -> None:
    sys.stdin.buffer.read()  # returns when the driver closes the pipe or dies
    end_session(session_dir, spare=driver)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
