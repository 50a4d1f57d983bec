"""The papers' recipe: GunPoint accuracy, repeatability, resumption, BatchNorm re-estimation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmfcn.errors import TrainingError
from lstmfcn.evaluation import evaluate, predict_logits
from lstmfcn.models import ModelConfig
from lstmfcn.training import TrainConfig, balanced_class_weights, fit


def test_lstmfcn_reaches_093_on_gunpoint(trained_lstmfcn, gunpoint):
    model, meta = trained_lstmfcn
    acc = evaluate(model, gunpoint.X_test, gunpoint.y_test).accuracy
    assert acc >= 0.93, acc
    assert meta["training"]["test_accuracy"] == pytest.approx(acc)
    assert not model.training


def test_alstmfcn_without_shuffle_learns_gunpoint(trained_alstmfcn, gunpoint):
    model, _ = trained_alstmfcn
    assert evaluate(model, gunpoint.X_test, gunpoint.y_test).accuracy >= 0.9


def test_training_is_repeatable_on_cpu(gunpoint):
    cfg = TrainConfig(epochs=5, device="cpu", seed=3)
    mc = ModelConfig("lstmfcn", 1, 150, 2)
    a, ra = fit(gunpoint.X_train, gunpoint.y_train, None, mc, cfg)
    b, rb = fit(gunpoint.X_train, gunpoint.y_train, None, mc, cfg)
    assert ra.history["loss"] == rb.history["loss"]
    np.testing.assert_array_equal(predict_logits(a, gunpoint.X_test), predict_logits(b, gunpoint.X_test))


@pytest.mark.slow
def test_resume_continues_exactly(gunpoint, tmp_path):
    """10 epochs in one go == 6 epochs, stop, resume to 10 (same seed and settings)."""
    mc = ModelConfig("lstmfcn", 1, 150, 2)
    full, rfull = fit(gunpoint.X_train, gunpoint.y_train, None, mc, TrainConfig(epochs=10, device="cpu"))
    state = tmp_path / "run.resume.safetensors"
    fit(
        gunpoint.X_train,
        gunpoint.y_train,
        None,
        mc,
        TrainConfig(epochs=6, device="cpu", save_every=3),
        state_path=state,
    )
    resumed, rres = fit(
        gunpoint.X_train,
        gunpoint.y_train,
        None,
        mc,
        TrainConfig(epochs=10, device="cpu", save_every=3),
        state_path=state,
        resume=True,
    )
    assert rres.history["loss"] == pytest.approx(rfull.history["loss"], rel=1e-6)
    np.testing.assert_allclose(
        predict_logits(resumed, gunpoint.X_test), predict_logits(full, gunpoint.X_test), atol=1e-5
    )


def test_stop_callback_ends_early_and_keeps_weights(gunpoint):
    calls = []
    _, r = fit(
        gunpoint.X_train,
        gunpoint.y_train,
        None,
        ModelConfig("lstmfcn", 1, 150, 2),
        TrainConfig(epochs=50, device="cpu"),
        progress=calls.append,
        should_stop=lambda: len(calls) >= 4,
    )
    assert r.stopped and r.epochs_run == 4
    assert [c.epoch for c in calls] == [1, 2, 3, 4]
    assert all(c.lr == pytest.approx(1e-3) for c in calls)


@pytest.mark.slow
def test_bn_recalibration_matters_for_short_training(gunpoint):
    """Without the re-estimation a short run's eval-mode accuracy collapses (the measured trap)."""
    mc = ModelConfig("lstmfcn", 1, 150, 2)
    with_bn, _ = fit(gunpoint.X_train, gunpoint.y_train, None, mc, TrainConfig(epochs=60, device="cpu"))
    without, _ = fit(
        gunpoint.X_train, gunpoint.y_train, None, mc, TrainConfig(epochs=60, device="cpu", recalibrate_bn=False)
    )
    acc_with = evaluate(with_bn, gunpoint.X_test, gunpoint.y_test).accuracy
    acc_without = evaluate(without, gunpoint.X_test, gunpoint.y_test).accuracy
    assert acc_with > acc_without + 0.1, (acc_with, acc_without)


def test_balanced_class_weights():
    w = balanced_class_weights(np.array([0, 0, 0, 1]), 3)
    np.testing.assert_allclose(w, [4 / 9, 4 / 3, 0.0], rtol=1e-6)


def test_untrainable_data_is_refused():
    x = np.random.default_rng(0).normal(size=(6, 1, 10)).astype(np.float32)
    mc = ModelConfig("lstmfcn", 1, 10, 2)
    with pytest.raises(TrainingError, match="single class"):
        fit(x, np.zeros(6, int), None, mc, TrainConfig(epochs=1))
    with pytest.raises(TrainingError, match="constant"):
        fit(np.ones_like(x), np.arange(6) % 2, None, mc, TrainConfig(epochs=1))
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(TrainingError, match="NaN"):
        fit(bad, np.arange(6) % 2, None, mc, TrainConfig(epochs=1))


def test_cuda_request_without_gpu_is_a_clear_error(gunpoint, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a machine without one, GPU or not
    with pytest.raises(ValueError, match="no CUDA GPU"):
        fit(
            gunpoint.X_train,
            gunpoint.y_train,
            None,
            ModelConfig("lstmfcn", 1, 150, 2),
            TrainConfig(epochs=1, device="cuda"),
        )


def test_train_and_save_writes_nothing_when_stopped_and_everything_when_resumed(tmp_path):
    """The CLI's and the zoo's one load → train → save: a stop leaves only the state, a resume the checkpoint."""
    from lstmfcn.checkpoint import load_checkpoint
    from lstmfcn.workflow import train_and_save

    out, state = tmp_path / "gp.safetensors", tmp_path / "gp.resume.safetensors"
    cfg = TrainConfig(epochs=4, device="cpu", save_every=10)
    epochs = []
    _, meta, path = train_and_save(
        "GunPoint",
        "lstmfcn",
        out,
        normalize="per_dataset",
        config=cfg,
        progress=lambda r: epochs.append(r.epoch),
        should_stop=lambda: len(epochs) == 2,
        state_path=state,
    )
    assert path is None and meta["training"]["stopped"] and not out.exists() and state.is_file()
    _, meta, path = train_and_save(
        "GunPoint",
        "lstmfcn",
        out,
        normalize="per_dataset",
        config=cfg,
        progress=lambda r: epochs.append(r.epoch),
        state_path=state,
        resume=True,
        half=True,
    )
    assert path == out and epochs == [1, 2, 3, 4] and not state.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gp.safetensors"]  # no temporary file left
    _, saved = load_checkpoint(out)
    assert saved["weights_dtype"] == "float16" and saved["preprocessing"]["normalize"] == "per_dataset"
    assert saved["training"]["epochs_run"] == 4 == meta["training"]["epochs_run"]


@pytest.mark.slow
@pytest.mark.parametrize("arch, n_vars", [("lstmfcn", 1), ("mlstmfcn", 3)])
def test_mixed_precision_trains_models_with_a_plain_lstm_on_the_cpu(arch, n_vars):
    """``train --amp`` on the CPU: oneDNN has no bfloat16 LSTM on every CPU (an AVX2 EPYC refused
    it at the first step), so the LSTM runs in float32 under autocast; the model still learns."""
    from lstmfcn.models import build_model
    from lstmfcn.training import train

    g = np.random.default_rng(0)
    y = np.arange(16) % 2
    x = g.normal(0, 0.3, (16, n_vars, 24)) + (2 * y - 1)[:, None, None] * (np.arange(24) > 12)
    model = build_model(ModelConfig(arch, n_vars, 24, 2))
    result = train(
        model, x.astype(np.float32), y, None, TrainConfig(epochs=12, batch_size=8, device="cpu", seed=0, amp=True)
    )
    losses = result.history["loss"]
    assert np.isfinite(losses).all() and min(losses[-3:]) < losses[0], losses
