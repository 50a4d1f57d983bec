"""A cold server's first page (Home on the embedded default) imports only what it draws.

aeon (with scikit-learn, numba, scipy) cost seconds of the first page, Captum and torch's compiler
(``torch._dynamo``, sympy) too where something pulled them in; Home needs none of them. Each test
runs in a fresh interpreter: an import anywhere in the process would otherwise hide one here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers.shipped import ROOT

#: Made lazy for the first page: whoever imports one of these at the top of a module Home reads
#: (or in the default dataset's reader, the model's loading, the evaluation) fails this test.
HEAVY = ("aeon", "sklearn", "numba", "scipy", "captum", "torch._dynamo", "torch._inductor", "sympy")

_HOME = """
import json, sys
from streamlit.testing.v1 import AppTest
import pages._cached_explanations as ce
ce._warm_default_view = lambda: None  # the server's warm-up of other datasets runs after the first page
at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
print(json.dumps({
    "exceptions": [e.value for e in at.exception],
    "metrics": [m.label + " " + m.value for m in at.metric],
    "charts": len(at.get("plotly_chart")),
    "loaded": [m for m in sys.argv[2:] if m in sys.modules],
}))
"""


def _fresh(code: str, *args: str, tmp_path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LSTMFCN_CACHE_DIR=str(tmp_path), OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_home_on_a_cold_process_draws_without_the_heavy_modules(shipped_models, tmp_path):
    got = _fresh(_HOME, str(ROOT / "app.py"), *HEAVY, tmp_path=tmp_path)
    assert got["exceptions"] == []
    assert any(m.startswith("Test accuracy ") for m in got["metrics"]), got["metrics"]  # Home was drawn
    assert got["charts"] >= 2
    assert got["loaded"] == [], f"imported by the first page: {got['loaded']}"


@pytest.mark.slow
def test_the_check_sees_an_eager_import(tmp_path):
    """The same check on a process that imports aeon's readers: it must see them (so the test above
    could fail), as it would if the start-up imported them again."""
    code = "import sys, json; import lstmfcn.data; import aeon.datasets; print(json.dumps([m for m in sys.argv[1:] if m in sys.modules]))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, *HEAVY], cwd=ROOT, env=env, capture_output=True, text=True)
    assert {"aeon", "sklearn"} <= set(json.loads(out.stdout))


def test_the_start_up_bar_imports_only_what_the_first_page_needs():
    from pages._startup import STEPS

    assert not [name for name, _, _ in STEPS if any(name == h or name.startswith(h + ".") for h in HEAVY)]
    assert abs(sum(share for _, share, _ in STEPS) - 1.0) < 1e-9  # the bar reaches its end
