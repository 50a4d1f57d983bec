"""The What matters page in a real browser: univariate, many classes, several variables (of unequal
lengths) and an uploaded file; it ends with its sentence and both charts, and never an exception.

``LSTMFCN_SCREENSHOT_DIR=folder`` writes a shot of each; ``LSTMFCN_WRITE_SCREENSHOTS=1`` writes the
README's (``docs/screenshots/what_matters.png``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.browser import EXCEPTION, UPLOAD, expect_charts, running_server, screenshot_at, wait_for_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: The page's first sentence, once the result is drawn (an h4).
HEADLINE = "h4"
#: How long a run may take on a busy 2-core machine (its default settings stay under a minute alone).
RUN_MS = 300_000
MODELS = {
    "GunPoint": "GunPoint__lstmfcn",
    "Adiac": "Adiac__lstmfcn",
    "BasicMotions": "BasicMotions__mlstmfcn",
    "JapaneseVowels": "JapaneseVowels__mlstmfcn",
}


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(log) as (base, _):
        yield base


def finished(page, charts: int) -> str:
    """The page's headline once the run has ended and its charts are drawn (a run estimated at over
    a minute on a busy machine waits for its Start button: pressed, as a user would)."""
    start = page.get_by_role("button", name="Start (about")
    if start.count():
        start.first.click()
    page.wait_for_selector(f"{HEADLINE}:has-text('Over all classes')", timeout=RUN_MS)
    wait_for_app(page)
    expect_charts(page, charts)
    assert page.locator(EXCEPTION).count() == 0
    return page.locator(HEADLINE).filter(has_text="Over all classes").first.inner_text()


def shot(page, name: str, tmp_path: Path) -> None:
    folder = os.environ.get("LSTMFCN_SCREENSHOT_DIR")
    if name == "GunPoint" and os.environ.get("LSTMFCN_WRITE_SCREENSHOTS") == "1":
        screenshot_at(page, "Measured as", ROOT / "docs" / "screenshots" / "what_matters.png")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"what_matters_{name}.png"), full_page=True)


@pytest.mark.parametrize("dataset", list(MODELS))
def test_the_page_ends_with_its_sentence_and_charts(browser, server, dataset, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/what_matters?dataset={dataset}&model={MODELS[dataset]}")
        wait_for_app(page)
        said = finished(page, 1 if dataset in ("GunPoint", "Adiac") else 2)  # one variable: the windows' bars
        assert said.startswith("Over all classes, ") and said.endswith(".")
        assert (
            page.get_by_text("with the model's own behaviour (ρ = ").count()
            + page.get_by_text("cannot be compared").count()
            > 0
        )
        shot(page, dataset, tmp_path)
    finally:
        page.close()


def test_an_uploaded_file_is_explained_too(browser, server, tmp_path):
    from lstmfcn.data import load_dataset

    gunpoint = load_dataset("GunPoint")
    rows = [
        ",".join([gunpoint.classes[y]] + [f"{v:.5f}" for v in x[0]])
        for x, y in zip(gunpoint.X_test, gunpoint.y_test, strict=True)
    ]
    path = tmp_path / "my_gunpoint.csv"
    path.write_text("\n".join(rows))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/what_matters?dataset=GunPoint&model=GunPoint__lstmfcn")
        wait_for_app(page)
        finished(page, 1)  # the embedded dataset's result first: the upload then replaces a settled page
        page.locator(UPLOAD).first.set_input_files(str(path))
        page.wait_for_url("**dataset=upload*", timeout=RUN_MS)
        wait_for_app(page)
        said = finished(page, 1)
        assert said.startswith("Over all classes, ")
        shot(page, "upload", tmp_path)
    finally:
        page.close()
