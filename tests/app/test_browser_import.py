"""In a real browser: weights trained with tsai, uploaded through the sidebar, are imported and the
CAM page draws their class activation maps (issue #28)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import CAM_TITLE, EXCEPTION, UPLOAD, WAIT_MS, running_server, wait_for_app

pytestmark = pytest.mark.browser
FOREIGN = Path(__file__).parents[1] / "fixtures" / "foreign"


def test_uploaded_tsai_weights_are_imported_and_their_cam_drawn(browser, shipped_models, tmp_path):
    from playwright.sync_api import expect

    with running_server(tmp_path / "streamlit.log") as (base, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/cam")
        wait_for_app(page)
        page.wait_for_selector(CAM_TITLE, timeout=120_000)
        # The library is told by the file; the normalisation is the default, none: as the fixture was trained.
        page.locator(UPLOAD).nth(1).set_input_files(str(FOREIGN / "tsai_lstmfcn_gunpoint.pth"))
        page.wait_for_url("**model=upload*", timeout=WAIT_MS)
        wait_for_app(page)
        page.wait_for_selector(CAM_TITLE, timeout=WAIT_MS)
        expect(page.get_by_text("imported from tsai", exact=False).first).to_be_visible(timeout=WAIT_MS)
        assert page.locator(EXCEPTION).count() == 0
        page.close()
