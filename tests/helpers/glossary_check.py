"""Every text an AppTest run shows, and the glossary terms it shows without their explanation.

A text element (markdown, caption, title, alert, metric, widget label and options) counts as
explained when every glossary term in what it shows is explained in its own tooltip (``help=``, as
``pages._terms.tip`` writes it). Alerts have no tooltip in Streamlit: there the caption drawn right
after the alert (``pages._terms.alert``) carries it. Tabs and expander labels cannot carry one
either; their terms are explained in what they hold, and are not checked. A chart's title, panel
names and axis titles carry theirs in its reading guide, the caption drawn just before it
(``pages._widgets.chart``); the hover texts inside a chart are not checked. A table's column
headers carry theirs in the column's help (``pages._widgets.table_columns``); its cells are not checked.
"""

from __future__ import annotations

import json
import re

from lstmfcn import glossary

_ALERTS = ("info", "success", "warning", "error")
_PLAIN = ("markdown", "caption", "title", "header", "subheader", "metric", "latex", "code")
_GLOSS_LINE = re.compile(r"^\*\*(.+?)\*\*: .*$", re.MULTILINE)


def _flat(node) -> list:
    """The elements under ``node`` in page order (blocks opened, sidebar included)."""
    out = []
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for k in sorted(children):
            out.extend(_flat(children[k]))
    else:
        out.append(node)
    return out


def _shown(el) -> tuple[str, str]:
    """(what ``el`` shows as text, its tooltip): the body or label, a widget's options, and the
    tooltip's own words other than its glossary lines (a tooltip's words are shown too)."""
    p = el.proto
    parts = []
    for field in ("body", "label", "value"):
        v = getattr(p, field, None) if field != "value" or el.type == "metric" else None
        if isinstance(v, str):
            parts.append(v)
    for field in ("options",):
        v = getattr(p, field, None)
        if v is not None and not isinstance(v, str):
            try:
                parts.extend(str(getattr(o, "label", o)) for o in v)
            except TypeError:
                pass
    tip = getattr(p, "help", "") or ""
    parts.append(_GLOSS_LINE.sub("", tip))
    return "\n".join(parts), tip


def _chart_words(layout: dict) -> list[str]:
    """A chart's title, subtitle, panel names and axis titles, from its Plotly layout."""
    title = layout.get("title") or {}
    words = [title.get("text") or "", (title.get("subtitle") or {}).get("text") or ""]
    words += [a.get("text") or "" for a in layout.get("annotations") or []]
    words += [
        ((v or {}).get("title") or {}).get("text") or "" for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))
    ]
    return [w for w in words if w]


def _unexplained_headers(el) -> list[str]:
    """One line per column header of a table that uses a glossary term its help does not explain."""
    config = json.loads(el.proto.columns or "{}")
    problems = []
    for header in el.value.columns:
        tip = (config.get(str(header)) or {}).get("help") or ""
        missing = {t.name for t in glossary.find_terms(str(header))} - glossary.explained_terms(tip)
        if missing:
            problems.append(f"table column {str(header)!r}: {sorted(missing)}")
    return problems


def unexplained(at) -> list[str]:
    """One line per element that shows a glossary term its tooltip does not explain."""
    elements = _flat(at._tree)
    problems = []
    for k, el in enumerate(elements):
        if not hasattr(el, "proto") or el.type in ("tab", "expander"):
            continue
        if el.type == "plotly_chart":
            before = elements[k - 1] if k else None
            tip = (getattr(before.proto, "help", "") or "") if before is not None and before.type == "caption" else ""
            words = " | ".join(_chart_words(json.loads(el.proto.spec)["layout"]))
            missing = {t.name for t in glossary.find_terms(words)} - glossary.explained_terms(tip)
            if missing:
                problems.append(f"chart {words[:90]!r}: {sorted(missing)}")
            continue
        if el.type == "dataframe":
            problems += _unexplained_headers(el)
            continue
        text, tip = _shown(el)
        if el.type in _ALERTS:  # the caption right after it carries the tooltip
            nxt = elements[k + 1] if k + 1 < len(elements) else None
            tip = (getattr(nxt.proto, "help", "") or "") if nxt is not None and nxt.type == "caption" else ""
        needed = {t.name for t in glossary.find_terms(text)}
        missing = needed - glossary.explained_terms(tip)
        if missing:
            problems.append(f"{el.type} {text[:90]!r}: {sorted(missing)}")
    return problems


_HOVER_DATA = re.compile(r'<script type="application/json" id="glossary-terms">(.*?)</script>', re.DOTALL)


def unexplained_in_html(page: str) -> list[str]:
    """Terms the prose of an HTML page (the report) shows that its hover data does not explain: a
    spelling missing from ``#glossary-terms`` (see ``lstmfcn.glossary.hover_script``), or explained
    with another term's line."""
    data = _HOVER_DATA.search(page)
    tips = json.loads(data.group(1).replace("<\\/", "</")) if data else {}
    problems = []
    for m in glossary._pattern().finditer(glossary.prose_of_html(page)):
        said = tips.get(m.group(0))
        if said != glossary._term_of(m).explanation:
            problems.append(f"{m.group(0)!r} " + ("without its explanation" if said is None else "explained wrongly"))
    return sorted(set(problems))
