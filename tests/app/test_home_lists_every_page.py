"""Home's list of what the dashboard shows names every page of the navigation, with its line (it
once omitted four): the list is drawn from the navigation, so a new page is in it by being there."""

from __future__ import annotations

from pages._navigation import PAGES


def test_every_page_but_home_has_a_line_to_say_what_it_shows():
    for p in PAGES[1:]:
        assert p.summary.strip() and not p.summary[0].isupper(), p  # it follows "**Title** —"
    assert PAGES[0].script == "pages/home.py" and not PAGES[0].summary


def test_home_names_every_page_of_the_navigation(app):
    at = app()
    shown = "\n".join(m.value for m in at.markdown)
    missing = [p.title for p in PAGES[1:] if f"**{p.title}** — {p.summary}" not in shown]
    assert not missing, f"Home's list omits {missing}"
