"""The repository's paths and the shipped checkpoints the tests open.

The checkpoints in ``lstmfcn/pretrained/`` are part of the repository: a missing one is a broken
checkout, so a test that needs it fails (saying which file and where), it never skips.
``LSTMFCN_TEST_ZOO=/some/dir`` points the tests at another folder holding checkpoints with the
same names (the AppTests patch ``lstmfcn.zoo.PRETRAINED_DIR`` in-process; the browser tests hand
the folder to the server they start).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lstmfcn.zoo as zoo

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
LSTMFCN_MODEL = "GunPoint__lstmfcn"  # the dashboard opens on it
ALSTMFCN_MODEL = "GunPoint__alstmfcn__noshuffle"  # attention over time, offered on the Attention page


def zoo_dir() -> Path:
    """The folder the zoo is read from during the tests."""
    override = os.environ.get("LSTMFCN_TEST_ZOO")
    return Path(override) if override else zoo.PRETRAINED_DIR


def require_shipped(folder: Path, *names: str) -> None:
    """Fail the test (not skip it) unless ``folder`` holds ``<name>.safetensors`` for every name."""
    missing = [f"{n}.safetensors" for n in names if not (folder / f"{n}.safetensors").is_file()]
    if not missing:
        return
    if os.environ.get("LSTMFCN_TEST_ZOO"):
        fix = "put them in LSTMFCN_TEST_ZOO's folder, or unset it to use the shipped ones"
    else:
        fix = "they are part of the repository: restore them with 'git checkout -- lstmfcn/pretrained'"
    pytest.fail(f"shipped checkpoint(s) missing from {folder}: {', '.join(missing)}; {fix}", pytrace=False)
