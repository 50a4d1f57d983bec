"""Downloads are small and named (dataset, model, sample, method); tables keep whole headers; no
probability shows as a rounded certainty on the guided path."""

from __future__ import annotations

import json

import numpy as np

from lstmfcn.dashboard.downloads import file_name, model_tag
from lstmfcn.words import p_equals, percent, shown_probability


def test_file_names_carry_dataset_model_and_what_the_chart_shows():
    meta = {"model": {"arch": "alstmfcn", "shuffle": False}}
    assert model_tag("GunPoint__alstmfcn__noshuffle", meta) == "alstmfcn-noshuffle"
    assert model_tag("upload:ab12", {"model": {"arch": "lstmfcn"}}) == "lstmfcn-upload"
    assert model_tag("trained:ab12", {"model": {"arch": "mlstmfcn"}}) == "mlstmfcn-trained"
    name = file_name("GunPoint", "lstmfcn", "attributions_GunPoint_test_3_Gun (1)")
    assert name == "GunPoint_lstmfcn_attributions_test_3_Gun-1"  # the page's repeated dataset name left out
    assert file_name("ECG5000", "lstmfcn", "class_average_ig_ECG5000_test") == "ECG5000_lstmfcn_class_average_ig_test"


def test_probabilities_are_never_shown_as_a_rounded_certainty():
    assert percent(0.99998) == "over 99.9%" and p_equals(0.99998) == "p > 99.9%"
    assert p_equals(0.00002) == "p < 0.1%" and p_equals(0.873) == "p = 87.3%"
    shown = shown_probability(np.array([0.99998, 0.00002, 0.5, 0.87356, 1.0, 0.0]))
    np.testing.assert_allclose(shown, [0.9999, 0.0001, 0.5, 0.8735, 1.0, 0.0])


def config_of(chart) -> dict:
    return json.loads(chart.proto.config)


def test_chart_downloads_are_a_named_png_and_a_csv_not_a_5_mb_page(app):
    at = app(dataset="GunPoint", model="GunPoint__lstmfcn", sample=3)
    at.switch_page("pages/attributions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        options = config_of(chart)["toImageButtonOptions"]
        assert options["format"] == "png" and options["filename"].startswith("GunPoint_lstmfcn_")
        subtitle = spec["layout"]["title"]["subtitle"]["text"]
        assert "GunPoint" in subtitle and "LSTM-FCN" in subtitle  # the picture says where it came from
        assert len(chart.proto.spec) < 200_000  # the chart's own data; plotly.js is the browser's, never sent again
    sample = config_of(charts[0])["toImageButtonOptions"]["filename"]
    assert sample.startswith("GunPoint_lstmfcn_attributions_test_3_")  # split and sample, then the class explained
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Data (CSV)" in labels and not [lab for lab in labels if "HTML" in lab and lab != "Report (HTML)"]


def column_config(frame) -> dict:
    return json.loads(frame.proto.columns)


def test_the_cam_pages_misclassified_table_keeps_whole_headers(app):
    at = app(dataset="ECG200", model="ECG200__lstmfcn")
    at.switch_page("pages/cam.py").run()
    assert not at.exception, [e.value for e in at.exception]
    [frame] = [d for d in at.dataframe if d.key == "cam_wrong_table"]
    cols = column_config(frame)
    assert {"sample", "true class", "predicted", "confidence", "p(true class)"} <= set(cols)
    assert cols["confidence"]["label"] == "confidence" and cols["confidence"]["width"] == "medium"
    shown = frame.value
    assert ((shown["confidence"] < 1.0) & (shown["p(true class)"] > 0.0)).all()
