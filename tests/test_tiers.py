"""Test tiers (issue #27): ``pytest -q`` is the fast development loop, CI runs every test.

CI (``.ci/run``) runs the README's test command, which lifts the fast default's mark filter, so a
tier can leave a test out of the development loop but never out of CI.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    after = text.split("Run the tests", 1)[1]
    return re.search(r"```bash\n(.+?)\n```", after, re.S).group(1).strip()


def pytest_options() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]


def test_ci_runs_the_readmes_test_command_exactly():
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == readme_test_command()


def test_the_readmes_command_runs_every_tier():
    words = shlex.split(readme_test_command().split("&&")[-1])
    assert words[:4] == [".venv/bin/python", "-m", "pytest", "-q"]
    assert words[words.index("-m", 3) + 1] == ""  # an empty mark expression selects every test


def test_the_fast_default_leaves_out_only_registered_marks():
    addopts = shlex.split(pytest_options()["addopts"])
    expression = addopts[addopts.index("-m") + 1]
    registered = {m.split(":")[0] for m in pytest_options()["markers"]}
    used = set(re.findall(r"not (\w+)", expression))
    assert used == {"browser", "slow", "ray"} and used <= registered
