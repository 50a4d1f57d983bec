"""The dashboard in a real browser: ``streamlit run app.py`` driven by Debian's Chromium.

The tests start the server on a free port, wait for ``/_stcore/health``, then wait for each run
to finish (``[data-testid='stApp'][data-test-script-state='notRunning']``) instead of sleeping.
Without Chromium (or the ``playwright`` package) they are skipped with the reason; with
``LSTMFCN_REQUIRE_BROWSER=1`` (set by CI) a missing browser is a failure.

Two timings are measured and printed (``pytest -s`` shows them; they are also written to
``browser_timings.json`` in pytest's temporary folder): from starting the server to the first
class activation map drawn, and from selecting a sample to the updated map.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, zoo_dir

pytestmark = pytest.mark.browser

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
CAM_TITLE = ".st-key-cam_chart .gtitle"
TIMINGS: dict[str, float | list[float]] = {}


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("LSTMFCN_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("LSTMFCN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LSTMFCN_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_command(port: int, zoo_folder: Path | None = None) -> list[str]:
    """``streamlit run app.py`` on ``port``; with ``zoo_folder`` (or ``LSTMFCN_TEST_ZOO``) the zoo is read from there."""
    args = [
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
    ]
    if zoo_folder is None and os.environ.get("LSTMFCN_TEST_ZOO"):
        zoo_folder = zoo_dir()
    if zoo_folder is not None:  # a zoo outside the package: patch it into the server process
        code = (
            "import sys, pathlib, lstmfcn.zoo as z; z.PRETRAINED_DIR = pathlib.Path(sys.argv.pop(1)); "
            "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()"
        )
        return [sys.executable, "-c", code, str(zoo_folder), *args]
    return [sys.executable, "-m", "streamlit", *args]


def _wait_health(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("streamlit did not report healthy in time")


def stop(proc: subprocess.Popen) -> None:
    """End a server: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until the script run (and any rerun right after it) has finished."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=timeout)


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    """A fresh server; its first page load (the CAM page) is timed from the server's start."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen(_server_command(port), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_health(base, proc)
        page.goto(f"{base}/cam")
        page.wait_for_selector(CAM_TITLE, timeout=120_000)
        TIMINGS["server_start_to_first_cam_s"] = time.perf_counter() - t0
        page.close()
        yield base
    finally:
        stop(proc)
        out = tmp_path_factory.getbasetemp() / "browser_timings.json"
        out.write_text(json.dumps(TIMINGS, indent=1))
        print(f"\nbrowser timings: {json.dumps(TIMINGS)} (written to {out})")


@pytest.fixture
def page(browser, server):
    p = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield p
    p.close()


PAGES = {"": 2, "data": 3, "cam": 3, "attention": 0, "attributions": 1, "train": 0, "filters": 2}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_without_an_exception(page, server, path):
    page.goto(f"{server}/{path}")
    wait_for_app(page)
    if PAGES[path]:
        page.wait_for_selector(CHART, timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(CHART).count() >= PAGES[path]
    assert page.locator("[data-testid='stSidebar']").get_by_text("Computing on").count() == 1


def test_attention_page_draws_an_alstm(page, server, alstm_model):
    page.goto(f"{server}/attention?model={alstm_model}")
    wait_for_app(page)
    page.wait_for_selector(".st-key-attention_matrix " + CHART, timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0 and page.locator(CHART).count() >= 4


def _cam_title(page) -> str:
    return page.locator(CAM_TITLE).first.text_content() or ""


def _wait_cam_sample(page, sample: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([sel, want]) => { const t = document.querySelector(sel); return t && t.textContent.includes(want); }",
        arg=[CAM_TITLE, f"#{sample}:"],
        polling="raf",
        timeout=timeout,
    )


def test_selecting_a_sample_updates_the_cam_quickly(page, server):
    page.goto(f"{server}/cam")
    wait_for_app(page)
    page.wait_for_selector(CAM_TITLE)
    assert "#0:" in _cam_title(page)
    box = page.locator(".st-key-_w_cam_sample input")
    times = []
    for sample in (7, 23, 61, 104, 12, 88):
        box.fill(str(sample))
        t = time.perf_counter()
        box.press("Enter")
        _wait_cam_sample(page, sample)
        times.append(time.perf_counter() - t)
        wait_for_app(page)
    TIMINGS["select_sample_to_cam_ms"] = [round(1000 * s) for s in times]
    TIMINGS["select_sample_to_cam_median_ms"] = round(1000 * statistics.median(times))
    assert "sample=88" in page.url  # the selection is in the link
    assert page.locator(EXCEPTION).count() == 0
    assert statistics.median(times) < 3.0  # target 0.3 s on an idle machine; generous for loaded CI


def test_clicking_a_point_selects_that_sample(page, server):
    page.goto(f"{server}/cam")
    wait_for_app(page)
    overview = page.locator(".st-key-cam_overview")
    overview.locator(".scatterlayer .trace").first.wait_for()
    points = overview.locator(".scatterlayer .trace").nth(1).locator("path.point")  # the second class's samples
    target = points.nth(5)
    target.click(force=True)
    page.wait_for_function(
        "([sel]) => { const t = document.querySelector(sel); return t && !t.textContent.includes('#0:'); }",
        arg=[CAM_TITLE],
        timeout=30_000,
    )
    wait_for_app(page)
    title = _cam_title(page)
    selected = int(title.split("#")[1].split(":")[0])
    assert selected != 0 and f"sample={selected}" in page.url
    assert page.locator(EXCEPTION).count() == 0


def test_uploading_a_dataset_selects_it(page, server, gunpoint, tmp_path):
    rows = [
        ",".join([gunpoint.classes[y]] + [f"{v:.5f}" for v in x[0]])
        for x, y in zip(gunpoint.X_test, gunpoint.y_test, strict=True)
    ]
    path = tmp_path / "my_gunpoint.csv"
    path.write_text("\n".join(rows))
    page.goto(f"{server}/cam")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(path))
    page.wait_for_url("**dataset=upload*", timeout=60_000)
    wait_for_app(page)
    page.wait_for_selector(CAM_TITLE)
    assert page.locator(".st-key-_w_sidebar_dataset input").input_value() == "uploaded: my_gunpoint.csv"
    assert page.locator(EXCEPTION).count() == 0


def test_mismatched_model_upload_shows_the_reason(page, server, tmp_path):
    from lstmfcn.checkpoint import save_checkpoint
    from lstmfcn.models import ModelConfig, build_model

    path = save_checkpoint(
        tmp_path / "long.safetensors", build_model(ModelConfig("lstmfcn", 1, 300, 2)), {"classes": ["1", "2"]}
    )
    page.goto(f"{server}/")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").nth(1).set_input_files(str(path))
    error = page.locator("[data-testid='stAlertContentError']").filter(has_text="length 300")
    error.wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator(CHART).count() >= 2  # the previous model is still shown
    assert page.locator(EXCEPTION).count() == 0


def test_startup_time_to_first_cam(server):
    seconds = TIMINGS["server_start_to_first_cam_s"]
    print(f"\nserver start → first CAM chart: {seconds:.2f} s")
    assert seconds < 60  # target 8 s on an idle machine; generous for loaded CI
