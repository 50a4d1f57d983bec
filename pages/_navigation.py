"""The dashboard's pages as the router (``app.py``) offers them, in one place: the router draws them
and a page run outside the router (:func:`pages._page.ensure_router`) declares them the same way."""

from __future__ import annotations

import streamlit as st

#: ``(script, title, icon)`` of every page, in the menu's order; the first is the default page.
PAGES = (
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/data.py", "Data", ":material/database:"),
    ("pages/cam.py", "Class activation maps", ":material/gradient:"),
    ("pages/attention.py", "Attention", ":material/visibility:"),
    ("pages/attributions.py", "Attributions", ":material/compare:"),
    ("pages/whatif.py", "What if", ":material/edit:"),
    ("pages/neighbours.py", "Neighbours", ":material/hub:"),
    ("pages/what_matters.py", "What matters", ":material/insights:"),
    ("pages/compare.py", "Compare two models", ":material/compare_arrows:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/filters.py", "Filters", ":material/filter_alt:"),
    ("pages/sweep.py", "Sweep", ":material/table_chart:"),
    ("pages/present.py", "Presenter mode", ":material/slideshow:"),
)


def navigation(presenting: bool):
    """``st.navigation`` of the dashboard's pages: the menu of every page, or in presenter mode the
    talk alone with no menu (a new Page: navigation marks its first one default)."""
    if presenting:
        return st.navigation([st.Page("pages/present.py", title="Presenter mode")], position="hidden")
    return st.navigation(
        [st.Page(script, title=title, icon=icon, default=k == 0) for k, (script, title, icon) in enumerate(PAGES)]
    )
