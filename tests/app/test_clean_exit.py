"""A process that ran the dashboard exits cleanly while its background work is still going.

torch aborts the whole process (``std::terminate``, exit status 134) when the interpreter shuts
down while a daemon thread is inside one of its kernels. The dashboard starts such threads (the
warm-up at server start, whole-split checks), so a server stopped early, or a test run ending
just after a page, must still exit with status 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Open Home (which starts the warm-up of every shipped dataset), start a faithfulness check in the
# background, then leave at once: both threads are mid-computation at exit.
SCRIPT = """
from streamlit.testing.v1 import AppTest
from lstmfcn.dashboard.tasks import Task

def slow(progress):
    import torch
    for i in range(10_000):
        torch.randn(256, 256) @ torch.randn(256, 256)
        progress(i / 10_000)

at = AppTest.from_file("app.py", default_timeout=120).run()
assert not at.exception, [e.value for e in at.exception]
Task(slow)
print("left", flush=True)
"""


@pytest.mark.slow
def test_the_process_exits_cleanly_while_background_work_runs(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", LSTMFCN_CACHE_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert "left" in done.stdout, done.stderr[-2000:]
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr[-2000:]}"
