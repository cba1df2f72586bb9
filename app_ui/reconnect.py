"""Reconnection: a browser back after a network drop gets its session's runs back, or is told that
they were released.

Streamlit resumes a dropped session while it keeps it (``server.disconnectedSessionTTL``), and the
runs are there (:mod:`app_ui.session_registry`). After that the browser gets a new session, whose
websocket handshake names the old one (:func:`previous_session_id`): the new session takes the old
one's runs over while the registry keeps them (:data:`app_ui.session_registry.RUN_TTL_S`). Runs
released meanwhile are not silently started again: the page says so, for
:data:`RELEASED_NOTICE_S` (a page often reruns at once after a reconnect).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_ui.session_registry import REGISTRY, RUN_TTL_S, SessionRegistry

RELEASED_NOTICE_S = 60.0  # how long the page says that the runs were released
_CHECKED = "_gp_previous_session_checked"
_NOTICE = "_gp_released_notice"


def previous_session_id(session_id: str) -> str | None:
    """The id of the session this browser had before, if Streamlit has just given it a new one.

    A reconnecting Streamlit frontend names its last session id in the websocket handshake (the
    third entry of ``Sec-WebSocket-Protocol``); Streamlit resumes that session while it keeps it
    (``server.disconnectedSessionTTL``) and otherwise starts a new one, which sees the old id here.
    """
    try:
        protocols = st.context.headers.get("Sec-WebSocket-Protocol") or ""
    except Exception:  # noqa: BLE001 - no websocket (AppTest, bare mode): no previous session
        return None
    entries = [entry.strip() for entry in protocols.split(",")]
    previous = entries[2] if len(entries) >= 3 else ""
    return previous if previous and previous != session_id else None


def returning_runs(
    registry: SessionRegistry,
    session_id: str,
    previous_id: Callable[[], str | None],
    session_state: MutableMapping,
) -> tuple[dict[str, tuple], str]:
    """The session's runs by page prefix, and the notice its page shows ("" for none).

    ``previous_id()`` (asked once per session, kept in ``session_state``) names the browser's
    previous session: its runs are taken over if kept; if they, or this session's own, were
    released, the page says when, for RELEASED_NOTICE_S."""
    released_at = registry.pop_released(session_id)
    if not session_state.get(_CHECKED):
        session_state[_CHECKED] = True
        if (previous := previous_id()) is not None:
            released_at = registry.take_over(previous, session_id) or released_at
    now = registry.clock()
    if released_at is not None:
        session_state[_NOTICE] = (released_at, now + RELEASED_NOTICE_S)
    notice = ""
    if shown := session_state.get(_NOTICE):
        released_at, shown_until = shown
        if now < shown_until:
            notice = (
                f"Your runs were released after you had been away for more than {RUN_TTL_S:.0f} s; this is a fresh "
                f"start with the same settings ({now - released_at:.0f} s ago)."
            )
        else:
            del session_state[_NOTICE]
    return registry.of_session(session_id), notice


def this_sessions_runs() -> dict[str, tuple]:
    """This browser session's live runs by page prefix (in a script run); says so on the page if
    they were released."""
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else "no-session"
    previous = (lambda: previous_session_id(session_id)) if ctx is not None else (lambda: None)
    runs, notice = returning_runs(REGISTRY, session_id, previous, st.session_state)
    if notice:
        st.info(notice, icon="💤")
    return runs
