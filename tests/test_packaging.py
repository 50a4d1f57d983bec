"""``pip install .`` gives a working ``lstmfcn`` command and dashboard, away from the source tree.

The package is built from a copy of this tree and installed, without network and without its
dependencies, into a fresh virtual environment whose ``.pth`` file lends it the running
environment's site-packages (torch and the rest resolve there; the package itself resolves in the
new environment first). Every check then runs from a folder outside the tree, without PYTHONPATH,
so what is found is what was installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # ~45 s on 2 busy cores: a wheel of ~37 MB, a venv, torch imported five times

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = (
    "datasets",
    "describe",
    "train",
    "evaluate",
    "explain",
    "faithfulness",
    "counterfactual",
    "report",
    "zoo",
    "sweep",
    "bench",
    "dashboard",
)
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist", "*.egg-info", "runs"
)


class Installed:
    """A fresh environment with the package installed: run its commands from ``cwd``."""

    def __init__(self, venv: Path, cwd: Path) -> None:
        self.venv, self.cwd = venv, cwd
        self.python = venv / "bin" / "python"
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        self.env.update(OMP_NUM_THREADS="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
        self.site = Path(self.run(str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"))
        self.package = self.site / "lstmfcn"

    def run(self, *argv: str, timeout: float = 120) -> str:
        done = subprocess.run(argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, (
            f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
        return done.stdout.strip()

    def lstmfcn(self, *argv: str) -> str:
        return self.run(str(self.venv / "bin" / "lstmfcn"), *argv)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE)  # pip builds in place: keep build/ and *.egg-info out of the tree
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True, timeout=60)
    away = base / "elsewhere"
    away.mkdir()
    env = Installed(base / "venv", away)
    lent = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}  # torch, streamlit, pip, setuptools, …
    (env.site / "_lent_site_packages.pth").write_text("".join(f"{p}\n" for p in sorted(lent)))
    env.run(str(env.python), "-c", "import setuptools")  # the build backend, lent like the rest
    env.run(
        str(env.python),
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--ignore-installed",
        "--quiet",
        str(src),
        timeout=300,
    )
    return env


def test_the_dependencies_are_requirements_txt(installed):
    pinned = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    metadata = installed.run(
        str(installed.python),
        "-c",
        "from importlib.metadata import requires; print('\\n'.join(requires('lstmfcn-explorer')))",
    )
    runtime = [r for r in metadata.splitlines() if "extra ==" not in r]
    assert sorted(runtime) == sorted(p for p in pinned if p)
    dev = [r.split(";")[0].strip() for r in metadata.splitlines() if re.search(r"extra == .dev.", r)]
    dev_pinned = [line.split("#")[0].strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()]
    assert sorted(dev) == sorted(p for p in dev_pinned if p and not p.startswith("-r"))


def test_the_installed_package_is_the_one_found(installed):
    where = json.loads(
        installed.run(
            str(installed.python),
            "-c",
            "import json, lstmfcn, lstmfcn.zoo as z, lstmfcn.data.catalog as c; "
            "print(json.dumps([lstmfcn.__file__, str(z.PRETRAINED_DIR), str(c.CATALOG_JSON)]))",
        )
    )
    for path in where:
        assert Path(path).is_relative_to(installed.package), path


def test_every_file_the_package_reads_is_installed(installed):
    """Modules, catalog, pretrained models, and the dashboard (app.py, pages/, its config) as lstmfcn/app/."""
    wanted = {
        **{
            p: installed.package / p.relative_to(ROOT / "lstmfcn")
            for p in (ROOT / "lstmfcn").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        },
        ROOT / "app.py": installed.package / "app" / "app.py",
        ROOT / ".streamlit" / "config.toml": installed.package / "app" / ".streamlit" / "config.toml",
        **{p: installed.package / "app" / "pages" / p.name for p in (ROOT / "pages").glob("*.py")},
    }
    missing = [str(dst.relative_to(installed.site)) for dst in wanted.values() if not dst.is_file()]
    assert not missing, f"not installed: {missing}"
    changed = [str(src.relative_to(ROOT)) for src, dst in wanted.items() if src.read_bytes() != dst.read_bytes()]
    assert not changed


def test_the_command_lists_its_subcommands(installed):
    usage = installed.lstmfcn("--help")
    assert usage.startswith("usage: lstmfcn ")
    for name in SUBCOMMANDS:
        assert re.search(rf"^\s+{name}\b", usage, re.MULTILINE), f"{name} missing from:\n{usage}"
    assert "--port" in installed.lstmfcn("dashboard", "--help")


def test_the_catalog_and_the_zoo_come_from_site_packages(installed):
    rows = {r["name"]: r for r in json.loads(installed.lstmfcn("datasets", "--json"))}
    assert len(rows) > 55 and rows["GunPoint"]["n_train"] == 50
    zoo = json.loads(installed.lstmfcn("zoo", "--json"))
    assert {e["name"] for e in zoo} == {p.stem for p in (ROOT / "lstmfcn" / "pretrained").glob("*.safetensors")}
    assert all(Path(e["path"]).is_relative_to(installed.package / "pretrained") for e in zoo)


def test_the_installed_dashboard_runs(installed):
    """The installed app's home page runs without an exception, its pages imported from site-packages.

    ``streamlit run`` puts the script's folder first on ``sys.path`` (AppTest does not): done here.
    """
    app = installed.package / "app" / "app.py"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from streamlit.testing.v1 import AppTest; "
        "at = AppTest.from_file(sys.argv[1] + '/app.py', default_timeout=90).run(); "
        "import pages._page; print(len(at.exception), pages._page.__file__); "
        "[print(e.message, e.stack_trace) for e in at.exception]"
    )
    out = installed.run(str(installed.python), "-c", script, str(app.parent), timeout=180)
    n_exceptions, ui_file = out.splitlines()[0].split(" ", 1)
    assert n_exceptions == "0", out
    assert Path(ui_file).is_relative_to(installed.package / "app" / "pages")


def test_lstmfcn_dashboard_serves_and_stops_on_ctrl_c(installed):
    """``lstmfcn dashboard --port N`` answers on that port; SIGINT to it alone stops Streamlit too (exit 130)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(installed.venv / "bin" / "lstmfcn"), "dashboard", "--port", str(port), "--server.headless", "true"],
        cwd=installed.cwd,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, to clean up after a failure
        # as from a terminal: a shell starting tests in the background (``cmd &``) ignores SIGINT,
        # which every child would inherit, and then no Ctrl-C could be simulated
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        health, deadline = None, time.monotonic() + 60
        while health != "ok" and proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    health = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert health == "ok", f"no answer on port {port}; exit {proc.poll()}"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        try:  # a server left behind would hold the pipe open: never wait for it for ever
            output = proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the command's own session: Streamlit too
            output = proc.communicate()[0] + "\n(a process of the command outlived it)"
    assert "interrupted" in output, output
    with socket.socket() as s:  # Streamlit went with it: the port is free again
        assert s.connect_ex(("127.0.0.1", port)) != 0, output
