"""Fixtures for the robustness suite: the dashboard's AppTest factory, shipped models and browser
are the dashboard tests' own (``tests/app/``), reused rather than copied."""

from __future__ import annotations

from tests.app.conftest import (  # noqa: F401 - fixtures, registered by being imported here
    _keep_torch_threads,
    alstm_model,
    app,
    shipped_models,
    zoo_patch,
)
from tests.app.test_browser import browser  # noqa: F401 - Chromium, skipped (or failed) as in tests/app
