"""Names instead of numbers where the archive gives them: classes on Home, variables on the Data page."""

from __future__ import annotations

import json


def figure(at, title_start: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


def test_home_names_chinatowns_classes(app):
    at = app(dataset="Chinatown", model="Chinatown__lstmfcn")
    assert not at.exception
    bars = figure(at, "Accuracy per class")
    shown = json.dumps(bars["data"]) + json.dumps(bars["layout"])
    assert "Weekend (1)" in shown and "Weekday (2)" in shown
    assert any("Weekend (1)" in m.value or "Weekday (2)" in m.value for m in at.markdown)  # the guided path


def test_data_page_names_japanese_vowels_variables(app):
    at = app(dataset="JapaneseVowels", model="JapaneseVowels__mlstmfcn")
    at.switch_page("pages/data.py").run()
    assert not at.exception
    picker = at.multiselect(key="data_variables")
    assert picker.format_func(0) == "LPC cepstrum coefficient 1"
    samples = json.dumps(figure(at, "Samples of each class"))
    assert "LPC cepstrum coefficient 1" in samples and "speaker 1 (1)" in samples
