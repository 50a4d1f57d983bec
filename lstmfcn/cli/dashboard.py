"""``lstmfcn dashboard``: start the Streamlit dashboard (``streamlit run app.py``) from anywhere.

The dashboard is the repository's ``app.py`` with its ``pages/`` and ``.streamlit/config.toml``.
``pip install .`` ships the three inside the package, as ``lstmfcn/app/`` (see ``pyproject.toml``),
where Streamlit finds them as it finds them in the repository: ``streamlit run`` puts the
script's folder first on ``sys.path`` (so ``from pages import _page`` resolves), reads
``.streamlit/config.toml`` beside the script, and ``st.Page`` paths are relative to it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from ..errors import UserInputError

PACKAGE = Path(__file__).resolve().parents[1]
#: Where the entry script may be: shipped inside the installed package, or a source tree's root.
APP_CANDIDATES = (PACKAGE / "app" / "app.py", PACKAGE.parent / "app.py")
SHUTDOWN_S = 10  # seconds Streamlit gets to stop after Ctrl-C


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "dashboard",
        help="start the dashboard in the browser (streamlit run app.py)",
        description="Start the LSTM-FCN Explorer dashboard. Options other than --port go to 'streamlit run' "
        "as they are, e.g. --server.address 0.0.0.0 (see 'streamlit run --help').",
        allow_abbrev=False,  # a Streamlit option is never taken for an abbreviation of ours
    )
    s.add_argument("--port", type=int, default=None, help="port to serve on (default: Streamlit's, 8501)")
    s.add_argument(
        "--public",
        action="store_true",
        help="serve to people you do not know: trainings, uploads and models tightly bounded, sweep folders only "
        "from LSTMFCN_SWEEP_DIR (the same as LSTMFCN_PUBLIC=1; see the README's 'Serving to others'). "
        "There is still no login: put an authenticating proxy with TLS in front",
    )
    s.set_defaults(run=run, take_extra=_streamlit_options, streamlit_options=[])


def _streamlit_options(args: argparse.Namespace, extra: list[str]) -> bool:
    """Everything argparse left over goes to ``streamlit run``, which says what it does not know."""
    args.streamlit_options = list(extra)
    return True


def app_path() -> Path:
    """The dashboard's entry script (``app.py``), installed or in the source tree."""
    for candidate in APP_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"the dashboard's app.py is in neither {APP_CANDIDATES[0]} nor {APP_CANDIDATES[1]}; reinstall with 'pip install .'"
    )


def server_env(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: ours, with ``LSTMFCN_PUBLIC=1`` under ``--public`` (the pages
    read their limits from it, :func:`lstmfcn.dashboard.serving.limits`)."""
    from lstmfcn.dashboard.serving import PUBLIC_ENV

    env = dict(os.environ if environ is None else environ)
    if getattr(args, "public", False):
        env[PUBLIC_ENV] = "1"
    return env


def streamlit_command(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> list[str]:
    """The ``streamlit run`` command line that ``args`` asks for, run by this interpreter. In the
    served mode Streamlit's own upload cap is lowered to the largest file the pages accept
    (Streamlit holds an upload in memory before any page sees it), unless the operator set one."""
    from lstmfcn.dashboard.serving import is_public, limits

    if args.port is not None and not 1 <= args.port <= 65535:
        raise UserInputError(f"--port must be between 1 and 65535, got {args.port}")
    port = [] if args.port is None else ["--server.port", str(args.port)]
    cap = []
    env = server_env(args) if env is None else env
    if is_public(env) and not any(o.startswith("--server.maxUploadSize") for o in args.streamlit_options):
        lim = limits(env)
        cap = ["--server.maxUploadSize", str(max(lim.upload_mb, lim.model_upload_mb))]
    return [sys.executable, "-m", "streamlit", "run", str(app_path()), *port, *cap, *args.streamlit_options]


def run(args: argparse.Namespace) -> int:
    """Run Streamlit until it ends; its exit status is ours, and Ctrl-C stops it before ours (130)."""
    from lstmfcn.dashboard.serving import describe, is_public, limits

    env = server_env(args)
    if is_public(env):
        print(describe(limits(env)), file=sys.stderr)
    proc = subprocess.Popen(streamlit_command(args, env), env=env)
    try:
        return proc.wait()
    finally:
        # However this process ends (Ctrl-C, a SIGINT sent to it alone, an error), Streamlit goes
        # first: an orphaned server keeps its port, and the pipes of whoever started us, open.
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop Streamlit if it still runs: SIGINT (its clean shutdown), then SIGKILL after :data:`SHUTDOWN_S`."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=SHUTDOWN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
