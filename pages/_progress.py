"""The dashboard's one progress-and-cancel widget: a bar with its words (how far, the time left)
and a Cancel button; the note of work that was cancelled, with a way to start it again; and the
half-second poll that follows a background task (:mod:`lstmfcn.dashboard.tasks`) until it ends.

Used by whole-split explanations and the evaluation (:func:`pages._cached_explanations.split_explanation`),
the comparison of two models (:func:`pages._cached_views.sample_comparison`), the checks and the
What matters page's importance (:func:`pages._cached_checks.in_background`), Home's report
(:mod:`pages._report`) and training (``pages/train.py``). The words are the caller's: each says
what runs, and a background task's bar says its time left from the measured rate
(:func:`task_words`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from lstmfcn.dashboard.tasks import TaskSnapshot
from lstmfcn.dashboard.time_left import format_seconds, time_left_words

#: Under a background task's bar: the page does not wait for it.
IN_BACKGROUND = "This runs in the background: the other tabs and pages stay usable, and the result is kept."


def bar(fraction: float, text: str):
    """The progress bar (``fraction`` 0 … 1, ``text`` its words); returns it, to be moved on."""
    return st.progress(fraction, text=text)


def cancel_button(key: str, on_cancel: Callable, args: tuple = (), *, label: str = "Cancel", help: str | None = None):
    """The button that cancels (or stops) what the bar above it follows."""
    st.button(label, key=key, on_click=on_cancel, args=args, icon=":material/stop:", help=help)


def progress(fraction: float, text: str, key: str, on_cancel: Callable, args: tuple = ()):
    """The bar and its Cancel button, together; returns the bar."""
    shown = bar(fraction, text)
    cancel_button(key, on_cancel, args)
    return shown


def cancelled(
    text: str, key: str | None = None, on_again: Callable | None = None, args: tuple = (), *, again: str = "Start again"
) -> None:
    """What a cancelled piece of work leaves: ``text`` (how far it got, what is kept) and, with a
    ``key``, a button to start it again (``again``: its label; it reruns the page, then ``on_again``)."""
    st.info(text, icon=":material/pause:")
    if key is not None:
        st.button(again, key=key, on_click=on_again, args=args, icon=":material/play_arrow:")


def rate_left(elapsed_s: float, done: int, total: int) -> str:
    """`` · about 40 s left`` for work done in equal parts in this run, from the rate of the
    ``done`` parts of ``total`` so far (empty before the first and after the last)."""
    if done <= 0 or done >= total:
        return ""
    return f" · about {format_seconds(elapsed_s / done * (total - done))} left"


def task_words(
    label: str, snap: TaskSnapshot, *, slots: int | None, prior: Sequence[float] = (), units: int | None = None
) -> tuple[float, str]:
    """``(fraction, text)`` of a background task's bar: its place among the server's ``slots``
    while it waits, else how far it is and the time left (:meth:`TaskSnapshot.left`: from its
    chunks' measured rate, else from ``prior``, an earlier run's seconds per unit, for its ``units``)."""
    if snap.waiting:
        return 0.0, f"{label}: waiting for a free slot (this server runs {slots} checks at a time)"
    return snap.fraction, f"{label}: {snap.fraction:.0%} · {time_left_words(snap.left(list(prior), units))}"


@st.fragment(run_every=0.5)
def follow(
    registry,
    key: str,
    words: Callable[[TaskSnapshot], tuple[float, str]],
    on_cancel: Callable,
    args: tuple = (),
    *,
    released: Callable[[], bool] | None = None,
    note: str | None = None,
) -> None:
    """A running task's bar (``words(snapshot)``) and Cancel button (``on_cancel(*args)``),
    redrawn every half second; the whole page redraws once the task has ended. ``released()``:
    whether this session let go of it: then the page redraws at once when others keep it running,
    and says "Cancelling…" while it unwinds. ``note``: a caption under the bar."""
    task = registry.get(key)
    snap = task.snapshot() if task is not None else None
    mine = released is not None and released()
    if snap is None or snap.finished or (mine and not task.cancelling):
        st.rerun()
    bar(*words(snap))
    if mine:
        st.caption("Cancelling…")
    else:
        cancel_button(f"cancel_{key}", on_cancel, args)
    if note:
        st.caption(note)
