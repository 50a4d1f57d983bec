"""The dashboard's pages as the router (``app.py``) offers them, in one place: the router draws them
and a page run outside the router (:func:`pages._page.ensure_router`) declares them the same way."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Page:
    """One page of the menu: its script, its title and icon there, and the one line Home says of it."""

    script: str
    title: str
    icon: str
    summary: str = ""  # what the page shows, for Home's list (empty for Home itself)


#: Every page, in the menu's order; the first is the default page. A new page is its script and one
#: line here: the menu, Home's list and the tests that visit every page read this.
PAGES = (
    Page("pages/home.py", "Home", ":material/home:"),
    Page("pages/data.py", "Data", ":material/database:", "what the series of each class look like."),
    Page(
        "pages/cam.py",
        "Class activation maps",
        ":material/gradient:",
        "which moments of a series pushed the model towards each class.",
    ),
    Page("pages/attention.py", "Attention", ":material/visibility:", "where an attention model looked while reading."),
    Page(
        "pages/attributions.py",
        "Attributions",
        ":material/compare:",
        "other explanation methods side by side, and checks of how far to trust them.",
    ),
    Page(
        "pages/whatif.py",
        "What if",
        ":material/edit:",
        "edit a series and see how the model's answer changes; find the smallest change that flips it.",
    ),
    Page(
        "pages/neighbours.py",
        "Neighbours",
        ":material/hub:",
        "which training series the model thinks a sample looks like, and each class's typical series.",
    ),
    Page(
        "pages/what_matters.py",
        "What matters",
        ":material/insights:",
        "across the whole split: which variables and stretches of time the model relies on, per class.",
    ),
    Page(
        "pages/compare.py",
        "Compare two models",
        ":material/compare_arrows:",
        "two models on the same sample and where their answers differ.",
    ),
    Page("pages/train.py", "Train", ":material/model_training:", "train your own model here, in the browser."),
    Page("pages/filters.py", "Filters", ":material/filter_alt:", "what single convolution filters respond to."),
    Page(
        "pages/sweep.py",
        "Sweep",
        ":material/table_chart:",
        "the results of many trainings side by side, against the papers' published numbers.",
    ),
    Page(
        "pages/present.py",
        "Presenter mode",
        ":material/slideshow:",
        "a talk for an audience: the examples below, one idea per screen, in large type, with Next, Back and "
        "the arrow keys.",
    ),
)


def page_list() -> str:
    """Home's list of the other pages, one Markdown bullet each: ``* **Title** — summary``."""
    return "\n".join(f"* **{p.title}** — {p.summary}" for p in PAGES if p.summary)


def navigation(presenting: bool):
    """``st.navigation`` of the dashboard's pages: the menu of every page, or in presenter mode the
    talk alone with no menu (a new Page: navigation marks its first one default)."""
    if presenting:
        return st.navigation([st.Page("pages/present.py", title="Presenter mode")], position="hidden")
    return st.navigation([st.Page(p.script, title=p.title, icon=p.icon, default=k == 0) for k, p in enumerate(PAGES)])
