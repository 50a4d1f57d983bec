"""The report explains every term it uses, from the same glossary as the pages (issue #30): on
hover where the term stands (an ``<abbr>`` the page's script adds, checked in Chromium too) and in
a list at the end."""

from __future__ import annotations

import html
import re

import pytest

from lstmfcn import glossary
from lstmfcn.checkpoint import load_model
from lstmfcn.report import build_report
from tests.helpers.browser import launched_chromium
from tests.helpers.glossary_check import unexplained_in_html
from tests.helpers.shipped import ALSTMFCN_MODEL, LSTMFCN_MODEL, require_shipped


@pytest.fixture(scope="module", params=[LSTMFCN_MODEL, ALSTMFCN_MODEL])
def report_page(request, shipped_models, gunpoint):
    require_shipped(shipped_models, request.param)
    return build_report(load_model(shipped_models / f"{request.param}.safetensors"), gunpoint, samples=8)


@pytest.mark.slow
def test_every_term_in_the_report_has_its_explanation(report_page):
    assert 'id="glossary-terms"' in report_page
    assert unexplained_in_html(report_page) == []


def test_the_report_ends_with_the_words_it_used(report_page):
    tail = report_page.split("<h2>Words used in this report</h2>")[1]
    used = {
        html.unescape(name): html.unescape(line) for name, line in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", tail)
    }
    assert used["CAM"] == glossary.term("CAM").explanation
    assert {"faithfulness", "sanity check", "LSTM-FCN"} <= set(used)


def test_the_check_sees_a_term_left_unexplained(report_page):
    without_cam = re.sub(r'"CAM": "[^"]*",? ?', "", report_page, count=1)
    assert without_cam != report_page
    assert "'CAM' without its explanation" in unexplained_in_html(without_cam)


@pytest.mark.slow
def test_in_a_browser_every_term_of_the_prose_is_an_abbr_with_its_explanation(report_page, tmp_path):
    file = tmp_path / "report.html"
    file.write_text(report_page, encoding="utf-8")
    with launched_chromium() as browser:
        page = browser.new_page()
        page.goto(file.as_uri())
        abbrs = page.eval_on_selector_all("abbr[title]", "els => els.map(e => [e.textContent, e.title])")
        # the prose as the reader sees it, less what the <abbr>s, charts, scripts and the list hold
        bare = page.evaluate(
            """() => { const c = document.body.cloneNode(true);
                c.querySelectorAll('abbr, script, style, dl, svg, .plotly-graph-div').forEach(e => e.remove());
                return c.textContent; }"""
        )
    assert abbrs and all(title == glossary.find_terms(word)[0].explanation for word, title in abbrs)
    assert "CAM" in {word for word, _ in abbrs}
    assert glossary.find_terms(bare) == []
