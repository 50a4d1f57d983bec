"""The Sweep page in a real browser: a tiny sweep folder's table is drawn, a click on the selected
model's row opens it, and the CAM page then draws that model's maps (precomputed by the sweep)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lstmfcn.sweep import store
from tests.helpers.browser import CAM_TITLE, EXCEPTION, WAIT_MS, expect_charts, running_server, wait_for_app
from tests.helpers.sweeps import tiny_sweep_folder

pytestmark = pytest.mark.browser
ROW_PX, HEADER_PX = 35, 35  # the data grid's default row and header heights


@pytest.fixture(scope="module")
def sweep_server(browser, shipped_models, tmp_path_factory):
    folder = tiny_sweep_folder(tmp_path_factory.mktemp("sweep"))
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    before = os.environ.get("LSTMFCN_SWEEP_DIR")
    os.environ["LSTMFCN_SWEEP_DIR"] = str(folder)  # the page's default folder, in the server's environment
    try:
        with running_server(log) as (base, _):
            yield base, folder
    finally:
        if before is None:
            os.environ.pop("LSTMFCN_SWEEP_DIR", None)
        else:
            os.environ["LSTMFCN_SWEEP_DIR"] = before


def test_a_click_on_a_row_opens_that_model_on_the_cam_page(browser, sweep_server):
    from playwright.sync_api import expect

    base, folder = sweep_server
    results = store.read_results(folder)
    i = int(np.flatnonzero(results["selected"].astype(bool))[0])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/sweep")
        wait_for_app(page)
        expect_charts(page, 1)  # ours against the published table
        grid = page.locator(".st-key-sweep_rows [data-testid='stDataFrame']")
        grid.wait_for(timeout=WAIT_MS)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 14, box["y"] + HEADER_PX + ROW_PX * i + ROW_PX / 2)  # the row's selector
        opened = page.locator("[data-testid='stAlertContentSuccess']")
        expect(opened).to_have_count(1, timeout=WAIT_MS)
        cells = int(results["cells"].iloc[i])
        assert f"{cells} cells · refit" in opened.text_content()  # the row clicked: the selected model
        wait_for_app(page)
        assert "model=sweep%3A" in page.url or "model=sweep:" in page.url
        assert "dataset=ItalyPowerDemand" in page.url
        page.get_by_role("link", name="Class activation maps").first.click()
        page.wait_for_selector(CAM_TITLE, timeout=WAIT_MS)
        wait_for_app(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text("sweep ItalyPowerDemand__lstmfcn", exact=False).first).to_be_visible(timeout=WAIT_MS)
        assert page.locator(EXCEPTION).count() == 0
    finally:
        page.close()
