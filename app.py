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

from pages import _ui as ui  # noqa: E402
from pages._cached_explanations import first_page_drawn  # noqa: E402

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
    st.Page("pages/cam.py", title="Class activation maps", icon=":material/gradient:"),
    st.Page("pages/attention.py", title="Attention", icon=":material/visibility:"),
    st.Page("pages/attributions.py", title="Attributions", icon=":material/compare:"),
    st.Page("pages/whatif.py", title="What if", icon=":material/edit:"),
    st.Page("pages/neighbours.py", title="Neighbours", icon=":material/hub:"),
    st.Page("pages/what_matters.py", title="What matters", icon=":material/insights:"),
    st.Page("pages/compare.py", title="Compare two models", icon=":material/compare_arrows:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/filters.py", title="Filters", icon=":material/filter_alt:"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/table_chart:"),
    st.Page("pages/present.py", title="Presenter mode", icon=":material/slideshow:"),
]


def run() -> None:
    if ui.presenting():  # the talk alone: no menu, no sidebar (a new Page: navigation marks its first one default)
        page = st.navigation([st.Page("pages/present.py", title="Presenter mode")], position="hidden")
        ui.shared_chrome(with_sidebar=False)
    else:
        page = st.navigation(PAGES)
        ui.shared_chrome()
    try:
        page.run()
    finally:  # however the run ends (st.stop, a rerun): the server's warm-up may take the CPU now
        first_page_drawn()


run()
