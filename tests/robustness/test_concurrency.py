"""Many sessions, one cached model: what the dashboard's sessions compute at the same time on the
shared model (``st.cache_resource``) equals what each computes alone, and leaves the model as it
was — parameters, buffers, training flags, gradient flags and hooks.

Each task is what one browser session asks for: another sample, another method, another page.
Eight threads start together (a barrier) and run their tasks interleaved; the results must equal
the sequential ones exactly (same arithmetic on the same numbers: only a shared mutable state,
a mode flipped or a hook catching another thread's pass, could change them).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from lstmfcn.dashboard import analysis, explanations, sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import class_activation_maps, explain
from tests.helpers.models import assert_unchanged, snapshot
from tests.helpers.shipped import ALSTMFCN_MODEL, LSTMFCN_MODEL, require_shipped

pytestmark = pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning")
THREADS = 8


@pytest.fixture(scope="module")
def shared(gunpoint, shipped_models):
    """The two shipped GunPoint models, loaded as the dashboard loads them."""
    require_shipped(shipped_models, LSTMFCN_MODEL, ALSTMFCN_MODEL)
    return {model_id: sources.load_model_by_id(model_id, BlobStore()) for model_id in (LSTMFCN_MODEL, ALSTMFCN_MODEL)}


def session_tasks(gunpoint, models) -> list[tuple[str, callable]]:
    """What 16 sessions ask of the shared models: each a different sample, method or page."""
    X, y = gunpoint.X_test, gunpoint.y_test
    lstm = models[LSTMFCN_MODEL]
    tasks = []
    for s, method in enumerate(["ig", "saliency", "deeplift", "occlusion", "gradient_shap", "gradcam"]):
        i = 7 * s
        tasks.append(
            (
                f"explain {method} #{i}",
                lambda i=i, m=method: explain(lstm, X[i : i + 2], ["cam", m], ig_steps=8, n_samples=3),
            )
        )
        tasks.append(
            (
                f"attribution page {method} #{i + 1}",
                lambda i=i, m=method: explanations.attribution(
                    lstm, X[i + 1 : i + 2], int(y[i + 1]), None, m, explanations.options_of(m, "zeros", 8)
                ),
            )
        )
    tasks += [
        ("CAM of the split", lambda: class_activation_maps(lstm, X[:48]).cam),
        ("logits of the split", lambda: predict_logits(lstm, X)),
        ("filters page, block 1 #3", lambda: analysis.conv_block_activations(lstm, X[3], 1)),
        ("filters page, block 3 #90", lambda: analysis.conv_block_activations(lstm, X[90], 3)),
    ]
    alstm = models[ALSTMFCN_MODEL]
    tasks += [
        ("attention page #5", lambda: explanations.sample_attention(alstm, X[5], None)),
        ("attention + IG #20", lambda: explain(alstm, X[20:22], ["attention", "ig"], ig_steps=8)),
        ("CAM of the split (alstm)", lambda: class_activation_maps(alstm, X[40:80]).cam),
    ]
    return tasks


def flat(result) -> dict[str, np.ndarray]:
    if isinstance(result, dict):
        return {k: np.asarray(v) for k, v in result.items() if isinstance(v, np.ndarray)}
    return {"": np.asarray(result)}


@pytest.mark.slow
def test_concurrent_sessions_get_exactly_what_each_gets_alone(gunpoint, shared):
    tasks = session_tasks(gunpoint, shared)
    before = {k: snapshot(m) for k, m in shared.items()}
    alone = [flat(run()) for _, run in tasks]

    barrier = threading.Barrier(THREADS)

    def run_concurrently(index: int) -> dict[str, np.ndarray]:
        if index < THREADS:
            barrier.wait(timeout=60)  # the first eight start at the same instant
        return flat(tasks[index][1]())

    order = np.random.default_rng(0).permutation(len(tasks))  # interleave differently from the sequential run
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = dict(zip(order, pool.map(run_concurrently, order), strict=True))
    for index, (name, _) in enumerate(tasks):
        expected, got = alone[index], results[index]
        assert got.keys() == expected.keys(), name
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{name}: {key}")
    for model_id, model in shared.items():
        assert_unchanged(before[model_id], snapshot(model))


def test_filter_activations_never_catch_another_sessions_forward_pass(gunpoint, shared):
    """The Filters page once read a block's output through a hook on the shared model, which also
    caught other threads' passes (23 of 64 results were another session's). No hook now."""
    model = shared[LSTMFCN_MODEL]
    X = gunpoint.X_test[:32]
    alone = [analysis.conv_block_activations(model, x, 3) for x in X]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        together = list(pool.map(lambda x: analysis.conv_block_activations(model, x, 3), X))
    wrong = [i for i, (a, b) in enumerate(zip(alone, together, strict=True)) if not np.array_equal(a, b)]
    assert wrong == []
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
