"""Who this browser session is, for the server-wide work it owns (background checks, trainings).

Work shared by every session (:mod:`lstmfcn.dashboard.tasks`, :mod:`lstmfcn.dashboard.jobs`) is
owned per session: the core keeps owners as plain strings and asks :func:`alive` whether one is
still there. An owner is the Streamlit session id (what tells whether the tab is still open) and
a random part kept in the session state: under ``AppTest`` every session has the same id.
"""

from __future__ import annotations

import uuid

import streamlit as st

ss = st.session_state


def owner() -> str:
    """This session's owner string, ``"<streamlit session id>/<random>"``, the same on every run."""
    if "_owner" not in ss:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        ss["_owner"] = f"{ctx.session_id if ctx else 'none'}/{uuid.uuid4().hex[:12]}"
    return ss["_owner"]


def alive(owner_: str) -> bool:
    """Whether the session behind ``owner_`` is still connected. Without a Streamlit server (a
    test, a bare script run) nothing can tell, so every owner counts as there."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(owner_.split("/", 1)[0])
