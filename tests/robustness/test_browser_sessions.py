"""Several people on one running dashboard, in real browser sessions (Chromium via playwright).

One server (``streamlit run app.py``, the dashboard tests' helpers) and separate browser contexts,
each a stranger with their own cookies and session:

* three sessions on different pages, samples, classes and splits at the same time each see their
  own selection, in the page and in the link, and no exception;
* a training running in one session does not keep another from loading a page;
* a pickled "checkpoint" uploaded in the sidebar is refused and its payload never runs;
* the server sends no CORS wildcard and refuses an upload without the XSRF token.

Like ``tests/app/test_browser.py``: skipped without Chromium, a failure with
``LSTMFCN_REQUIRE_BROWSER=1``. The server's whole log is checked for tracebacks at the end.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.app.conftest import ROOT
from tests.app.test_browser import (
    CAM_TITLE,
    CHART,
    EXCEPTION,
    _free_port,
    _server_command,
    _wait_health,
    stop,
    wait_for_app,
)

pytestmark = pytest.mark.browser
ATTR_TITLE = ".st-key-attr_sample .gtitle"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    """A fresh server, warmed up once (imports, GunPoint's CAM) so that timings measure sessions."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("wb") as out:
        proc = subprocess.Popen(_server_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_health(base, proc)
        page = browser.new_page()
        page.goto(f"{base}/cam")
        page.wait_for_selector(CAM_TITLE, timeout=120_000)
        page.close()
        yield base
    finally:
        stop(proc)
        print(f"\nconcurrent-session timings: {TIMINGS}")
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]


@pytest.fixture
def sessions(browser):
    """``sessions(n)`` → n pages, each in its own browser context (own cookies: another person)."""
    contexts = []

    def make(n: int):
        pages = []
        for _ in range(n):
            contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
            pages.append(contexts[-1].new_page())
        return pages

    yield make
    for c in contexts:
        c.close()


def title_of(page, selector: str) -> str:
    return page.locator(selector).first.text_content() or ""


def wait_title(page, selector: str, fragment: str, timeout: float = 90_000) -> None:
    page.wait_for_function(
        "([sel, want]) => { const t = document.querySelector(sel); return t && t.textContent.includes(want); }",
        arg=[selector, fragment],
        timeout=timeout,
    )


def test_three_sessions_at_once_each_see_their_own_selection(server, sessions):
    a, b, c = sessions(3)
    views = [  # page, selector, URL, what its chart title must say, then after a change
        (a, CAM_TITLE, "/cam?sample=7", "Test sample #7: CAM of class", "88", "Test sample #88: CAM of class"),
        (b, CAM_TITLE, "/cam?split=train&sample=23&class=2", "Train sample #23: CAM of class 2", "5",
         "Train sample #5: CAM of class 2"),
        (c, ATTR_TITLE, "/attributions?sample=61&method=saliency", "Test sample #61: every method's map", "12",
         "Test sample #12: every method's map"),
    ]  # fmt: skip
    for page, _, url, *_ in views:  # all three load at the same time
        page.goto(server + url, wait_until="commit")
    for page, selector, _, first, *_ in views:
        wait_title(page, selector, first)
    inputs = {
        a: ".st-key-_w_cam_sample input",
        b: ".st-key-_w_cam_sample input",
        c: ".st-key-_w_attributions_sample input",
    }
    for page, _, _, _, sample, _ in views:  # all three change their sample at the same time
        wait_for_app(page)
        page.locator(inputs[page]).fill(sample)
    for page, *_ in views:
        page.locator(inputs[page]).press("Enter")
    for page, selector, _, _, sample, second in views:
        wait_title(page, selector, second)
        wait_for_app(page)
        assert f"sample={sample}" in page.url, page.url
        assert page.locator(EXCEPTION).count() == 0
    assert "split=train" not in a.url and "class=" not in a.url and "split=train" in b.url and "class=2" in b.url
    assert "method=saliency" in c.url and "method=saliency" not in a.url + b.url
    for page, selector, _, _, _, second in views:  # nothing changed behind anyone's back
        assert second in title_of(page, selector)


def load_cam(page, server: str, sample: int) -> float:
    """Seconds from asking for the CAM page (a new session) to its chart of ``sample``."""
    t0 = time.perf_counter()
    page.goto(f"{server}/cam?sample={sample}")
    wait_title(page, CAM_TITLE, f"Test sample #{sample}:", timeout=60_000)
    seconds = time.perf_counter() - t0
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0
    return round(seconds, 2)


def test_a_training_in_one_session_does_not_keep_another_from_loading_a_page(server, sessions):
    trainer, idle_visitor, visitor = sessions(3)
    TIMINGS["page_load_idle_s"] = load_cam(idle_visitor, server, 2)
    trainer.goto(f"{server}/train")
    wait_for_app(trainer)
    trainer.locator(".st-key-train_epochs input").fill("5000")
    trainer.locator("button", has_text="Start training").click()
    progress = trainer.get_by_text(re.compile(r"epoch [1-9]\d* of 5000"))
    progress.first.wait_for(timeout=60_000)
    epoch_before = int(re.search(r"epoch (\d+) of", progress.first.text_content())[1])

    TIMINGS["page_load_during_training_s"] = load_cam(visitor, server, 3)

    time.sleep(1.5)  # the training went on meanwhile
    epoch_after = int(re.search(r"epoch (\d+) of", progress.first.text_content())[1])
    assert epoch_after > epoch_before
    trainer.locator("button", has_text="Stop training").first.click()  # (a fragment rerun may briefly show two)
    trainer.get_by_text("stopped early").first.wait_for(timeout=60_000)
    # A few seconds on an idle machine. Relative to the idle load as well, so that a machine busy
    # with other work (the test suite beside two trainings: 16.8 s) does not fail it; a training
    # that starved other sessions would be far beyond both.
    idle = TIMINGS["page_load_idle_s"]
    assert TIMINGS["page_load_during_training_s"] < max(15, 4 * idle), TIMINGS


class _Payload:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickled_checkpoint_uploaded_in_the_browser_never_runs(server, sessions, tmp_path):
    marker = tmp_path / "payload_ran"
    evil = tmp_path / "model.safetensors"
    evil.write_bytes(pickle.dumps({"state_dict": _Payload(str(marker))}))
    (page,) = sessions(1)
    page.goto(f"{server}/")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").nth(1).set_input_files(str(evil))
    error = page.locator("[data-testid='stAlertContentError']").filter(has_text="not a safetensors checkpoint")
    error.wait_for(timeout=60_000)
    wait_for_app(page)
    assert not marker.exists()
    assert page.locator(CHART).count() >= 2 and page.locator(EXCEPTION).count() == 0  # the previous model stays


def test_the_server_sends_no_cors_wildcard_and_wants_the_xsrf_token(server):
    request = urllib.request.Request(f"{server}/_stcore/health", headers={"Origin": "http://evil.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        allowed = response.headers.get("Access-Control-Allow-Origin")
    assert allowed in (None, "") or ("*" not in allowed and "evil.example" not in allowed)
    upload = urllib.request.Request(
        f"{server}/_stcore/upload_file/some-session/some-file", data=b"--x--\r\n", method="PUT",
        headers={"Origin": "http://evil.example", "Content-Type": "multipart/form-data; boundary=x"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 403


def test_a_big_explanation_in_one_session_does_not_keep_another_from_loading_a_page(server, sessions):
    """Integrated Gradients for the 150 test series runs in the asking session's own script thread."""
    explainer, visitor = sessions(2)
    explainer.goto(f"{server}/attributions?method=ig")
    wait_for_app(explainer)
    explainer.get_by_role("tab", name="Class averages").click()
    busy = explainer.locator("[data-testid='stProgress']").filter(has_text="samples")
    busy.first.wait_for(timeout=60_000)  # "Integrated Gradients for every test sample: 19 of 150 samples"

    TIMINGS["page_load_during_explanation_s"] = load_cam(visitor, server, 4)
    assert busy.count() >= 1, "the explanation finished before the other page had loaded: nothing was tested"
    explainer.locator(".st-key-attr_class_average " + CHART).wait_for(timeout=120_000)
    wait_for_app(explainer)
    assert explainer.locator(EXCEPTION).count() == 0
    assert TIMINGS["page_load_during_explanation_s"] < 15
