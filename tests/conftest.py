"""Shared fixtures: the embedded GunPoint data and models trained on it once per test session;
the shipped checkpoints and the dashboard under AppTest; a Chromium for the browser tests.

Training uses the papers' recipe shortened to 150 epochs (about 10-20 s on 2 CPU cores); the
BatchNorm re-estimation after training is what makes such a short run score > 0.93.

The helpers these fixtures are built on (and that test modules import) are in ``tests/helpers/``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

import lstmfcn.zoo as zoo
from lstmfcn import load_dataset
from lstmfcn.training import TrainConfig
from lstmfcn.workflow import train_on_dataset
from tests.helpers.browser import launched_chromium
from tests.helpers.shipped import ALSTMFCN_MODEL, APP, LSTMFCN_MODEL, require_shipped, zoo_dir

# The dashboard keeps explanations on disk (lstmfcn.dashboard.disk_cache); the tests, and the servers
# they start (which inherit this environment), use a folder of their own, never the user's cache.
os.environ.setdefault("LSTMFCN_CACHE_DIR", tempfile.mkdtemp(prefix="lstmfcn-test-cache-"))
# Pass sizes by the fixed rule, not by timing (lstmfcn.pass_size): no result may depend on a clock.
os.environ.setdefault("LSTMFCN_PASS_SIZE", "rule")

SHORT = TrainConfig(epochs=150, device="cpu", seed=0)
APP_TIMEOUT = 60  # seconds per AppTest run: first runs import torch, load GunPoint, compute maps

#: Fixtures that make a test slow wherever it is: the whole dashboard under AppTest (seconds per
#: run, several runs per test) and the 150-epoch GunPoint trainings. A test using one is marked
#: ``slow``: the default ``pytest -q`` (the development loop) leaves it out, ``-m ""`` (CI) runs it.
SLOW_FIXTURES = frozenset({"app", "trained_lstmfcn", "trained_alstmfcn", "gunpoint_model"})


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection reads the marks
def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def gunpoint():
    """The embedded GunPoint dataset: 50 train / 150 test series of length 150, 2 classes."""
    return load_dataset("GunPoint")


@pytest.fixture(scope="session")
def trained_lstmfcn(gunpoint):
    """``(model, metadata)``: LSTM-FCN (shuffle on, 8 cells) trained on GunPoint for 150 epochs."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    return train_on_dataset(gunpoint, "lstmfcn", config=SHORT)


@pytest.fixture(scope="session")
def trained_alstmfcn(gunpoint):
    """``(model, metadata)``: ALSTM-FCN with the shuffle off (attention over time) on GunPoint."""
    return train_on_dataset(gunpoint, "alstmfcn", shuffle=False, config=SHORT)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """The dashboard sets torch's thread count for its process; keep it from leaking into other tests."""
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def shipped_models() -> Path:
    """The zoo folder, holding the dashboard's default model (a failure, not a skip, when it does not)."""
    folder = zoo_dir()
    require_shipped(folder, LSTMFCN_MODEL)
    return folder


@pytest.fixture
def alstm_model(shipped_models) -> str:
    """The shipped ALSTM-FCN with attention over time (a failure when it is missing)."""
    require_shipped(shipped_models, ALSTMFCN_MODEL)
    return ALSTMFCN_MODEL


@pytest.fixture
def zoo_patch(shipped_models, monkeypatch) -> Path:
    """Point ``lstmfcn.zoo`` at the test zoo (a no-op with the shipped folder)."""
    monkeypatch.setattr(zoo, "PRETRAINED_DIR", shipped_models)
    return shipped_models


@pytest.fixture
def app(zoo_patch):
    """``app(**query_params)`` → an AppTest of the dashboard, run once (home page)."""
    from streamlit.testing.v1 import AppTest

    def make(**query):
        at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
        at.query_params.update({k: str(v) for k, v in query.items()})
        return at.run()

    return make


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module's browser tests (skipped without one, see ``tests.helpers.browser``)."""
    with launched_chromium() as b:
        yield b
