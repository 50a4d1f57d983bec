"""Plain explanations of the technical words a page shows, from :mod:`lstmfcn.glossary`.

One way everywhere: the element that shows a term carries its explanation in Streamlit's own
tooltip (``help=``, the ⓘ next to a text, title, metric or widget, reachable by hover and by
keyboard). Alerts have no tooltip in Streamlit: :func:`alert` draws one and a one-line caption
under it that carries the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lstmfcn import glossary


def tip(*texts, help: str | None = None) -> str | None:  # noqa: A002 - Streamlit's own name for it
    """``help=`` for an element showing ``texts`` (its label or body, its options): its own ``help``
    first, then one line per glossary term that ``texts`` or that help use; None when neither has any."""
    lines = glossary.help_text(*(str(t) for t in texts), help or "")
    if help and lines:
        return f"{help}\n\n{lines}"
    return help or lines


def alert(kind: Callable, body: str, **kwargs) -> None:
    """``kind(body, **kwargs)`` (``st.info``, ``st.success``, ``st.warning``, ``st.error``), and
    when ``body`` uses glossary terms a small caption under it whose tooltip explains them."""
    kind(body, **kwargs)
    explained = tip(body)
    if explained:
        st.caption(":material/help: The words above, explained", help=explained)


def markdown(body: str, **kwargs) -> None:
    """``st.markdown(body)`` with the glossary terms it uses explained in its tooltip."""
    st.markdown(body, help=tip(body), **kwargs)


def caption(body: str, **kwargs) -> None:
    """``st.caption(body)`` with the glossary terms it uses explained in its tooltip."""
    st.caption(body, help=tip(body), **kwargs)
