"""The Neighbours page: the nearest training series are the library's, the prototypes are shown,
and clicking a point of the feature-space chart selects that sample."""

from __future__ import annotations

import json

import numpy as np

from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.inputs import model_input
from lstmfcn.neighbours import nearest
from lstmfcn.zoo import pretrained_path


def n_points(values) -> int:
    """Points in a Plotly array: a list, or a typed array (``{"dtype", "bdata"}``) as Plotly 6+ writes numpy."""
    if isinstance(values, dict):
        import base64

        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


def test_the_nearest_training_series_are_the_librarys(app):
    at = app(sample=7)
    at.switch_page("pages/neighbours.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "training series" in d.value.columns)
    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    ds = load_dataset("GunPoint")
    test, train = model_input(model, ds, "test"), model_input(model, ds, "train")
    order, dist = nearest(model, test.X[7], train.X, k=5)
    np.testing.assert_array_equal(shown["training series"].to_numpy(), order)
    np.testing.assert_allclose(shown["distance"].to_numpy(), dist.round(3), atol=2e-3)
    assert any("prototype (training series)" in d.value.columns for d in at.dataframe)
    spec = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "feature space" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    assert sum(n_points(t["x"]) for t in spec["data"] if t.get("customdata") is not None) == len(
        test.y
    )  # every test series


def test_the_page_says_when_umap_is_unavailable(app):
    from lstmfcn.neighbours import umap_available

    at = app()
    at.switch_page("pages/neighbours.py").run()
    assert not at.exception, [e.value for e in at.exception]
    said = any("UMAP is not available here" in c.value for c in at.caption)
    assert said == (not umap_available())
    assert any(s.label == "Projection" for s in at.get("button_group")) == umap_available()
