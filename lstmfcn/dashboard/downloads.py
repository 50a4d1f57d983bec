"""What a download is called: the dataset, the model, then what the chart shows (sample, method …).

A chart downloads as a PNG from its own toolbar (drawn by the browser: small, no network, no
server work) and as a CSV of the numbers it plots. Both carry :func:`file_name`, and the chart's
subtitle (:func:`chart_subtitle`) names the dataset and the model, so an image found later in a
folder or a slide still says where it came from.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9.+-]+")


def model_tag(model_id: str, meta: dict | None) -> str:
    """A short name for a model in a file name: its architecture, ``-noshuffle`` when the
    dimension shuffle is off, and where it comes from unless shipped (``lstmfcn``,
    ``alstmfcn-noshuffle``, ``mlstmfcn-trained``, ``lstmfcn-upload``)."""
    if not meta:
        return _safe(model_id) or "model"
    m = meta.get("model", {})
    tag = m.get("arch", "model") + ("" if m.get("shuffle", True) else "-noshuffle")
    if model_id.startswith("trained:"):
        tag += "-trained"
    elif model_id.startswith("upload:"):
        tag += "-upload"
    return tag


def file_name(dataset: str, model: str, name: str) -> str:
    """``<dataset>_<model>_<what>`` without an extension; ``name``'s ``_``-separated parts (what
    the page calls the chart: its kind, split, sample, method, class) follow, the dataset's own
    name left out where the page repeated it. Only letters, digits and ``. + -`` inside a part."""
    parts = [dataset, model] + [p for p in name.split("_") if p and p != dataset]
    return "_".join(filter(None, map(_safe, parts)))


def chart_subtitle(dataset_label: str, model_label: str) -> str:
    """The line under a chart's title that says which data and which model it shows."""
    return f"{dataset_label} · {model_label}"


def _safe(part: str) -> str:
    return _UNSAFE.sub("-", str(part)).strip("-")
