"""The session-to-process lifecycle: each browser session's live runs, in a registry with a TTL.

How a run is born, lives and ends:

1. A live page builds its validated config and calls :func:`session_run` with a picklable task
   factory. It gets an :class:`engine.live.OnDemandRun`: until Train or Step it shows the step-0
   snapshot, computed once per config and shared by every session that opens the same link, and
   holds no process. The first Train or Step starts a :class:`engine.live.ProcessLiveRun`: a
   child forked from the fork server (warmed when the app is first imported, with the modules of
   :data:`TRAINER_PRELOAD`), which builds the task and publishes snapshots.
2. Later reruns get the same run back while only live knobs change (``apply_live_settings``); a
   change of architecture, seed or data stops it and makes a new one. A run whose process died
   is replaced, with a warning on the page.
3. The runs live in a registry keyed by Streamlit's session id, outside Streamlit's caches, so
   that a dropped connection does not lose them: Streamlit keeps a disconnected session for
   ``server.disconnectedSessionTTL`` seconds and a reconnecting browser gets the same session id
   back. A reaper thread looks at the registry every :data:`REAP_EVERY_S`: a session whose
   websocket is gone has its training runs paused (they resume when it reconnects); one gone
   for longer than :data:`RUN_TTL_S` has its runs stopped (the child's thread ends, its process
   exits and is joined, killed if it hangs, and its admission slot goes back to the governor),
   and a page that comes back later says so. A closed tab is a session that never comes back.
   If the web server itself dies, each child notices that its parent is gone and exits.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from engine import targets
from engine.live import LIVE_STATES, OnDemandRun, Snapshot, TrainerGone, TrainingTask, first_snapshot
from engine.live import process as trainer_process

# Imported once by the fork server, so that a trainer starts warm (torch's first-call costs and
# the families' imports paid there, not at each Train).
TRAINER_PRELOAD = (
    "engine.flows.task",
    "engine.gans.task",
    "engine.vae.task",
    "engine.arena.race",
    "engine.image_gans.task",
    "engine.flows.warmup",
)
trainer_process.preload(*TRAINER_PRELOAD)
RUN_TTL_S = float(os.environ.get("GP_RUN_TTL_S", st.get_option("server.disconnectedSessionTTL")))
PARK_AFTER_S = float(os.environ.get("GP_PARK_AFTER_S", 60))  # a run paused this long gives its process back
REAP_EVERY_S = 2.0
RELEASED_KEPT_S = 3600.0  # how long a released session is remembered, to tell it when it comes back
RELEASED_NOTICE_S = 60.0  # how long the page then says so


class _Registry:
    """{session id: {page prefix: (run, config, target)}}, with when each session was last seen."""

    def __init__(self):
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
            self.last_seen[session_id] = time.monotonic()
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
        now = time.monotonic() if now is None else now
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
        now = time.monotonic()
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
        return self.released.pop(previous_id, None)

    def release(self, session_id: str, now: float) -> None:
        """Stop the session's runs and remember when, to tell the page if it comes back."""
        with self.lock:
            runs = self.runs.pop(session_id, {})
            self.last_seen.pop(session_id, None)
            self.paused_while_away.pop(session_id, None)
            self.released[session_id] = now
        for run, *_ in runs.values():
            run.stop()


REGISTRY = _Registry()


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


def _session_runs() -> dict[str, tuple]:
    """This browser session's live runs by page prefix. A browser back after Streamlit released its
    session gets its runs back if they are still kept, and is told once if they were released."""
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else "no-session"
    released_at = REGISTRY.released.pop(session_id, None)
    if ctx is not None and not st.session_state.get("_gp_previous_session_checked"):
        st.session_state["_gp_previous_session_checked"] = True
        if (previous := previous_session_id(session_id)) is not None:
            released_at = REGISTRY.take_over(previous, session_id) or released_at
    if released_at is not None:  # shown for a while, not one run only: a page often reruns at once after a reconnect
        st.session_state["_gp_released_notice"] = (released_at, time.monotonic() + RELEASED_NOTICE_S)
    if notice := st.session_state.get("_gp_released_notice"):
        released_at, shown_until = notice
        if time.monotonic() < shown_until:
            st.info(
                f"Your runs were released after you had been away for more than {RUN_TTL_S:.0f} s; this is a fresh "
                f"start with the same settings ({time.monotonic() - released_at:.0f} s ago).",
                icon="💤",
            )
        else:
            del st.session_state["_gp_released_notice"]
    return REGISTRY.of_session(session_id)


@st.cache_resource(max_entries=256, show_spinner=False)
def _shared_first_snapshot(key: tuple, _task_factory, max_steps: int) -> Snapshot:
    """The step-0 snapshot of a config on a built-in target, made once for every session."""
    return first_snapshot(_task_factory, max_steps)


def _first_snapshot(prefix: str, config, target, task_factory) -> Snapshot:
    if target is None or target.key in targets.REGISTRY:  # built-in data: the same for every visitor
        return _shared_first_snapshot((prefix, config, getattr(target, "key", None)), task_factory, config.max_steps)
    return first_snapshot(task_factory, config.max_steps)  # the user's own points


_WARM_UP: list[threading.Thread] = []
_WARM_UP_LOCK = threading.Lock()


def warm_up_in_background(wait_for_trainers: bool = False) -> threading.Thread:
    """Once per server (at start under ``streamlit run serve.py``, else on the first page view),
    in a thread: start the trainers' fork server (with ``wait_for_trainers``, the thread ends only
    once it is ready), import what every page imports and pay torch's first-call costs."""

    def warm() -> None:
        try:
            trainer_process.warm_up()  # the fork server imports in its own process meanwhile
        except RuntimeError as error:  # multiprocessing refused (seen once under load): the first Train starts it
            logging.getLogger(__name__).warning("The trainers' fork server did not start early (%s).", error)
        import app_ui

        for module in pkgutil.iter_modules(app_ui.__path__):  # the panels import their families
            importlib.import_module(f"app_ui.{module.name}")
        importlib.import_module("engine.flows.warmup")  # importing it builds and steps one flow
        if wait_for_trainers:
            trainer_process.warm_up(wait=True)

    with _WARM_UP_LOCK:
        if not _WARM_UP:
            _WARM_UP.append(threading.Thread(target=warm, name="warm-up", daemon=True))
            _WARM_UP[0].start()
        return _WARM_UP[0]


def existing_run(prefix: str) -> tuple[OnDemandRun, Any] | None:
    """This session's live run of another page, with its target, if it has started and is alive
    (else None)."""
    run, _, target = _session_runs().get(prefix, (None, None, None))
    return (run, target) if run is not None and run.started and run.is_alive else None


def session_run(prefix: str, config, target, task_factory: Callable[[], TrainingTask]) -> OnDemandRun:
    """The session's run for this page: kept while only live knobs change, rebuilt otherwise (and,
    with a warning, when its process died). ``task_factory`` must be picklable (a functools.partial)."""
    runs = _session_runs()
    if prefix in runs:
        run, old_config, old_target = runs[prefix]
        if not run.is_alive:
            st.warning(TrainerGone.MESSAGE, icon="⚠️")
        elif run.started and old_target is target and not config.rebuild_needed(old_config):
            try:
                if config != old_config:
                    run.apply_live_settings(config)
                    runs[prefix] = (run, config, target)
                return run
            except TrainerGone:
                st.warning(TrainerGone.MESSAGE, icon="⚠️")
        elif not run.started and old_target is target and config == old_config:
            return run
        run.stop()
        del runs[prefix]
    run = OnDemandRun(task_factory, _first_snapshot(prefix, config, target, task_factory), max_steps=config.max_steps)
    runs[prefix] = (run, config, target)
    return run


def pause_if_training(prefix: str) -> None:
    """Pause this session's run of ``prefix`` if it trains: for a view that hides it (a trainer
    nobody watches would hold a slot of the machine)."""
    run, *_ = _session_runs().get(prefix, (None,))
    if run is not None and run.is_alive and run.snapshot.state in LIVE_STATES:
        command(run.pause)()


def command(action: Callable[[], None]) -> Callable[[], None]:
    """A button callback that turns a dead trainer into a message on the page, not a traceback
    (the next run of the page then starts a fresh trainer)."""

    def run_action() -> None:
        try:
            action()
        except TrainerGone:
            pass  # session_run notices and says so

    return run_action
