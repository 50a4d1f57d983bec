"""The dashboard in a real browser: ``streamlit run app.py`` driven by Debian's Chromium.

The tests start the server on a free port, wait for ``/_stcore/health``, then wait for each run
to finish and for the state they assert (``tests.helpers.browser``) instead of sleeping.
Without Chromium (or the ``playwright`` package) they are skipped with the reason; with
``LSTMFCN_REQUIRE_BROWSER=1`` (set by CI) a missing browser is a failure.

Two timings are measured and printed, never asserted (``pytest -s`` shows them; they are also
written to ``browser_timings.json`` in pytest's temporary folder): from starting the server to the
first class activation map drawn, and from selecting a sample to the updated map. A bound on a
shared machine fails when other work runs beside it; ``python -m lstmfcn bench --targets`` measures
the cold start against its target.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest

from tests.helpers.browser import (
    CAM_TITLE,
    ERROR,
    EXCEPTION,
    UPLOAD,
    WAIT_MS,
    expect_charts,
    running_server,
    wait_for_app,
    wait_for_text,
)

pytestmark = pytest.mark.browser
TIMINGS: dict[str, float | list[float]] = {}


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    """A fresh server; its first page load (the CAM page) is timed from the server's start."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    t0 = time.perf_counter()
    try:
        with running_server(log) as (base, _):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/cam")
            page.wait_for_selector(CAM_TITLE, timeout=120_000)
            TIMINGS["server_start_to_first_cam_s"] = time.perf_counter() - t0
            page.close()
            yield base
    finally:
        out = tmp_path_factory.getbasetemp() / "browser_timings.json"
        out.write_text(json.dumps(TIMINGS, indent=1))
        print(f"\nbrowser timings: {json.dumps(TIMINGS)} (written to {out}; the server's log: {log})")


@pytest.fixture
def page(browser, server):
    p = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield p
    p.close()


# How many charts each page draws on its default state (GunPoint, the default LSTM-FCN): no
# attention in an LSTM-FCN, no training run yet. A busy machine draws them one by one, so the
# test waits for the whole count rather than counting once the first has appeared.
PAGES = {
    "": 2,
    "data": 3,
    "cam": 3,
    "attention": 0,
    "attributions": 2,  # the method tabs' chart and "Why, in plain words"' shaded map
    "whatif": 2,
    "neighbours": 2,
    "train": 0,
    "filters": 2,
}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_without_an_exception(page, server, path):
    from playwright.sync_api import expect

    page.goto(f"{server}/{path}")
    wait_for_app(page)
    expect_charts(page, PAGES[path])
    expect(page.locator("[data-testid='stSidebar']").get_by_text("Computing on")).to_have_count(1, timeout=WAIT_MS)
    assert page.locator(EXCEPTION).count() == 0


def test_attention_page_draws_an_alstm(page, server, alstm_model):
    page.goto(f"{server}/attention?model={alstm_model}")
    wait_for_app(page)
    expect_charts(page, 1, within=".st-key-attention_matrix")
    expect_charts(page, 6)  # all the page draws for an attention-over-time model on GunPoint
    assert page.locator(EXCEPTION).count() == 0


def _cam_title(page) -> str:
    return page.locator(CAM_TITLE).first.text_content() or ""


def test_selecting_a_sample_updates_the_cam(page, server):
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
        wait_for_text(page, CAM_TITLE, f"#{sample}:", timeout=30_000)
        times.append(time.perf_counter() - t)
        wait_for_app(page)
    TIMINGS["select_sample_to_cam_ms"] = [round(1000 * s) for s in times]
    TIMINGS["select_sample_to_cam_median_ms"] = round(1000 * statistics.median(times))
    assert "sample=88" in page.url  # the selection is in the link
    assert page.locator(EXCEPTION).count() == 0


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
    from playwright.sync_api import expect

    rows = [
        ",".join([gunpoint.classes[y]] + [f"{v:.5f}" for v in x[0]])
        for x, y in zip(gunpoint.X_test, gunpoint.y_test, strict=True)
    ]
    path = tmp_path / "my_gunpoint.csv"
    path.write_text("\n".join(rows))
    page.goto(f"{server}/cam")
    wait_for_app(page)
    page.locator(UPLOAD).first.set_input_files(str(path))
    page.wait_for_url("**dataset=upload*", timeout=WAIT_MS)
    wait_for_app(page)
    page.wait_for_selector(CAM_TITLE)
    expect(page.locator(".st-key-_w_sidebar_dataset input")).to_have_value("uploaded: my_gunpoint.csv", timeout=WAIT_MS)
    assert page.locator(EXCEPTION).count() == 0


def test_mismatched_model_upload_shows_the_reason(page, server, tmp_path):
    from lstmfcn.checkpoint import save_checkpoint
    from lstmfcn.models import ModelConfig, build_model

    path = save_checkpoint(
        tmp_path / "long.safetensors", build_model(ModelConfig("lstmfcn", 1, 300, 2)), {"classes": ["1", "2"]}
    )
    page.goto(f"{server}/")
    wait_for_app(page)
    page.locator(UPLOAD).nth(1).set_input_files(str(path))
    page.locator(ERROR).filter(has_text="length 300").wait_for(timeout=WAIT_MS)
    wait_for_app(page)
    expect_charts(page, PAGES[""])  # the previous model's home page is still shown
    assert page.locator(EXCEPTION).count() == 0


def test_the_app_asks_no_host_but_its_own(page, server):
    """Offline means offline: no font, icon or script from another host, on any page."""
    from urllib.parse import urlparse

    own = urlparse(server).netloc
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss") and urlparse(r.url).netloc != own
            else None
        ),
    )
    for path in PAGES:
        page.goto(f"{server}/{path}")
        wait_for_app(page)
        expect_charts(page, PAGES[path])
    assert elsewhere == [], elsewhere


# The README's screenshots are taken here: LSTMFCN_WRITE_SCREENSHOTS=1 writes them into docs/screenshots/
# (then commit them); otherwise into pytest's temporary folder, so the test still checks what they show.
SCREENSHOTS = {  # page, charts it draws, the heading the shot starts at
    "home.png": ("/?dataset=ECG200&model=ECG200__lstmfcn", 2, "How well does the model do"),
    "cam.png": ("/cam?dataset=ECG200&model=ECG200__lstmfcn&sample=3", 3, "Sample 3 of the test set"),
    "attention.png": ("/attention?dataset=ECG200&model=ECG200__alstmfcn__noshuffle", 6, "How far from uniform"),
}


@pytest.mark.parametrize("name", list(SCREENSHOTS))
def test_screenshots_of_the_guided_home_a_cam_and_attention(page, server, name, tmp_path):
    import os
    import struct

    from tests.helpers.shipped import ROOT

    path, charts, heading = SCREENSHOTS[name]
    folder = ROOT / "docs" / "screenshots" if os.environ.get("LSTMFCN_WRITE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}{path}")
    wait_for_app(page)
    expect_charts(page, charts)
    assert page.locator(EXCEPTION).count() == 0
    if name == "home.png":
        assert page.get_by_text("Start here: samples worth a look").count() == 1
        heading = "Start here: samples worth a look"  # the guided path is what the shot is for
    page.get_by_role("heading", name=heading).first.scroll_into_view_if_needed()
    page.mouse.wheel(0, -40)  # a little of what is above, so the heading is not cut
    page.wait_for_timeout(300)
    out = folder / name
    page.screenshot(path=str(out), full_page=False)
    width, height = struct.unpack(">II", out.read_bytes()[16:24])  # the PNG header's size
    assert (width, height) == (1400, 1000) and out.stat().st_size > 30_000  # a page, not a blank
