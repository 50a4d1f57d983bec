"""A training whose tab has been closed stops (issue #31, 5), on a real server: the session id the
pages record is the one Streamlit's runtime reports as gone once the browser's connection closes.

One browser test (skipped without Chromium, like the others): a training of 5000 epochs keeps a
core busy; once its tab is closed and the grace (2 s here) has passed, the server is idle again.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.helpers.browser import WAIT_MS, running_server, wait_for_app

pytestmark = pytest.mark.browser
TICKS = os.sysconf("SC_CLK_TCK")
IDLE = 0.15  # of a core: a server with no training and no warm-up left


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def busy_share(pid: int, window_s: float = 2.0) -> float:
    """The share of one core the process used over ``window_s``."""
    before = cpu_seconds(pid)
    time.sleep(window_s)
    return (cpu_seconds(pid) - before) / window_s


def until_idle(pid: int, within_s: float) -> list[float]:
    """The busy shares of 2-s windows until one is under :data:`IDLE` (at most ``within_s``)."""
    shares, deadline = [], time.monotonic() + within_s
    while time.monotonic() < deadline:
        shares.append(busy_share(pid))
        if shares[-1] < IDLE:
            break
    return shares


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads CPU time from /proc (Linux)")
def test_a_training_stops_once_its_tab_is_closed(browser, shipped_models, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMFCN_GRACE_S", "2")
    with running_server(tmp_path / "streamlit.log") as (base, proc):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/train")
        wait_for_app(page)
        warm = until_idle(proc.pid, 240)  # the server warms its caches first (at most 2 min of work)
        assert warm[-1] < IDLE, f"the server did not settle before the training: {warm}"
        page.locator(".st-key-train_epochs input").fill("5000")
        page.locator("button", has_text="Start training").click()
        page.get_by_text(re.compile(r"epoch [1-9]\d* of 5000")).first.wait_for(timeout=WAIT_MS)
        training = busy_share(proc.pid)
        assert training > 0.3, f"the training used {training:.0%} of a core"
        context.close()  # the tab goes, and with it the session's connection
        shares = until_idle(proc.pid, 30)
        assert shares[-1] < IDLE, f"the server still works after the tab closed: {[f'{s:.0%}' for s in shares]}"
        print(f"training {training:.0%} of a core; after the tab closed: {[f'{s:.0%}' for s in shares]}")
    log = (tmp_path / "streamlit.log").read_text()
    assert "Traceback" not in log, log[-3000:]
