"""Compare, What-if and Neighbours in a real browser (Chromium, see tests.helpers.browser): the
Compare page draws both models and a click on a disagreeing sample selects it; the README's
screenshots of these pages (``LSTMFCN_WRITE_SCREENSHOTS=1`` writes them into docs/screenshots/)."""

from __future__ import annotations

import os

import pytest

from tests.helpers.browser import EXCEPTION, WAIT_MS, expect_charts, running_server, screenshot_at, wait_for_app
from tests.helpers.shipped import ROOT

pytestmark = pytest.mark.browser
ECG200 = "dataset=ECG200&model=ECG200__lstmfcn"


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(log) as (base, _):
        yield base


@pytest.fixture
def page(browser, server):
    p = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield p
    p.close()


def test_compare_draws_both_models_and_a_disagreeing_sample_is_one_click_away(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server}/compare?{ECG200}&vs=ECG200__alstmfcn")
    wait_for_app(page)
    expect_charts(page, 5)  # the probabilities, and each model's CAM and attribution
    assert page.locator(EXCEPTION).count() == 0
    expect(page.get_by_text("they disagree on 1")).to_have_count(1, timeout=WAIT_MS)
    grid = page.locator(".st-key-compare_disagreements [data-testid='stDataFrame']")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection cell, under the header
    page.wait_for_url("**sample=6**", timeout=WAIT_MS)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Test sample 6")).to_have_count(1, timeout=WAIT_MS)
    assert "vs=ECG200__alstmfcn" in page.url and page.locator(EXCEPTION).count() == 0


def test_dragging_across_the_whatif_chart_sets_the_edit_window(page, server):
    page.goto(f"{server}/whatif?{ECG200}&sample=3")
    wait_for_app(page)
    expect_charts(page, 2)
    thumbs = page.locator(".st-key-whatif_window [data-testid='stSliderThumbValue']")
    assert thumbs.all_text_contents() == ["32", "41"]  # the default window: a tenth of 96 steps from a third
    area = page.locator(".st-key-whatif_cam .nsewdrag").first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.5 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.7 * box["width"], y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.st-key-whatif_window [data-testid=stSliderThumbValue]')]"
        ".map(e => e.textContent).join() !== '32,41'",
        timeout=WAIT_MS,
    )
    wait_for_app(page)
    start, stop = (int(t) for t in thumbs.all_text_contents())
    assert 40 <= start < stop <= 75 and stop - start >= 10  # about half to 70 % of the way along 96 steps
    assert page.locator(EXCEPTION).count() == 0


SCREENSHOTS = {  # page, charts it draws, the text the shot starts at
    "compare.png": (f"/compare?{ECG200}&vs=ECG200__alstmfcn&sample=6", 5, "Test sample 6: 1"),
    "whatif.png": (f"/whatif?{ECG200}&sample=3", 2, "Window (time steps)"),  # an edit is applied first
    "neighbours.png": (f"/neighbours?{ECG200}&sample=3", 2, "Test sample 3"),
}


@pytest.mark.parametrize("name", list(SCREENSHOTS))
def test_screenshots_of_compare_whatif_and_neighbours(page, server, name, tmp_path):
    path, charts, heading = SCREENSHOTS[name]
    folder = ROOT / "docs" / "screenshots" if os.environ.get("LSTMFCN_WRITE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}{path}")
    wait_for_app(page)
    expect_charts(page, charts)
    assert page.locator(EXCEPTION).count() == 0
    if name == "whatif.png":  # the shot shows an edit applied, with the answer before and after
        page.get_by_role("button", name="Apply edit").click()
        page.get_by_text("1 edit(s)").wait_for(timeout=WAIT_MS)
        wait_for_app(page)
        expect_charts(page, charts)
    screenshot_at(page, heading, folder / name)
