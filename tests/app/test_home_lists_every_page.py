"""Home's list of what the dashboard shows names every page of the navigation (it omitted four)."""

from __future__ import annotations

from pathlib import Path

from pages._navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_home_names_every_page_of_the_navigation():
    titles = [title for _, title, _ in PAGES]
    assert len(titles) >= 11
    home = (ROOT / "pages" / "home.py").read_text()
    missing = [t for t in titles if t != "Home" and f"**{t}**" not in home]
    assert not missing, f"Home's list omits {missing}"
