"""Issue #31 (7): a ``sweep`` holds a lock on its ``--out`` (a second one on the same folder refuses
in one sentence, exit 2, before Ray starts; a killed holder never leaves a stale lock), and a
SIGKILLed sweep leaves no Ray process running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lstmfcn.cli import main
from lstmfcn.sweep import lock, watchdog

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
HOLD = "import sys, time\nfrom lstmfcn.sweep.lock import folder_lock\nwith folder_lock(sys.argv[1]):\n"
HOLD += "    print('held', flush=True)\n    time.sleep(120)\n"


def _started(cmd: list[str], ready: str, timeout: float = 120.0) -> subprocess.Popen:
    """A process started and read until a line of its output (stdout and stderr) holds ``ready``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    end = time.monotonic() + timeout
    for line in proc.stdout:
        if ready in line:
            return proc
        if time.monotonic() > end:
            break
    proc.kill()
    pytest.fail(f"{cmd} never said {ready!r}")


def test_a_second_sweep_on_the_same_folder_refuses_before_ray_starts(tmp_path, capsys, monkeypatch):
    from lstmfcn.sweep import runner

    out = tmp_path / "out"
    holder = _started([sys.executable, "-c", HOLD, str(out)], "held")  # another process's sweep
    try:
        monkeypatch.setattr(runner, "connect", lambda *a, **k: pytest.fail("Ray started on a locked folder"))
        assert main(["sweep", "--datasets", "Chinatown", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"being written by another sweep (pid {holder.pid})" in err
    finally:
        holder.send_signal(signal.SIGKILL)  # however it ends, the kernel drops its lock
        holder.wait()
    with lock.folder_lock(out):  # no stale lock
        pass


def test_a_lock_is_one_per_folder(tmp_path):
    with lock.folder_lock(tmp_path / "a"), lock.folder_lock(tmp_path / "b"):
        with pytest.raises(Exception, match="another sweep"), lock.folder_lock(tmp_path / "a"):
            pass


def _ray_session_of(pid: int, timeout: float = 60.0) -> str:
    """The Ray session folder of the local Ray that process ``pid`` started (from its head's argv)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and f"PPid:\t{pid}\n" in (proc / "status").read_text():
                    found = re.search(
                        r"(/[^\s=]*/session_[^/\s]+)", (proc / "cmdline").read_text().replace("\x00", " ")
                    )
                    if found:
                        return found.group(1)
            except OSError:
                continue
        time.sleep(0.5)
    pytest.fail("no Ray session found")


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux: processes found through /proc")
def test_a_sigkilled_sweep_leaves_no_ray_process(tmp_path):
    cmd = [sys.executable, "-m", "lstmfcn", "sweep", "--datasets", "Chinatown", "--models", "lstmfcn"]
    cmd += ["--cells", "8", "--epochs", "100000", "--num-cpus", "1", "--out", str(tmp_path / "out")]
    sweep = _started(cmd, "to train on")  # Ray is up and the unit is submitted
    try:
        session = _ray_session_of(sweep.pid)
        deadline = time.monotonic() + 60
        while not any("Agent" in _name(p) for p in watchdog.session_processes(session)):
            assert time.monotonic() < deadline, "Ray's agents never started"
            time.sleep(0.5)
        before = watchdog.session_processes(session)
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait()
    deadline = time.monotonic() + 45
    while (left := watchdog.session_processes(session)) and time.monotonic() < deadline:
        time.sleep(1)
    names = [_name(p) for p in left]
    print(f"{len(before)} Ray processes before the SIGKILL, {len(left)} after: {names}")
    assert left == [], names


def _name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text().replace("\x00", " ")[:80]
    except OSError:
        return "?"
