"""Every chart names the model whose numbers it shows (issue #26), checked in a real browser.

Each page is opened on five datasets of different shapes (GunPoint: 2 classes; ECG5000: 5 classes,
4500 test series; Adiac: 37 classes; BasicMotions: 6 variables; JapaneseVowels: 12 variables of
unequal lengths) with two shipped models in play: A in the sidebar, B on the Compare page. Every
drawn chart is read back from the browser (plotly's own layout of the element): its subtitle names
A, except the charts the Compare page stamps as B's (or both), whose subtitle and stamp name B.

``LSTMFCN_SCREENSHOT_DIR=folder`` also writes a full-page screenshot of every page visited, to
look at (the browser tests never compare pixels).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lstmfcn.checkpoint import load_model
from lstmfcn.dashboard.sources import model_label
from lstmfcn.zoo import pretrained_path
from tests.helpers.browser import CHART, EXCEPTION, WAIT_MS, running_server, wait_for_app

pytestmark = pytest.mark.browser

#: dataset → (model A, model B)
PAIRS = {
    "GunPoint": ("GunPoint__lstmfcn", "GunPoint__alstmfcn__noshuffle"),
    "ECG5000": ("ECG5000__lstmfcn", "ECG5000__alstmfcn"),
    "Adiac": ("Adiac__lstmfcn", "Adiac__alstmfcn"),
    "BasicMotions": ("BasicMotions__mlstmfcn", "BasicMotions__malstmfcn"),
    "JapaneseVowels": ("JapaneseVowels__mlstmfcn", "JapaneseVowels__malstmfcn"),
}
PATHS = ["", "data", "cam", "attention", "attributions", "whatif", "neighbours", "compare", "filters"]
#: (page, sidebar model is A or B): every page with A, and the Attention page with B too (A of the
#: multivariate pairs has no attention, so its page draws nothing; each B is an attention model)
VISITS = [(path, "A") for path in PATHS] + [("attention", "B")]
#: where B's attention is over something (time, or several variables); over Adiac's and ECG5000's
#: single variable the page says there is nothing to show, and draws nothing
ATTENDS = {"GunPoint", "BasicMotions", "JapaneseVowels"}

#: every chart's title, subtitle and provenance stamp, as plotly drew them, once the page has settled
READ_CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(e => ({
    title: (e.layout.title && e.layout.title.text) || '',
    subtitle: (e.layout.title && e.layout.title.subtitle && e.layout.title.subtitle.text) || '',
    made_by: (e.layout.meta && e.layout.meta.made_by) || null,
}))"""


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(log) as (base, _):
        yield base


def label(model_id: str) -> str:
    return model_label(model_id, load_model(pretrained_path(model_id)).metadata, blobs=None)


def settled_charts(page) -> list[dict]:
    """The page's charts once every chart element holds a drawn plot."""
    wait_for_app(page)
    page.wait_for_function(
        f"() => document.querySelectorAll(\"{CHART}\").length === document.querySelectorAll('.js-plotly-plot').length",
        timeout=WAIT_MS,
    )
    return page.evaluate(READ_CHARTS)


@pytest.mark.parametrize("dataset", list(PAIRS))
def test_every_chart_is_labelled_with_the_model_that_made_it(browser, server, dataset):
    a, b = PAIRS[dataset]
    shots = os.environ.get("LSTMFCN_SCREENSHOT_DIR")
    page = browser.new_page(viewport={"width": 1400, "height": 2800 if shots else 1000})  # tall: more in a shot
    wrong: list[str] = []
    try:
        for path, sidebar in VISITS:
            first, second = (a, b) if sidebar == "A" else (b, a)
            name_a, name_b = label(first), label(second)
            page.goto(f"{server}/{path}?dataset={dataset}&model={first}&vs={second}&sample=3")
            charts = settled_charts(page)
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"{dataset}_{path or 'home'}_{sidebar}.png"))
            assert page.locator(EXCEPTION).count() == 0, f"{dataset}/{path}: an exception is shown"
            if path == "attention" and sidebar == "B":
                assert bool(charts) == (dataset in ATTENDS), f"{dataset}: the attention page drew {len(charts)} charts"
            for c in charts:
                if not c["title"]:
                    continue  # an untitled panel carries no claim
                stamp = c["made_by"]
                if stamp is not None:  # made by a named result: the subtitle is that result's
                    expected = [name_b] if stamp["model"] == name_b else [name_a]
                    if stamp["model"].startswith("A = "):
                        expected = [name_a, name_b]
                    ok = all(n in c["subtitle"] and n in stamp["model"] for n in expected)
                else:  # a chart of the page's own model
                    ok = name_a in c["subtitle"] and (name_b not in c["subtitle"] or name_b in name_a)
                if not (ok and c["subtitle"].startswith(dataset)):
                    wrong.append(f"{dataset}/{path}: {c['title']!r} subtitled {c['subtitle']!r}")
            if path == "compare":  # B's charts are there, and say so
                assert any(c["made_by"] and c["made_by"]["model"] == name_b for c in charts), dataset
    finally:
        page.close()
    assert not wrong, "\n".join(wrong)
