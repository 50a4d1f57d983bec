"""Export: any figure as a standalone HTML page that opens offline."""

from __future__ import annotations

import html

import plotly.graph_objects as go


def figure_html(fig: go.Figure, *, title: str | None = None) -> str:
    """A standalone HTML page holding ``fig`` (plotly.js embedded: opens offline, no network).

    The page weighs about 4.8 MB whatever the chart: 4.8 MB of it is plotly.js, the chart itself
    a few kB. That is the price of opening without a network; a CDN link would need one.
    """
    page = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    if title:
        page = page.replace("<head>", f"<head><title>{html.escape(title, quote=False)}</title>", 1)
    return page
