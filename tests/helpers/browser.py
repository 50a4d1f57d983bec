"""The dashboard in a real browser: ``streamlit run app.py`` driven by Debian's Chromium (playwright).

As in Streamlit's own e2e suite: start the server on a free port, wait for ``/_stcore/health``,
wait for each script run to finish (``[data-testid='stApp'][data-test-script-state='notRunning']``),
then wait for the very state a test asserts — ``expect(locator).to_have_count(n)``, a title that
names the sample — and never count or read right after the first element appears: a busy machine
draws a page's charts one after another.

Without Chromium (or the ``playwright`` package) a browser test is skipped with the reason; with
``LSTMFCN_REQUIRE_BROWSER=1`` (set by CI) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

from lstmfcn.bench.startup import free_port, stop_server, wait_healthy

from .shipped import ROOT, zoo_dir

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART = "[data-testid='stPlotlyChart']"
EXCEPTION = "[data-testid='stException']"
ERROR = "[data-testid='stAlertContentError']"
CAM_TITLE = ".st-key-cam_chart .gtitle"
UPLOAD = "[data-testid='stFileUploaderDropzoneInput']"  # the sidebar's: .nth(0) a dataset, .nth(1) a model
WAIT_MS = 60_000  # for a page's state on a busy 2-core machine; an idle one needs a few seconds


def chromium_path() -> str | None:
    """``LSTMFCN_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else one on the PATH; None without any."""
    for candidate in (
        os.environ.get("LSTMFCN_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def browser_unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``; fail instead with ``LSTMFCN_REQUIRE_BROWSER=1``."""
    if os.environ.get("LSTMFCN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LSTMFCN_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def launched_chromium() -> Iterator:
    """A headless Chromium (a playwright ``Browser``), or the skip (failure) of :func:`browser_unavailable`."""
    path = chromium_path()
    if path is None:
        browser_unavailable("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def server_command(port: int, zoo_folder: Path | None = None) -> list[str]:
    """``streamlit run app.py`` on ``port``; with ``zoo_folder`` (or ``LSTMFCN_TEST_ZOO``) the zoo is read from there."""
    args = ["run", "app.py", "--server.headless", "true", "--server.port", str(port)]
    args += ["--server.fileWatcherType", "none"]
    if zoo_folder is None and os.environ.get("LSTMFCN_TEST_ZOO"):
        zoo_folder = zoo_dir()
    if zoo_folder is not None:  # a zoo outside the package: patch it into the server process
        code = (
            "import sys, pathlib, lstmfcn.zoo as z; z.PRETRAINED_DIR = pathlib.Path(sys.argv.pop(1)); "
            "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()"
        )
        return [sys.executable, "-c", code, str(zoo_folder), *args]
    return [sys.executable, "-m", "streamlit", *args]


@contextmanager
def running_server(log: Path, zoo_folder: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``(base URL, process)`` of a fresh ``streamlit run app.py``, healthy; its output goes to ``log``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("wb") as out:  # a file, never an unread pipe: a full pipe would stall the server
        proc = subprocess.Popen(
            server_command(port, zoo_folder), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(base, proc, 60)
        yield base, proc
    finally:
        stop_server(proc)


def wait_for_app(page, timeout: float = WAIT_MS) -> None:
    """Wait until the script run (and any rerun right after it) has finished."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=timeout)


def wait_for_text(page, selector: str, fragment: str, timeout: float = WAIT_MS) -> None:
    """Wait until the first element matching ``selector`` contains ``fragment`` (a chart title that names a sample)."""
    page.wait_for_function(
        "([sel, want]) => { const t = document.querySelector(sel); return t && t.textContent.includes(want); }",
        arg=[selector, fragment],
        polling="raf",
        timeout=timeout,
    )


def expect_charts(page, n: int, within: str = "", timeout: float = WAIT_MS) -> None:
    """Wait until exactly ``n`` Plotly charts are drawn (inside ``within``, a CSS selector, if given), else fail."""
    from playwright.sync_api import expect

    expect(page.locator(f"{within} {CHART}".strip())).to_have_count(n, timeout=timeout)


def screenshot_at(page, text: str, out) -> None:
    """A 1400×1000 shot of the page scrolled so that ``text`` starts it (a little above it shown), written
    to ``out``; fails when the file is not such a PNG or looks blank."""
    import struct

    page.get_by_text(text).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.wheel(0, -40)  # a little of what is above, so the text is not cut
    page.mouse.move(5, 5)  # off the charts: no hover toolbar over a title
    page.wait_for_timeout(300)
    page.screenshot(path=str(out), full_page=False)
    width, height = struct.unpack(">II", out.read_bytes()[16:24])  # the PNG header's size
    assert (width, height) == (1400, 1000) and out.stat().st_size > 30_000  # a page, not a blank
