"""Numbers that stay honest: no NaN or inf from a constant series, an all-zero series or a zero
baseline, in any method, model variant or dashboard adapter; and a clear refusal to train on
data that cannot teach a classifier anything."""

from __future__ import annotations

import time

import numpy as np
import pytest

from lstmfcn.dashboard import explanations, sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.data import load_dataset_from_bytes
from lstmfcn.errors import TrainingError
from lstmfcn.explain import BASELINES, METHODS, explain
from lstmfcn.explain.attention import attended_axis, has_attention
from lstmfcn.models import ARCHITECTURES, ModelConfig
from lstmfcn.training import TrainConfig, fit
from lstmfcn.workflow import train_on_dataset
from tests.helpers.models import T_TINY, tiny_model
from tests.helpers.shipped import ALSTMFCN_MODEL, LSTMFCN_MODEL, require_shipped

pytestmark = pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning")  # Captum, on our copies

HARD_INPUTS = {
    "constant": lambda n, v, t: np.full((n, v, t), 3.0, np.float32),
    "all zero": lambda n, v, t: np.zeros((n, v, t), np.float32),
    "constant, padded": lambda n, v, t: (
        np.where(np.arange(t) < t // 2, -1.5, 0.0).astype(np.float32) + np.zeros((n, v, 1), np.float32)
    ),
}
VARIANTS = [(arch, shuffle) for arch in ARCHITECTURES for shuffle in (True, False)]


def lengths_for(name: str, n: int, t: int) -> np.ndarray | None:
    return np.full(n, t // 2) if "padded" in name else None


@pytest.mark.slow
@pytest.mark.parametrize("arch,shuffle", VARIANTS, ids=[f"{a}-{'shuffle' if s else 'time'}" for a, s in VARIANTS])
@pytest.mark.parametrize("inputs", list(HARD_INPUTS))
def test_every_method_is_finite_on_flat_input_for_every_variant(arch, shuffle, inputs):
    model = tiny_model(arch, shuffle, n_vars=2)
    x = HARD_INPUTS[inputs](2, 2, T_TINY)
    lengths = lengths_for(inputs, 2, T_TINY)
    for baseline in BASELINES:
        res = explain(model, x, list(METHODS), lengths=lengths, baseline=baseline, ig_steps=4, n_samples=2)
        for key in [*res["methods"], "logits", "cam_all", "cam_offset", "ig_delta"]:
            assert np.isfinite(res[key]).all(), (baseline, key)
        assert "ig" in res["methods"] and "occlusion" in res["methods"]


@pytest.mark.slow
@pytest.mark.parametrize("model_id", [LSTMFCN_MODEL, ALSTMFCN_MODEL])
def test_the_dashboards_adapters_are_finite_on_flat_input_with_the_shipped_models(model_id, shipped_models):
    require_shipped(shipped_models, model_id)
    model = sources.load_model_by_id(model_id, BlobStore())
    T = model.config.length
    for name, make in HARD_INPUTS.items():
        x, lengths = make(2, 1, T), lengths_for(name, 2, T)
        chunk = explanations.cam_chunk(model, x, lengths)
        assert all(np.isfinite(v).all() for v in chunk.values()), name
        for method in explanations.method_infos(include_attention=attended_axis(model) == "time"):
            for baseline in BASELINES:
                params = explanations.options_of(method, baseline, ig_steps=4)
                maps = explanations.attribution(model, x, 0, lengths, method, params)
                assert maps.shape == x.shape and np.isfinite(maps).all(), (name, method, baseline)
        if has_attention(model):
            att = explanations.sample_attention(model, x[0], None if lengths is None else int(lengths[0]))
            assert np.isfinite(att["final"]).all() and np.isfinite(att["contexts"]).all()


def constant_csv(n: int = 20, t: int = 30) -> bytes:
    """Two classes of constant series (a different level per sample): normalised, all zeros."""
    return "\n".join(f"{i % 2 + 1}," + ",".join([f"{i * 0.5}"] * t) for i in range(n)).encode()


def test_constant_series_load_as_finite_zeros_and_training_refuses_them():
    ds = load_dataset_from_bytes("flat.csv", constant_csv())
    assert np.isfinite(ds.X_train).all() and not ds.X_train.any()
    with pytest.raises(TrainingError, match="every training series is constant; there is nothing to learn from"):
        train_on_dataset(ds, "lstmfcn", config=TrainConfig(epochs=2, device="cpu"))


def test_a_single_class_cannot_be_loaded_nor_trained():
    from lstmfcn.errors import DataError

    with pytest.raises(DataError, match="only one class"):
        load_dataset_from_bytes("one.csv", b"1,0.1,0.5\n1,0.3,0.2\n1,0.9,0.1\n")
    X = np.random.default_rng(0).normal(size=(6, 1, 10)).astype(np.float32)
    with pytest.raises(TrainingError, match="single class"):
        fit(X, np.zeros(6, np.int64), None, ModelConfig("lstmfcn", 1, 10, 2), TrainConfig(epochs=1, device="cpu"))


def test_the_train_page_shows_why_a_constant_dataset_cannot_be_trained(app):
    at = app()
    at.file_uploader(key="_upload_dataset").set_value(("flat.csv", constant_csv(), "text/csv")).run()
    assert at.session_state["dataset"].startswith("upload:") and at.session_state["model"] == ""
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_epochs").set_value(2)
    at.button[0].click().run()  # the form's submit button
    deadline = time.time() + 60
    while time.time() < deadline and not at.error:
        time.sleep(0.3)
        at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Training failed: every training series is constant; there is nothing to learn from"
    ]
