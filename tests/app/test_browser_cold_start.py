"""A cold server's first page in a real browser: Home on the embedded default shows the model's
accuracy (the library's number), both charts and the guided path, measured the way the bench
measures it (:func:`lstmfcn.bench.startup.cold_start_seconds`). Its time is printed, never asserted:
timings go in ``bench --targets``."""

from __future__ import annotations

import pytest

from tests.helpers.browser import browser_unavailable, chromium_path

pytestmark = pytest.mark.browser


def test_a_cold_server_draws_home_with_the_library_accuracy(shipped_models, tmp_path):
    if chromium_path() is None:
        browser_unavailable("Chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    from lstmfcn import load_dataset, load_model
    from lstmfcn.bench.startup import cold_start_seconds
    from lstmfcn.evaluation import evaluate
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import DEFAULT_DATASET, pretrained_path

    got = cold_start_seconds(cache_dir=tmp_path)  # an empty disk cache: nothing computed before
    model = load_model(pretrained_path(f"{DEFAULT_DATASET}__lstmfcn"))
    a = model_input(model, load_dataset(DEFAULT_DATASET), "test")
    accuracy = evaluate(model, a.X, a.y, a.lengths).accuracy
    assert got["accuracy_shown"] == f"Test accuracy {accuracy:.1%}"
    assert "Chromium" in got["measured_to"] and got["http_s"] < got["seconds"]
    print(f"\ncold start to Home drawn: {got['seconds']:.1f} s (server CPU {got['server_cpu_s']:.1f} s)")
