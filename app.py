"""LSTM-FCN Explorer: the dashboard's entry point (``streamlit run app.py``).

The router: it sets up the page, restores the shared selection (from the URL on a session's first
run), draws the shared sidebar (dataset, model, device) and runs the chosen page from ``pages/``.
"""

from __future__ import annotations

import streamlit as st

# An emoji icon is drawn in the page itself; a ":material/…:" one is fetched from Google's font host.
st.set_page_config(page_title="LSTM-FCN Explorer", page_icon="📈", layout="wide")  # before anything is drawn

from pages._startup import import_with_progress  # noqa: E402 - streamlit only: draws at once

import_with_progress()  # the first run imports torch & co. under a progress bar

from pages import _page as page_ui  # noqa: E402
from pages import _state as state_ui  # noqa: E402
from pages._cached_explanations import first_page_drawn  # noqa: E402
from pages._navigation import navigation  # noqa: E402


def run() -> None:
    presenting = state_ui.presenting()  # the talk alone: no menu, no sidebar
    page = navigation(presenting)
    page_ui.shared_chrome(with_sidebar=not presenting)
    try:
        page.run()
    finally:  # however the run ends (st.stop, a rerun): the server's warm-up may take the CPU now
        first_page_drawn()


run()
