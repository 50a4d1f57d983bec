"""Several people on one running dashboard, in real browser sessions (Chromium via playwright).

One server (``streamlit run app.py``, the dashboard tests' helpers) and separate browser contexts,
each a stranger with their own cookies and session:

* three sessions on different pages, samples, classes and splits at the same time each see their
  own selection, in the page and in the link, and no exception;
* a training, or Integrated Gradients for a whole split, running in one session does not keep
  another from loading a page: the page is drawn while the work is still going, and the work goes on;
* a pickled "checkpoint" uploaded in the sidebar is refused and its payload never runs;
* the server sends no CORS wildcard and refuses an upload without the XSRF token.

Like ``tests/app/test_browser.py``: skipped without Chromium, a failure with
``LSTMFCN_REQUIRE_BROWSER=1``. The server's whole log is checked for tracebacks at the end.

No timing is asserted: what a starved session would show is an order (its page drawn only after the
other's work ended, or not within the generous wait) and a count (the other's epochs or samples
standing still); both are checked. Speed is the benchmark's business (``python -m lstmfcn bench
--targets`` times the cold start), where a busy machine is reported, not failed.
"""

from __future__ import annotations

import pickle
import re
import urllib.error
import urllib.request

import pytest

from tests.helpers.browser import (
    CAM_TITLE,
    ERROR,
    EXCEPTION,
    UPLOAD,
    WAIT_MS,
    expect_charts,
    running_server,
    wait_for_app,
    wait_for_text,
)

pytestmark = pytest.mark.browser
ATTR_TITLE = ".st-key-attr_sample .gtitle"
HOME_CHARTS = 2  # the home page's: accuracy per class and the confusion matrix
#: The explanation that keeps a session busy: Integrated Gradients for all of ECG5000's test series
#: (minutes on two cores; GunPoint's 150 could end before another page had loaded).
BIG_SPLIT = "dataset=ECG5000&model=ECG5000__lstmfcn&method=ig"
BIG_N = 4500


@pytest.fixture(scope="module")
def server(browser, shipped_models, tmp_path_factory):
    """A fresh server, warmed up once (imports, GunPoint's CAM) so that the sessions share a warm server."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(log) as (base, _):
        page = browser.new_page()
        page.goto(f"{base}/cam")
        page.wait_for_selector(CAM_TITLE, timeout=120_000)
        page.close()
        yield base
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


def wait_title(page, selector: str, fragment: str) -> None:
    wait_for_text(page, selector, fragment, timeout=90_000)  # three sessions at once on two cores


def test_three_sessions_at_once_each_see_their_own_selection(server, sessions):
    a, b, c = sessions(3)
    views = [  # page, selector, URL, what its chart title must say, then after a change
        (a, CAM_TITLE, "/cam?sample=7", "Test sample #7: CAM of class", "88", "Test sample #88: CAM of class"),
        (
            b,
            CAM_TITLE,
            "/cam?split=train&sample=23&class=2",
            "Train sample #23: CAM of class 2",
            "5",
            "Train sample #5: CAM of class 2",
        ),
        (
            c,
            ATTR_TITLE,
            "/attributions?sample=61&method=saliency",
            "Test sample #61: every method's map",
            "12",
            "Test sample #12: every method's map",
        ),
    ]
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


def show_cam(page, server: str, sample: int) -> None:
    """Ask for the CAM page (a new session) and wait for its chart of ``sample``, drawn without an exception."""
    page.goto(f"{server}/cam?sample={sample}")
    wait_for_text(page, CAM_TITLE, f"Test sample #{sample}:")
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0


def test_a_training_in_one_session_does_not_keep_another_from_loading_a_page(server, sessions):
    trainer, visitor = sessions(2)
    trainer.goto(f"{server}/train")
    wait_for_app(trainer)
    trainer.locator(".st-key-train_epochs input").fill("5000")
    trainer.locator("button", has_text="Start training").click()
    progress = trainer.get_by_text(re.compile(r"epoch [1-9]\d* of 5000"))
    progress.first.wait_for(timeout=WAIT_MS)
    epoch_before = int(re.search(r"epoch (\d+) of", progress.first.text_content())[1])

    show_cam(visitor, server, 3)
    stop = trainer.locator("button", has_text="Stop training")
    assert stop.count() >= 1, "the training had ended before the other page was drawn"
    trainer.wait_for_function(  # the training goes on meanwhile: its progress passes the epoch seen before
        "([before]) => { const m = document.body.innerText.match(/epoch (\\d+) of 5000/); return m && +m[1] > before; }",
        arg=[epoch_before],
        timeout=WAIT_MS,
    )
    stop.first.click()  # (a fragment rerun may briefly show two)
    trainer.get_by_text("stopped early").first.wait_for(timeout=WAIT_MS)


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
    page.locator(UPLOAD).nth(1).set_input_files(str(evil))
    # refused in words: not a checkpoint, nor (since issue #28) weights of a library it can import
    page.locator(ERROR).filter(has_text="could not be used").wait_for(timeout=WAIT_MS)
    wait_for_app(page)
    assert not marker.exists()
    expect_charts(page, HOME_CHARTS)  # the previous model's home page stays
    assert page.locator(EXCEPTION).count() == 0


def test_the_server_sends_no_cors_wildcard_and_wants_the_xsrf_token(server):
    request = urllib.request.Request(f"{server}/_stcore/health", headers={"Origin": "http://evil.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        allowed = response.headers.get("Access-Control-Allow-Origin")
    assert allowed in (None, "") or ("*" not in allowed and "evil.example" not in allowed)
    upload = urllib.request.Request(
        f"{server}/_stcore/upload_file/some-session/some-file",
        data=b"--x--\r\n",
        method="PUT",
        headers={"Origin": "http://evil.example", "Content-Type": "multipart/form-data; boundary=x"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 403


def test_a_big_explanation_in_one_session_does_not_keep_another_from_loading_a_page(server, sessions):
    """Integrated Gradients for a whole split runs in the asking session's own script thread."""
    explainer, visitor = sessions(2)
    explainer.goto(f"{server}/attributions?{BIG_SPLIT}")
    wait_for_app(explainer, timeout=180_000)
    explainer.get_by_role("tab", name="Class averages").click()
    every = explainer.locator("button", has_text=f"all {BIG_N}")  # offered before the default subset is done
    every.first.wait_for(timeout=WAIT_MS)
    every.first.click()
    busy = explainer.locator("[data-testid='stProgress']").filter(has_text=f"of {BIG_N} samples")
    busy.first.wait_for(timeout=3 * WAIT_MS)  # "Integrated Gradients for every test sample: 128 of 4500 samples"
    before = int(re.search(r"(\d+) of", busy.first.text_content())[1])

    show_cam(visitor, server, 4)
    assert busy.count() >= 1, "the explanation had ended before the other page was drawn"
    counted = f"/(\\d+) of {BIG_N} samples/"  # a JS regular expression
    explainer.wait_for_function(  # and it goes on meanwhile: its count passes the one seen before
        "([before]) => [...document.querySelectorAll(\"[data-testid='stProgress']\")]"
        f".some((e) => {{ const m = e.textContent.match({counted}); return m && +m[1] > before; }})",
        arg=[before],
        timeout=3 * WAIT_MS,  # a chunk of 128 series takes half a minute on a busy 2-core machine
    )
    explainer.locator("button", has_text="Cancel").first.click()
    explainer.get_by_text("cancelled after").first.wait_for(timeout=3 * WAIT_MS)  # at the end of its chunk
    wait_for_app(explainer)
    assert explainer.locator(EXCEPTION).count() == 0
