"""The first run of a server imports torch, plotly, aeon's readers and the explorer's own modules:
seconds on a busy machine, before a page could draw anything. :func:`import_with_progress` draws a
progress bar with the time left meanwhile; later runs find the modules loaded and draw nothing.

Only the standard library and streamlit are imported here, so the bar shows at once.
"""

from __future__ import annotations

import importlib
import sys
import time

import streamlit as st

#: ``(module, share of the start-up time, what it is in words)``, in import order; the shares are
#: what each took on a 2-core machine (torch about two thirds). Only what the first page needs:
#: aeon (scikit-learn, numba: seconds) is imported by the readers that need it, when they do, and
#: Captum by the explanation methods (``tests/app/test_cold_imports.py`` keeps both out).
STEPS = (
    ("torch", 0.6, "the neural-network library"),
    ("pandas", 0.15, "the tables"),
    ("plotly.graph_objects", 0.05, "the charts"),
    # the explorer: the page frame, the widgets and every cache the pages read
    ("pages._page", 0.1, "the explorer"),
    ("pages._widgets", 0.03, "the explorer"),
    ("pages._cached_views", 0.04, "the explorer"),
    ("pages._cached_checks", 0.01, "the explorer"),
    ("pages._cached_report", 0.02, "the explorer"),
)


def import_with_progress() -> None:
    """Import :data:`STEPS` under a progress bar, once per server process."""
    if all(name in sys.modules for name, _, _ in STEPS):
        return
    holder = st.empty()
    t0 = time.perf_counter()
    done = 0.0
    for name, share, what in STEPS:
        elapsed = time.perf_counter() - t0
        left = f" · about {max(1, round(elapsed / done * (1 - done)))} s left" if done > 0 else ""
        holder.progress(done, text=f"Starting the explorer (once per server): loading {what}{left}")
        try:
            importlib.import_module(name)
        except ImportError:  # an optional reader missing: the page that needs it says so
            pass
        done += share
    holder.empty()
