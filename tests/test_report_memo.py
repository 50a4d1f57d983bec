"""The report built from what the dashboard's pages computed (Home's evaluation from its chunked
logits, the What matters page's importance at its defaults) and rebuilt from its own memo is the
report built from nothing: the same page, number for number (``build_report``'s ``memo``)."""

from __future__ import annotations

import re

import pytest

from lstmfcn import load_dataset, load_model
from lstmfcn.bench.startup import pages_results
from lstmfcn.report import build_report
from tests.helpers.shipped import LSTMFCN_MODEL

SAMPLES = 8  # a small report: the checks and the importance on 8 series, as the full one on 200


def _same_page(html: str) -> str:
    """The page without what differs between any two builds: plotly's random div ids, the minute it was made."""
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", html)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d [^<]*", "WHEN", html)


def _what_the_pages_computed(model, ds) -> dict:
    """Home's evaluation and the What matters page's importance, as the pages compute and keep them
    (the importance as read back from the disk cache's arrays)."""
    from lstmfcn.importance.stored import from_arrays, to_arrays

    memo = pages_results(model, ds, "test", SAMPLES)
    rows, result, agreements = memo["importance"]
    memo["importance"] = (rows, *from_arrays(to_arrays(result, agreements)))
    return memo


@pytest.fixture(scope="module")
def gunpoint(shipped_models):
    return load_model(shipped_models / f"{LSTMFCN_MODEL}.safetensors"), load_dataset("GunPoint")


@pytest.mark.slow
def test_the_report_from_the_pages_results_and_from_its_memo_is_the_report(gunpoint, monkeypatch):
    import lstmfcn.importance
    import lstmfcn.report
    import lstmfcn.report_sections

    model, ds = gunpoint
    options = {"samples": SAMPLES, "resample": True, "class_subset": True, "model_name": "m"}
    fresh = build_report(model, ds, **options)

    memo = _what_the_pages_computed(model, ds)

    def never(*args, **kwargs):
        raise AssertionError("computed again although the page's result was given")

    with monkeypatch.context() as m:
        m.setattr(lstmfcn.report, "evaluate", never)
        m.setattr(lstmfcn.importance, "permutation_importance", never)
        from_pages = build_report(model, ds, memo=memo, **options)
    assert _same_page(from_pages) == _same_page(fresh)

    steps = []
    for name in ("evaluate", "faithfulness_report", "model_randomisation_check"):
        monkeypatch.setattr(lstmfcn.report, name, never)
    for name in ("class_activation_maps", "attention_maps"):  # the sections' own calls
        monkeypatch.setattr(lstmfcn.report_sections, name, never)
    again = build_report(model, ds, memo=memo, progress=lambda f, what: steps.append(what), **options)
    assert _same_page(again) == _same_page(fresh)
    assert steps[-1] == "done" and len(steps) >= 5  # the steps are still named as they pass


@pytest.mark.slow
def test_the_pages_importance_on_other_rows_is_not_used(gunpoint, monkeypatch):
    import lstmfcn.report_sections

    model, ds = gunpoint
    memo = _what_the_pages_computed(model, ds)
    rows, result, agreements = memo["importance"]
    memo["importance"] = (rows[:-1], result, agreements)  # not the report's series
    used = []
    real = lstmfcn.report_sections.what_matters
    monkeypatch.setattr(lstmfcn.report_sections, "what_matters", lambda *a: used.append(a[-1]) or real(*a))
    build_report(model, ds, samples=SAMPLES, memo=memo, resample=True, class_subset=True)
    assert used == [None]  # computed afresh
