"""``lstmfcn dashboard``: start the Streamlit dashboard (``streamlit run app.py``) from anywhere.

The dashboard is the repository's ``app.py`` with its ``pages/`` and ``.streamlit/config.toml``.
``pip install .`` ships the three inside the package, as ``lstmfcn/app/`` (see ``pyproject.toml``),
where Streamlit finds them as it finds them in the repository: ``streamlit run`` puts the
script's folder first on ``sys.path`` (so ``from pages import _ui`` resolves), reads
``.streamlit/config.toml`` beside the script, and ``st.Page`` paths are relative to it.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

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


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line that ``args`` asks for, run by this interpreter."""
    if args.port is not None and not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be between 1 and 65535, got {args.port}")
    port = [] if args.port is None else ["--server.port", str(args.port)]
    return [sys.executable, "-m", "streamlit", "run", str(app_path()), *port, *args.streamlit_options]


def run(args: argparse.Namespace) -> int:
    """Run Streamlit until it ends; its exit status is ours, and Ctrl-C stops it before ours (130)."""
    proc = subprocess.Popen(streamlit_command(args))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches Streamlit too, a SIGINT sent to this process alone does not:
        # pass it on either way, and let Streamlit shut down before saying so.
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=SHUTDOWN_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
