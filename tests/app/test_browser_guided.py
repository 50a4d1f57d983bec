"""The guided path in a real browser, on GunPoint, ECG5000 and Adiac: no wait over 2 s without a
progress bar.

A fresh server with an empty disk cache (the worst case: nothing computed yet) is driven through
what a newcomer does: open Home on the dataset, follow the first guided example's "Explain" to its
class activation map, open Attributions, then its faithfulness tab and wait for the verdicts.
Every ~200 ms the test reads the page: the app is either idle (Streamlit's script state is not
"running") or shows a progress bar (``[data-testid='stProgress']`` or ``role=progressbar``),
else it is a wait without progress. The longest such wait of each step must stay within 2 s.
On the CAM, the chart's toolbar camera downloads a PNG named for the dataset, model and sample,
well under 1 MB.

The timings (each step: from the action to its end, to the first progress bar, and the longest
wait without one) are printed and written to ``browser_guided_timings.json`` in pytest's
temporary folder. They are measured, not asserted, except for the 2 s bound itself.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers.browser import CAM_TITLE, EXCEPTION, running_server

pytestmark = pytest.mark.browser

#: The bound the issue sets: every wait longer than this shows a progress bar.
BOUND_S = 2.0
POLL_S = 0.2
STEP_TIMEOUT_S = 600.0  # a 2-core machine shared with other work took 4 min for faithfulness; idle, far less

DATASETS = {"GunPoint": "GunPoint__lstmfcn", "ECG5000": "ECG5000__lstmfcn", "Adiac": "Adiac__lstmfcn"}

# What the page shows right now: Streamlit's script state, and whether a progress bar is visible.
STATE_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const visible = (el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0;
  const bars = [...document.querySelectorAll("[data-testid='stProgress'], [role='progressbar']")];
  const spinners = [...document.querySelectorAll("[data-testid='stSpinner']")].filter(visible);
  return {
    running: !app || app.getAttribute("data-test-script-state") === "running",
    progress: bars.some(visible),
    spinner: spinners.map((e) => e.textContent.trim()).join(" | "),
  };
}"""

TIMINGS: dict[str, dict[str, dict]] = {}
DOWNLOADS: dict[str, dict] = {}


def watch(page, done: str, what: str) -> dict:
    """Poll the page until the JS condition ``done`` holds on an idle app (twice in a row, 200 ms
    apart); returns the step's timings (the test asserts the bound once all steps are measured)."""
    t0 = time.perf_counter()
    longest = 0.0
    since: float | None = None  # start of the current wait without a progress bar
    first_bar: float | None = None
    settled = 0
    shown: list[str] = []  # spinners seen while waiting without a progress bar (what the wait was)
    while True:
        now = time.perf_counter()
        state = page.evaluate(STATE_JS)
        if state["progress"] and first_bar is None:
            first_bar = now - t0
        if state["running"] and not state["progress"]:
            since = now if since is None else since
            longest = max(longest, now - since)
            if state["spinner"] and state["spinner"] not in shown:
                shown.append(state["spinner"])
        else:
            since = None
        idle_and_done = not state["running"] and not state["progress"] and page.evaluate(done)
        settled = settled + 1 if idle_and_done else 0
        if settled >= 2:
            break
        assert now - t0 < STEP_TIMEOUT_S, f"{what}: not done within {STEP_TIMEOUT_S:.0f} s"
        time.sleep(POLL_S)
    assert page.locator(EXCEPTION).count() == 0, what
    end = time.perf_counter() - t0 - POLL_S  # the second, confirming look is not part of the wait
    return {
        "done_s": round(end, 2),
        "first_progress_bar_s": first_bar and round(first_bar, 2),
        "longest_wait_without_bar_s": round(longest, 2),
        "spinners": shown,
    }


def png_download(page, chart: str) -> tuple[str, int]:
    """Click the camera button of ``chart``'s toolbar (drawn by the browser); the file's name and size."""
    page.locator(chart).hover()
    with page.expect_download(timeout=30_000) as info:
        page.locator(f"{chart} .modebar-btn[data-title='Download plot as a PNG']").click()
    download = info.value
    return download.suggested_filename, os.path.getsize(download.path())


def has(selector: str, text: str = "") -> str:
    """A JS condition: an element matching ``selector`` (containing ``text``) is on the page."""
    return f"() => [...document.querySelectorAll({json.dumps(selector)})].some(e => e.textContent.includes({json.dumps(text)}))"


@pytest.fixture(scope="module")
def cold_server(browser, shipped_models, tmp_path_factory):
    """A fresh server whose disk cache is empty."""
    folder = tmp_path_factory.mktemp("guided")
    before = os.environ.get("LSTMFCN_CACHE_DIR")
    os.environ["LSTMFCN_CACHE_DIR"] = str(folder / "cache")
    try:
        with running_server(folder / "streamlit.log") as (base, _):
            yield base
    finally:
        if before is None:
            os.environ.pop("LSTMFCN_CACHE_DIR", None)
        else:
            os.environ["LSTMFCN_CACHE_DIR"] = before
        out = tmp_path_factory.getbasetemp() / "browser_guided_timings.json"
        out.write_text(json.dumps({"timings": TIMINGS, "png_downloads": DOWNLOADS}, indent=1))
        print(
            f"\nguided path timings (s): {json.dumps(TIMINGS, indent=1)}\nPNG downloads: {DOWNLOADS}\n(written to {out})"
        )


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_the_guided_path_never_waits_over_2_s_without_a_progress_bar(browser, cold_server, dataset):
    model = DATASETS[dataset]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    steps = TIMINGS.setdefault(dataset, {})
    try:
        page.goto(f"{cold_server}/?dataset={dataset}&model={model}")
        steps["open Home"] = watch(page, has(".st-key-home_guided_0 button"), f"{dataset}: Home")

        page.locator(".st-key-home_guided_0 button").click()
        steps["guided example → its CAM"] = watch(page, has(CAM_TITLE), f"{dataset}: the guided example's CAM")
        assert "/cam" in page.url
        png_name, png_bytes = png_download(page, ".st-key-cam_chart")
        sample = parse_qs(urlparse(page.url).query).get("sample", ["?"])[0]  # the guided example's, in the link
        assert png_name.startswith(f"{dataset}_lstmfcn_") and f"_{sample}_" in png_name and png_name.endswith(".png")
        assert 5_000 < png_bytes < 1_000_000, png_bytes  # a picture, not a 4.8 MB page
        DOWNLOADS[dataset] = {"file": png_name, "bytes": png_bytes}

        page.get_by_role("link", name="Attributions").click()
        steps["open Attributions"] = watch(page, has("[data-testid='stPlotlyChart']"), f"{dataset}: Attributions")

        page.get_by_role("tab", name="Faithfulness & agreement").click()
        steps["faithfulness → verdicts"] = watch(
            page, has("[data-testid='stAlert']", "better than random order"), f"{dataset}: faithfulness"
        )
    finally:
        page.close()
    over = {
        step: t["longest_wait_without_bar_s"] for step, t in steps.items() if t["longest_wait_without_bar_s"] > BOUND_S
    }
    assert not over, f"{dataset}: waits over {BOUND_S} s without a progress bar: {over}"
