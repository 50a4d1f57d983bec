"""The same series explained through the Python API, the CLI and the dashboard's code path gives
identical maps: all three take the model's input from :func:`lstmfcn.model_input` (checked on the
per-dataset-normalised JapaneseVowels model, the case the two old paths disagreed on)."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn import zoo
from lstmfcn.checkpoint import load_model
from lstmfcn.cli import main
from lstmfcn.data import load_dataset
from lstmfcn.explain import explain
from lstmfcn.inputs import model_input

MODELS = ["JapaneseVowels__mlstmfcn", "GunPoint__alstmfcn__noshuffle"]
METHODS = ["ig", "occlusion"]
N = 3


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_api_cli_and_dashboard_explain_the_same_input_alike(zoo_patch, name, tmp_path):
    from lstmfcn.dashboard.explanations import options_of
    from pages import _cached_explanations as cached_explanations
    from pages import _cached_resources as cached_resources

    path = zoo.pretrained_path(name)
    model = load_model(path)
    dataset = model.metadata["dataset"]["name"]
    inputs = model_input(model, load_dataset(dataset), "test")
    api = explain(model, inputs.X[:N], ["cam", *METHODS], lengths=inputs.lengths[:N], ig_steps=32)

    out = tmp_path / "maps.npz"
    argv = ["explain", "--checkpoint", str(path), "--dataset", dataset, "--methods", ",".join(["cam", *METHODS])]
    assert main([*argv, "--limit", str(N), "--out", str(out)]) == 0
    cli = np.load(out)

    page = cached_resources.aligned(name, dataset, "test")  # what every page draws and explains
    np.testing.assert_array_equal(page.X[:N], inputs.X[:N])
    np.testing.assert_array_equal(cli["x"], inputs.X[:N])
    cams = cached_explanations.split_explanation("cam", name, dataset, "test", "", progress=False)
    np.testing.assert_array_equal(cli["cam_all"], api["cam_all"])
    np.testing.assert_allclose(cams["cam"][:N], api["cam_all"], rtol=1e-5, atol=1e-5)  # batched with the whole split
    for method in METHODS:
        np.testing.assert_array_equal(cli[method], api[method])
        for i in range(N):
            target = int(api["target"][i])
            drawn = cached_explanations.sample_attribution(name, dataset, "test", i, target, method, options_of(method))
            np.testing.assert_allclose(drawn, api[method][i], rtol=1e-4, atol=1e-5)  # one sample per pass here
