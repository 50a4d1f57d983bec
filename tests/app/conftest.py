"""Fixtures for the dashboard tests: the app's path, AppTest factories, the shipped models.

The dashboard opens on GunPoint with the shipped ``GunPoint__lstmfcn`` checkpoint (and offers
``GunPoint__alstmfcn__noshuffle`` for attention). ``LSTMFCN_TEST_ZOO=/some/dir`` points the zoo at
another folder holding checkpoints with those names (for working on the dashboard before the
shipped ones exist); the AppTests patch ``lstmfcn.zoo.PRETRAINED_DIR`` in-process and the browser
tests hand the folder to the server they start.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lstmfcn.zoo as zoo

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
LSTMFCN_MODEL = "GunPoint__lstmfcn"
ALSTMFCN_MODEL = "GunPoint__alstmfcn__noshuffle"
TIMEOUT = 60  # seconds per AppTest run: first runs import torch, load GunPoint, compute maps


def zoo_dir() -> Path:
    """The folder the dashboard's zoo is read from during the tests."""
    override = os.environ.get("LSTMFCN_TEST_ZOO")
    return Path(override) if override else zoo.PRETRAINED_DIR


@pytest.fixture(scope="session")
def shipped_models() -> Path:
    """The zoo folder; skips the dashboard tests with a reason when the default GunPoint model is missing."""
    folder = zoo_dir()
    if not (folder / f"{LSTMFCN_MODEL}.safetensors").is_file():
        pytest.skip(f"the dashboard opens on the shipped checkpoint {LSTMFCN_MODEL}, missing from {folder}")
    return folder


@pytest.fixture
def alstm_model(shipped_models) -> str:
    """The shipped ALSTM-FCN (attention over time); skips the test with a reason when it is missing."""
    if not (shipped_models / f"{ALSTMFCN_MODEL}.safetensors").is_file():
        pytest.skip(f"the attention tests need the shipped checkpoint {ALSTMFCN_MODEL}, missing from {shipped_models}")
    return ALSTMFCN_MODEL


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """The dashboard sets torch's thread count for its process; keep it from leaking into other tests."""
    import torch

    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.fixture
def zoo_patch(shipped_models, monkeypatch):
    """Point ``lstmfcn.zoo`` at the test zoo (a no-op with the shipped folder)."""
    monkeypatch.setattr(zoo, "PRETRAINED_DIR", shipped_models)
    return shipped_models


@pytest.fixture
def app(zoo_patch):
    """``app(**query_params)`` → an AppTest of the dashboard, run once (home page)."""
    from streamlit.testing.v1 import AppTest

    def make(**query):
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.query_params.update({k: str(v) for k, v in query.items()})
        return at.run()

    return make
