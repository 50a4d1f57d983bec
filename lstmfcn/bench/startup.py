"""Start-up and report timings of the dashboard: what a visitor waits for before anything is shown.

* :func:`cold_start_seconds` starts a real ``streamlit run app.py`` (a fresh process) and times
  from starting it to Home drawn on the embedded default: the accuracy, both charts and the first
  guided example, in Chromium when one is installed; without Chromium, to the server's first HTTP
  200 plus one run of the Home script in a fresh process (``AppTest``), and the result says which.
* :func:`report_run` times the HTML report built the way the dashboard builds it once the Home
  page's own results are cached (the evaluation), next to an uncached build.

Both take ``root`` (a checkout of the project), so old and new code can be timed side by side.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

#: The project's root: ``app.py`` is here.
ROOT = Path(__file__).resolve().parents[2]

#: What Home shows once drawn (CSS selectors of Streamlit's test ids and the page's widget keys).
ACCURACY = "[data-testid='stMetric']"
CHART = "[data-testid='stPlotlyChart']"
GUIDED = ".st-key-home_guided_0 button"
HOME_CHARTS = 2  # per-class accuracy and the confusion matrix


def _chromium() -> str | None:
    import shutil

    for candidate in (os.environ.get("LSTMFCN_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(root: Path, port: int, cache_dir: Path, log) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(root), LSTMFCN_CACHE_DIR=str(cache_dir))
    args = ["run", "app.py", "--server.headless", "true", "--server.port", str(port)]
    args += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    return subprocess.Popen([sys.executable, "-m", "streamlit", *args], cwd=root, env=env, stdout=log, stderr=log)


def wait_healthy(base: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    """Wait until the Streamlit server at ``base`` answers ``/_stcore/health``; raise if its process
    ``proc`` exits first (RuntimeError) or it takes over ``timeout_s`` (TimeoutError). Polled every
    20 ms: the cold start measured here is not rounded up by the wait."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"streamlit did not report healthy within {timeout_s:.0f} s")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux ``/proc``; None elsewhere): on a
    busy machine it says what the server itself spent, whatever the others took."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stop_server(proc: subprocess.Popen) -> None:
    """End a server: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def cold_start_seconds(
    root: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    browser: bool = True,
    timeout_s: float = 120.0,
) -> dict:
    """Seconds from starting a fresh ``streamlit run app.py`` to Home drawn on the embedded default.

    Args:
        root: the checkout to start (default: this one).
        cache_dir: the disk cache the server uses (``LSTMFCN_CACHE_DIR``); default a new empty
            folder, the coldest case: nothing computed before.
        browser: measure in Chromium when one is installed (launched before the clock starts).
        timeout_s: give up after this long.

    Returns:
        ``{"seconds": s, "http_s": s, "server_cpu_s": s, "accuracy_shown": text, "measured_to": words}``:
        ``seconds`` to the accuracy, both charts and the first guided example visible in Chromium
        (``server_cpu_s``: the CPU time the server process had used by then, which a busy machine
        inflates far less than wall time; ``http_s``: to its first HTTP 200); or, without Chromium, the
        server's first HTTP 200 (``http_s``) plus a fresh process importing and running the app
        script once on Home (``AppTest``), which ``measured_to`` says.
    """
    root = Path(root or ROOT)
    with tempfile.TemporaryDirectory(prefix="lstmfcn-cold-") as tmp:
        cache = Path(cache_dir) if cache_dir is not None else Path(tmp) / "cache"
        chromium = _chromium() if browser else None
        if chromium is not None:
            try:
                import playwright.sync_api  # noqa: F401
            except ImportError:
                chromium = None
        with open(Path(tmp) / "server.log", "wb") as log:
            if chromium is not None:
                return _in_chromium(root, cache, chromium, log, timeout_s)
            return _without_browser(root, cache, log, timeout_s)


def _in_chromium(root: Path, cache: Path, chromium: str, log, timeout_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            proc = _server(root, port, cache, log)
            try:
                wait_healthy(base, proc, timeout_s)
                http_s = time.perf_counter() - t0
                page.goto(base)
                ms = max(1, int(1000 * (timeout_s - http_s)))
                page.wait_for_selector(ACCURACY, timeout=ms)
                page.wait_for_function(
                    f'document.querySelectorAll("{CHART}").length >= {HOME_CHARTS}', timeout=ms, polling="raf"
                )
                page.wait_for_selector(GUIDED, timeout=ms)
                seconds = time.perf_counter() - t0
                cpu_s = _cpu_seconds(proc.pid)
                accuracy = page.locator(ACCURACY).first.inner_text()
            finally:
                stop_server(proc)
        finally:
            b.close()
    return {
        "seconds": seconds,
        "http_s": http_s,
        "server_cpu_s": cpu_s,
        "accuracy_shown": " ".join(accuracy.split()),
        "measured_to": "Home's accuracy, both charts and first guided example drawn in Chromium",
    }


_APPTEST = """
import sys, time
t0 = float(sys.argv[1])
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300).run()
assert not at.exception, at.exception
print(time.time() - t0, at.metric[0].value)
"""


def _without_browser(root: Path, cache: Path, log, timeout_s: float) -> dict:
    port = free_port()
    t0 = time.perf_counter()
    proc = _server(root, port, cache, log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, timeout_s)
        http_s = time.perf_counter() - t0
    finally:
        stop_server(proc)
    env = dict(os.environ, PYTHONPATH=str(root), LSTMFCN_CACHE_DIR=str(cache))
    run = subprocess.run(
        [sys.executable, "-c", _APPTEST, repr(time.time())],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=True,
    )
    script_s, accuracy = run.stdout.split()[-2:]
    return {
        "seconds": http_s + float(script_s),
        "http_s": http_s,
        "accuracy_shown": accuracy,
        "measured_to": "the server's first HTTP 200, plus a fresh process running Home once (AppTest; no Chromium)",
    }


def pages_results(model, ds, split: str = "test", samples: int = 200) -> dict:
    """What the dashboard's pages keep for a model on a split, computed the pages' way, as a
    :func:`lstmfcn.report.build_report` ``memo``: Home's evaluation (logits chunk by chunk, as
    the dashboard keeps them) and the What matters page's importance at its defaults (labels as
    names) on the report's ``samples`` class-balanced rows."""
    import numpy as np

    from ..dashboard import explanations
    from ..evaluation import evaluation_from_logits, predict_logits
    from ..importance import DEFAULT_REPEATS, permutation_importance
    from ..importance.agreement import map_agreement
    from ..importance.grid import default_window
    from ..inputs import model_classes, model_input
    from ..report import importance_rows

    a = model_input(model, ds, split, resample=True, class_subset=True)
    chunks = explanations.chunks(len(a.y))
    logits = np.concatenate([predict_logits(model, a.X[s:e], a.lengths[s:e]) for s, e in chunks])
    rows = importance_rows(a.y, samples)
    X, y, L = a.X[rows], a.y[rows], a.lengths[rows]
    window = default_window(a.X.shape[-1], a.X.shape[1])[0]
    result = permutation_importance(
        model, X, y, L, classes=model_classes(model), window=window, repeats=DEFAULT_REPEATS, sample_indices=rows
    )
    agreements = map_agreement(model, X, y, L, result, methods=("cam", "ig"))  # the page's AGREEMENT_METHODS
    return {"evaluation": evaluation_from_logits(logits, a.y), "importance": (rows, result, agreements)}


def report_run(model=None, ds=None, split: str = "test", samples: int = 200, *, uncached: bool = True) -> dict:
    """Seconds the report of ``model`` on ``ds`` takes as the dashboard builds it (default: the
    shipped GunPoint LSTM-FCN on GunPoint's test split):

    - ``uncached_s``: from nothing (what the old dashboard always did; skipped with ``uncached=False``);
    - ``from_pages_s``: once Home's evaluation and the What matters page's importance are kept
      (:func:`pages_results`, computed beforehand and not timed);
    - ``cached_s``: built again from its memo (another session, or the same report again after
      the sections were built): what the target "≤ 5 s once cached" is about.
    """
    from ..report import build_report

    if model is None or ds is None:
        from ..checkpoint import load_model
        from ..data import load_dataset
        from ..zoo import DEFAULT_DATASET, pretrained_path

        model = load_model(pretrained_path(f"{DEFAULT_DATASET}__lstmfcn"))
        ds = load_dataset(DEFAULT_DATASET)
    options = {"samples": samples, "resample": True, "class_subset": True}
    out: dict[str, float] = {}
    if uncached:
        t = time.perf_counter()
        build_report(model, ds, split, **options)
        out["uncached_s"] = time.perf_counter() - t
    memo = pages_results(model, ds, split, samples)
    t = time.perf_counter()
    build_report(model, ds, split, memo=memo, **options)
    out["from_pages_s"] = time.perf_counter() - t
    t = time.perf_counter()
    build_report(model, ds, split, memo=memo, **options)
    out["cached_s"] = time.perf_counter() - t
    return out
