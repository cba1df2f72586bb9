"""Each browser session's live runs, kept in :data:`REGISTRY` outside Streamlit's caches, and the
reaper that ends them.

Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL`` seconds and a
reconnecting browser gets the same session id back, so runs keyed by session id survive a dropped
connection. A reaper thread looks at the registry every :data:`REAP_EVERY_S`: a session whose
websocket is gone has its training runs paused (they resume when it is back); one gone for longer
than :data:`RUN_TTL_S` has its runs stopped (the worker's thread ends, its process exits and is
joined, killed if it hangs, and its admission slot goes back) and is remembered as released, so
that its page can say so (:mod:`app_ui.reconnect`); a run paused for longer than
:data:`PARK_AFTER_S` is parked (its state kept here, its process ended). The registry reads the
time from its ``clock``, which tests replace.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import streamlit as st
from streamlit.runtime import Runtime

from engine.live import LIVE_STATES, TrainerGone

RUN_TTL_S = float(os.environ.get("GP_RUN_TTL_S", st.get_option("server.disconnectedSessionTTL")))
PARK_AFTER_S = float(os.environ.get("GP_PARK_AFTER_S", 60))  # a run paused this long gives its process back
REAP_EVERY_S = 2.0
RELEASED_KEPT_S = 3600.0  # how long a released session is remembered, to tell it when it comes back


class SessionRegistry:
    """{session id: {page prefix: (run, config, target)}}, with when each session was last seen
    (by ``clock``, seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.runs: dict[str, dict[str, tuple]] = {}
        self.last_seen: dict[str, float] = {}
        self.paused_while_away: dict[str, list] = {}  # session id -> runs to resume on reconnect
        self.released: dict[str, float] = {}  # session id -> when its runs were stopped
        self._reaper: threading.Thread | None = None

    def of_session(self, session_id: str) -> dict[str, tuple]:
        """The session's runs, for a script run of that session: proof that it is connected, so
        the runs paused while it was away resume before the page draws them."""
        with self.lock:
            self.last_seen[session_id] = self.clock()
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap_forever, name="session-runs-reaper", daemon=True)
                self._reaper.start()
            runs = self.runs.setdefault(session_id, {})
        self._resume(session_id)
        return runs

    def _resume(self, session_id: str) -> None:
        """Train again the runs paused while the session was away (it is back)."""
        with self.lock:
            to_resume = self.paused_while_away.pop(session_id, [])
        for run in to_resume:
            command(run.train)()

    def _reap_forever(self) -> None:
        while True:
            time.sleep(REAP_EVERY_S)
            try:
                if Runtime.exists():
                    self.reap(Runtime.instance().is_active_session)
            except Exception:  # noqa: BLE001 - the reaper must outlive any one run's failure
                logging.getLogger(__name__).exception("Reaping the session runs failed; trying again.")

    def reap(self, is_connected: Callable[[str], bool], now: float | None = None) -> None:
        """Pause the training runs of sessions that went away, resume those of sessions that came
        back, stop the runs of sessions away for longer than RUN_TTL_S, park runs paused for longer
        than PARK_AFTER_S (their state kept, their process ended)."""
        now = self.clock() if now is None else now
        with self.lock:
            sessions = list(self.runs.items())
            for session_id in [s for s, at in self.released.items() if now - at > RELEASED_KEPT_S]:
                del self.released[session_id]
        for session_id, runs in sessions:
            if is_connected(session_id):
                with self.lock:
                    self.last_seen[session_id] = now
                self._resume(session_id)
            elif now - self.last_seen.get(session_id, now) > RUN_TTL_S:
                self.release(session_id, now)
                continue
            elif session_id not in self.paused_while_away:
                with self.lock:
                    if self.runs.get(session_id) is not runs:
                        continue  # taken over by the browser's new session since the list was read
                    training = [run for run, *_ in runs.values() if run.is_alive and run.snapshot.state in LIVE_STATES]
                    self.paused_while_away[session_id] = training
                for run in training:
                    command(run.pause)()
            for run, *_ in runs.values():
                idle = run.started and not run.parked and run.snapshot.state not in LIVE_STATES
                if idle and now - run.last_command_at > PARK_AFTER_S:
                    run.park()

    def take_over(self, previous_id: str, session_id: str) -> float | None:
        """A browser that reconnected after Streamlit dropped its session (``previous_id``) and got
        a new one: hand the old session's runs, if kept (away for at most RUN_TTL_S), to the new
        one (they resume), and return None; if they are released (now, if the reaper has not got
        to it yet), return when, and forget it (told once)."""
        now = self.clock()
        with self.lock:
            stale = previous_id in self.runs and now - self.last_seen.get(previous_id, now) > RUN_TTL_S
            if previous_id in self.runs and not stale:
                runs = self.runs.pop(previous_id)
                self.runs.setdefault(session_id, {}).update(runs)
                self.last_seen[session_id] = self.last_seen.pop(previous_id)
                self.paused_while_away[session_id] = self.paused_while_away.pop(previous_id, [])
                return None
        if stale:
            self.release(previous_id, now)
        return self.pop_released(previous_id)

    def pop_released(self, session_id: str) -> float | None:
        """When the session's runs were released, if they were; forgotten once asked (told once)."""
        with self.lock:
            return self.released.pop(session_id, None)

    def release(self, session_id: str, now: float | None = None) -> None:
        """Stop the session's runs and remember when, to tell the page if it comes back."""
        with self.lock:
            runs = self.runs.pop(session_id, {})
            self.last_seen.pop(session_id, None)
            self.paused_while_away.pop(session_id, None)
            self.released[session_id] = self.clock() if now is None else now
        for run, *_ in runs.values():
            run.stop()


REGISTRY = SessionRegistry()


def command(action: Callable[[], None]) -> Callable[[], None]:
    """A button callback that turns a dead trainer into a message on the page, not a traceback
    (the next run of the page then starts a fresh trainer)."""

    def run_action() -> None:
        try:
            action()
        except TrainerGone:
            pass  # session_run notices and says so

    return run_action
