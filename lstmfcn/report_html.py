"""The report's HTML building blocks: a chart with its caption, a table, the page around the sections.

Every string from the data or the user is escaped (:func:`esc`). The page embeds plotly.js once and
its style sheet, fetches nothing, and explains the prose's terms (:mod:`lstmfcn.glossary`) on hover
and in a list at its end. :mod:`lstmfcn.report_sections` builds the sections from these.
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import glossary

esc = html.escape

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta, .used, figcaption { color: #555; font-size: 0.95em; }
.big { font-size: 2.2em; font-weight: 600; margin: 0.2em 0; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: 0.5em 1em; }
.yes { background: #e9f7ef; border-left: 4px solid #009e73; padding: 0.5em 1em; }
.no { background: #fff4e5; border-left: 4px solid #d55e00; padding: 0.5em 1em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; }
th { background: #f5f5f5; text-align: left; } figure { margin: 1em 0; }
"""


def package_version() -> str:
    """This package's version: the installed one, else the source tree's ``pyproject.toml``'s."""
    try:
        return version("lstmfcn-explorer")
    except PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"] + " (source tree)"
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def figure(fig, how_to_read: str) -> str:
    """A Plotly figure as a ``<figure>`` (its plotly.js left to the page), ``how_to_read`` its caption."""
    div = fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG)
    caption = f"<figcaption>{esc(how_to_read)}</figcaption>" if how_to_read else ""
    return f"<figure>{div}{caption}</figure>"


def table(header: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> str:
    """A table of ``rows``, every cell escaped; with ``header=None`` a first column of names in ``<th>``."""
    head = "" if header is None else "<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>"
    cells = ("td", "td") if header is not None else ("th", "td")
    body = "".join(
        "<tr>" + "".join(f"<{cells[min(i, 1)]}>{esc(str(c))}</{cells[min(i, 1)]}>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table>{head}{body}</table>"


def used(n: int, n_split: int) -> str:
    """The sentence that says which of a split's ``n_split`` samples a section used (``n`` of them)."""
    return f"All {n} samples." if n >= n_split else f"{n} of the {n_split} samples, class-balanced."


def page(title: str, parts: Sequence[str]) -> str:
    """The complete HTML document of the sections ``parts``, with the glossary of their prose at the end."""
    from plotly.offline import get_plotlyjs

    body = "\n".join(parts)
    footer = (
        '<p class="meta">Made with LSTM-FCN Explorer; opens offline (plotly.js is embedded, nothing is fetched).</p>'
    )
    # Every term of the prose explained on hover where it stands (the browser adds the <abbr>s, so the
    # sentences stay as the library wrote them), and all of them again in a list at the end.
    terms = glossary.find_terms(glossary.prose_of_html(body + footer))
    words = f"<h2>Words used in this report</h2>\n{glossary.glossary_html(terms)}\n" if terms else ""
    body = f"{body}\n{words}{footer}\n{glossary.hover_script(body + footer)}"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{CSS}</style>\n'
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n{body}\n'
        "</body>\n</html>\n"
    )
