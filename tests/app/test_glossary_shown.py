"""No page shows a glossary term without its explanation (issue #30): every text element that
uses a term carries the term's plain line in its tooltip (see ``tests.helpers.glossary_check``)."""

from __future__ import annotations

import time

import pytest

from lstmfcn import glossary
from pages._navigation import PAGES as NAVIGATION
from tests.helpers.glossary_check import unexplained

#: Every page of the navigation but presenter mode (built alongside this check, not yet held to it).
PAGES = [p.script for p in NAVIGATION if p.script != "pages/present.py"]
ATTRIBUTION_TABS = ["Class averages", "Faithfulness & agreement", "Sanity check"]


def _shown(app, page: str, **query):
    at = app(**query)
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_gunpoint_pages_explain_every_term_they_show(app, page):
    at = _shown(app, page)
    assert unexplained(at) == []


def test_attention_page_with_attention_explains_its_terms(app, alstm_model):
    at = _shown(app, "pages/attention.py", model=alstm_model)
    assert unexplained(at) == []


@pytest.mark.parametrize("tab", ATTRIBUTION_TABS)
def test_attribution_tabs_explain_their_terms(app, tab):
    """Each tab once its result is drawn (the checks run in the background: rerun as the page's poll does)."""
    at = _shown(app, "pages/attributions.py")
    at.default_timeout = 240  # the class averages of 150 samples are computed in the run itself
    at.session_state["attr_methods"] = ["cam", "ig"]
    at.session_state["method"] = "cam"  # the class averages of the CAM: the quickest
    at.session_state["attr_faith_n"], at.session_state["attr_sanity_n"] = 8, 4  # a small check: quick
    at.session_state["attr_tab"] = tab  # as a click on the tab does (its key)
    at.run()
    deadline = time.monotonic() + 240
    while at.get("progress") and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert not at.exception and not at.get("progress"), "the check did not end in time"
    assert unexplained(at) == []


@pytest.mark.parametrize("page", ["pages/home.py", "pages/cam.py", "pages/attributions.py", "pages/what_matters.py"])
def test_basicmotions_pages_explain_every_term_they_show(app, page):
    at = _shown(app, page, dataset="BasicMotions", model="BasicMotions__malstmfcn")
    assert unexplained(at) == []


def test_a_missing_explanation_is_caught(app, monkeypatch):
    """The check fails when one explanation goes: the CAM's line dropped from every tooltip."""
    real = glossary.help_text

    def without_cam(*texts):
        tip = real(*texts)
        kept = [line for line in (tip or "").split("\n\n") if line and not line.startswith("**CAM**")]
        return "\n\n".join(kept) or None

    monkeypatch.setattr(glossary, "help_text", without_cam)
    problems = unexplained(_shown(app, "pages/cam.py"))
    assert problems and all("CAM" in p for p in problems), problems
    assert any(p.startswith("title 'Class activation maps") for p in problems)
