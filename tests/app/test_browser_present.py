"""Presenter mode in a real browser at a projector's 1280 × 720: played with the arrow keys through
GunPoint, the first samples of ECG5000 and the first of BasicMotions (six variables) and Adiac (37
classes); every screen has its heading and a sentence, nothing overlaps, nothing scrolls sideways,
no exception.

``LSTMFCN_SCREENSHOT_DIR=folder`` writes a shot of every screen; ``LSTMFCN_WRITE_SCREENSHOTS=1`` writes
the README's (``docs/screenshots/present_*.png``: GunPoint's four screens of its first sample).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.browser import EXCEPTION, running_server, wait_for_app, wait_for_text

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PROJECTOR = {"width": 1280, "height": 720}
#: A screen's parts that must never overlap one another.
PARTS = {
    "where": ".st-key-present_where",
    "heading": ".block-container h2",
    "chart": "[data-testid='stPlotlyChart']",
    "words": ".st-key-present_words",
    "back": ".st-key-present_back",
    "next": ".st-key-present_next",
    "leave": ".st-key-present_leave",
    "progress": "[data-testid='stProgress']",
}
#: Screens played per dataset: all of GunPoint's, ECG5000's first three samples (right answer, mistake, close
#: call), the first sample of a multivariate set and of one with many classes.
PLAYED = {
    "GunPoint": ("GunPoint__lstmfcn", 8),
    "ECG5000": ("ECG5000__lstmfcn", 12),
    "BasicMotions": ("BasicMotions__mlstmfcn", 4),  # six variables: the tallest chart
    "Adiac": ("Adiac__lstmfcn", 4),  # 37 classes
}
#: Names given on the first screen before the talk starts.
NAMES = {"GunPoint": {"1": "Gun", "2": "Point"}}
README_SHOTS = {1: "series", 2: "because", 3: "other", 4: "whatif"}
STEP_MS = 240_000  # a counterfactual search on a busy 2-core machine


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(log) as (base, _):
        yield base


def layout(page) -> dict:
    """Each part's box, the page's widths, and the overlapping pairs (more than a pixel each way)."""
    return page.evaluate(
        """(parts) => {
          const boxes = {};
          for (const [name, sel] of Object.entries(parts)) {
            const el = document.querySelector(sel);
            if (el) { const r = el.getBoundingClientRect(); boxes[name] = [r.left, r.top, r.right, r.bottom]; }
          }
          const names = Object.keys(boxes), overlaps = [];
          for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
            const [a, b] = [boxes[names[i]], boxes[names[j]]];
            const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
            if (w > 1 && h > 1) overlaps.push(names[i] + " / " + names[j]);
          }
          const d = document.documentElement;
          return {boxes, overlaps, scrollWidth: d.scrollWidth, clientWidth: d.clientWidth};
        }""",
        PARTS,
    )


def check_screen(page, n: int) -> None:
    wait_for_text(page, ".st-key-present_where", f"screen {n} of", timeout=STEP_MS)
    wait_for_app(page, timeout=STEP_MS)
    page.wait_for_selector(f"{PARTS['chart']} .main-svg", timeout=STEP_MS)
    assert page.locator(EXCEPTION).count() == 0
    heading = page.locator(".block-container h2").first.inner_text()
    said = page.locator(".st-key-present_words strong").first.inner_text()
    assert heading.strip() and said.strip().endswith((".", "?")), (heading, said)
    found = layout(page)
    assert set(found["boxes"]) == set(PARTS), f"screen {n}: missing {set(PARTS) - set(found['boxes'])}"
    assert not found["overlaps"], f"screen {n}: {found['overlaps']}"
    assert found["scrollWidth"] <= found["clientWidth"], f"screen {n} scrolls sideways: {found}"


def shot(page, dataset: str, n: int) -> None:
    if dataset == "GunPoint" and n in README_SHOTS and os.environ.get("LSTMFCN_WRITE_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"present_{README_SHOTS[n]}.png"))
    folder = os.environ.get("LSTMFCN_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"present_{dataset}_{n:02d}.png"))


@pytest.mark.parametrize("dataset", list(PLAYED))
def test_presenter_mode_plays_with_the_arrow_keys_on_a_projector(browser, server, dataset):
    from playwright.sync_api import expect

    model, screens = PLAYED[dataset]
    page = browser.new_page(viewport=PROJECTOR)
    try:
        page.goto(f"{server}/present?dataset={dataset}&model={model}")
        page.get_by_text("The talk: ").wait_for(timeout=STEP_MS)  # the split evaluated (minutes on a cold cache)
        wait_for_app(page)
        for label, name in NAMES.get(dataset, {}).items():  # named first, as a presenter would
            page.locator(f".st-key-present_name_c_{label} input").fill(name)
            page.keyboard.press("Enter")
            page.wait_for_url(f"**{name}**")
            wait_for_app(page)
        page.get_by_role("button", name="Start presenting").click()
        check_screen(page, 1)
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()  # the sidebar's machinery is gone
        assert "present=1" in page.url
        shot(page, dataset, 1)
        for n in range(2, screens + 1):
            page.keyboard.press("ArrowRight")
            check_screen(page, n)
            shot(page, dataset, n)
        page.keyboard.press("ArrowLeft")
        check_screen(page, screens - 1)
        for name in NAMES.get(dataset, {}).values():
            assert page.get_by_text(name).count() > 0
        page.reload()  # the link keeps the place
        check_screen(page, screens - 1)
    finally:
        page.close()
