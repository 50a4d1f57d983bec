"""The dashboard shares one model between sessions: explaining must never change it, and must be thread-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from lstmfcn.explain import explain, faithfulness_report, model_randomisation_check
from lstmfcn.explain._common import gradient_model
from tests.helpers.models import T_TINY, assert_unchanged, snapshot, tiny_model

DETERMINISTIC = [
    "cam",
    "ig",
    "saliency",
    "input_x_gradient",
    "deeplift",
    "gradient_shap",
    "occlusion",
    "ablation",
    "gradcam",
]


def test_explaining_leaves_the_shared_model_untouched(gunpoint, gunpoint_model):
    before = snapshot(gunpoint_model)
    x = gunpoint.X_test[:6]
    res = explain(gunpoint_model, x, DETERMINISTIC + ["attention"], ig_steps=8, n_samples=2)
    faithfulness_report(gunpoint_model, x, res["target"], {"ig": res["ig"]}, n_steps=4, random_seeds=1)
    model_randomisation_check(gunpoint_model, x, res["target"], methods=["cam"], cascade=True)
    assert_unchanged(before, snapshot(gunpoint_model))


@pytest.mark.parametrize("arch,shuffle", [("lstmfcn", False), ("malstmfcn", False)])
def test_a_model_left_in_training_mode_is_explained_as_in_eval_and_stays_in_training(arch, shuffle, rng):
    model = tiny_model(arch, shuffle, n_vars=2)
    x = rng.normal(size=(3, 2, T_TINY)).astype(np.float32)
    expected = explain(model, x, ["cam", "ig", "occlusion"], ig_steps=4)
    model.train()
    before = snapshot(model)
    got = explain(model, x, ["cam", "ig", "occlusion"], ig_steps=4)
    assert_unchanged(before, snapshot(model))
    for key in ("logits", "cam", "ig", "occlusion"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shuffle", [True, False])
def test_private_gradient_copy_runs_only_a_cudnn_lstm_in_train_mode(shuffle, rng):
    # cuDNN only runs an LSTM's backward in train mode; the copy must flip the LSTM alone (on a
    # GPU; the CPU's LSTM runs backward in eval mode) and still compute exactly what the
    # eval-mode model computes.
    model = tiny_model("mlstmfcn", shuffle, n_vars=2)
    before = snapshot(model)
    twin = gradient_model(model)
    assert twin is not model and gradient_model(twin) is twin
    for name, m in twin.named_modules():
        assert m.training == (isinstance(m, nn.LSTM) and next(m.parameters()).is_cuda), name
    assert not any(p.requires_grad for p in twin.parameters())
    x = torch.as_tensor(rng.normal(size=(4, 2, T_TINY)).astype(np.float32))
    lengths = torch.tensor([T_TINY, 9, 20, T_TINY])
    with torch.no_grad():
        torch.testing.assert_close(twin(x, lengths), model(x, lengths))
    assert_unchanged(before, snapshot(model))


def test_concurrent_explanations_equal_sequential_ones(gunpoint, gunpoint_model):
    x = gunpoint.X_test[:8]
    chunks = [x[i : i + 2] for i in range(0, 8, 2)]
    hooked = ["cam", "ig", "deeplift", "gradient_shap", "occlusion", "gradcam"]  # Captum hooks or our copies

    def run(chunk):
        return explain(gunpoint_model, chunk, hooked, ig_steps=8, n_samples=3)

    sequential = [run(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(run, chunks))
    for seq, con in zip(sequential, concurrent, strict=True):
        for key in hooked + ["logits", "ig_delta"]:
            np.testing.assert_allclose(con[key], seq[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_a_threads_private_copy_is_reused_only_while_the_model_is_unchanged(rng):
    """The copy a thread made is kept for its next call (copying costs ~2 ms), and made again
    once the model changes: in-place edits, loaded weights, another mode, or a hook left on it."""
    model = tiny_model("malstmfcn", shuffle=False, n_vars=2)
    x = rng.normal(size=(3, 2, T_TINY)).astype(np.float32)
    twin = gradient_model(model)
    assert gradient_model(model) is twin
    before = explain(model, x, ["deeplift"], target=0)["deeplift"]
    with torch.no_grad():
        model.head.weight.mul_(-1)  # every logit changes sign: so must every attribution
    edited = gradient_model(model)
    assert edited is not twin and torch.equal(edited.head.weight, model.head.weight)
    np.testing.assert_allclose(explain(model, x, ["deeplift"], target=0)["deeplift"], -before, atol=1e-5)
    model.load_state_dict({k: v.clone() for k, v in model.state_dict().items()})
    reloaded = gradient_model(model)
    assert reloaded is not edited
    model.train()
    assert gradient_model(model) is not reloaded
    model.eval()
    hooked = gradient_model(model)
    handle = hooked.block1.register_forward_hook(lambda *_: None)  # as an interrupted Captum call could leave
    assert gradient_model(model) is not hooked
    handle.remove()
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(gradient_model, model).result()
    assert other is not gradient_model(model)  # hooks on one thread's copy never meet another's forward
