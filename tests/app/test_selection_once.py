"""A page resolves its selection once (issue #27): on a cold CAM page the model is checked against
the dataset once, the split is prepared once, and the samples a whole-split computation covers are
worked out once per computation, not again for every chunk and every cached view.

Counts, not times: the same numbers on any machine. Before the selection object the cold CAM page
checked the pair 3 times and worked out its rows 11 times.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

import lstmfcn.dashboard.selection as selection
import lstmfcn.inputs as inputs
import pages._cached_explanations as cached_explanations
from tests.helpers.shipped import APP, LSTMFCN_MODEL


def counted(counts: Counter, name: str, fn):
    def wrapper(*args, **kwargs):
        if threading.current_thread().name != "warm-default-view":  # an earlier server's warm-up: not the page
            counts[name] += 1
        return fn(*args, **kwargs)

    return wrapper


@pytest.mark.slow
def test_a_cold_cam_page_checks_the_pair_once_and_prepares_the_split_once(zoo_patch, monkeypatch, tmp_path):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(tmp_path))  # nothing on disk: every chunk is computed
    monkeypatch.setattr(cached_explanations, "_warm_default_view", lambda: None)
    st.cache_data.clear()
    st.cache_resource.clear()
    counts: Counter = Counter()
    check = counted(counts, "check_fit", inputs.check_fit)
    monkeypatch.setattr(inputs, "check_fit", check)
    monkeypatch.setattr(selection, "check_fit", check)
    monkeypatch.setattr(inputs, "model_input", counted(counts, "model_input", inputs.model_input))
    monkeypatch.setattr(cached_explanations, "rows", counted(counts, "rows", cached_explanations.rows))

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page("pages/cam.py").run()  # a session's first run, straight onto the CAM page

    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["model"] == LSTMFCN_MODEL  # the model was chosen (checked) on this run
    assert len(at.get("plotly_chart")) == 3  # the overview, the sample's map, the class averages
    assert counts["check_fit"] == 1, counts  # the sidebar's choice, the page's check, the split's preparation
    assert counts["model_input"] == 1, counts  # the test split, prepared once for every use
    # once per whole-split computation (the page's maps, the overview, the class averages), never per chunk
    assert counts["rows"] <= 3, counts

    counts.clear()
    at.run()  # a rerun (another sample, a widget) looks everything up
    assert not at.exception and counts["check_fit"] == 0 and counts["model_input"] == 0, counts


def test_a_selection_covers_the_samples_the_split_computations_always_covered(shipped_models, gunpoint):
    """Its rows are the whole split, or the same stratified subset as before (the same samples, so
    the same numbers), worked out once per size; it is keyed by its ids alone."""
    import numpy as np

    from lstmfcn.checkpoint import load_model
    from lstmfcn.dashboard.context import Selection
    from lstmfcn.data.subsets import subset_indices
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path(LSTMFCN_MODEL))
    data = inputs.model_input(model, gunpoint, "test")
    sel = Selection.of(LSTMFCN_MODEL, "GunPoint", "test", model, gunpoint, data)
    np.testing.assert_array_equal(sel.rows(), np.arange(len(data.y)))
    np.testing.assert_array_equal(sel.rows(40), subset_indices(data.y, 40))
    assert len(sel.rows(40)) == 40 and sel.rows(40) is sel.rows(40)
    np.testing.assert_array_equal(sel.X, data.X)
    assert sel.warnings == data.warnings and sel.key == (LSTMFCN_MODEL, "GunPoint", "test")
    again = Selection.of(LSTMFCN_MODEL, "GunPoint", "test", model, gunpoint, data)
    assert again == sel and hash(again) == hash(sel)
    assert Selection.of(LSTMFCN_MODEL, "GunPoint", "train", model, gunpoint, data) != sel
