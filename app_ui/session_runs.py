"""The session-to-process lifecycle: what a live page calls to get its run (:func:`session_run`).

How a run is born, lives and ends:

1. A live page builds its validated config and calls :func:`session_run` with a picklable task
   factory. It gets an :class:`engine.live.OnDemandRun`: until Train or Step it shows the step-0
   snapshot, computed once per config and shared by every session that opens the same link, and
   holds no process (:mod:`app_ui.warm_up`). The first Train or Step starts a
   :class:`engine.live.ProcessLiveRun`: a child forked from the fork server (warmed when the app
   is first imported, with the modules of :data:`app_ui.warm_up.TRAINER_PRELOAD`), which builds
   the task and publishes snapshots.
2. Later reruns get the same run back while only live knobs change (``apply_live_settings``); a
   change of architecture, seed or data stops it and makes a new one. A run whose process died
   is replaced, with a warning on the page.
3. The runs live in a registry keyed by Streamlit's session id, outside Streamlit's caches
   (:mod:`app_ui.session_registry`), so that a dropped connection does not lose them; its reaper
   pauses the runs of a session that went away, and stops them once it has been gone for longer
   than :data:`app_ui.session_registry.RUN_TTL_S`. A browser back with a new session takes its runs over, or its page
   says that they were released (:mod:`app_ui.reconnect`). A closed tab is a session that never
   comes back. If the web server itself dies, each child notices that its parent is gone and exits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app_ui.reconnect import this_sessions_runs
from app_ui.session_registry import command
from app_ui.warm_up import page_first_snapshot
from engine.live import LIVE_STATES, OnDemandRun, TrainerGone, TrainingTask


def existing_run(prefix: str) -> tuple[OnDemandRun, Any] | None:
    """This session's live run of another page, with its target, if it has started and is alive
    (else None)."""
    run, _, target = this_sessions_runs().get(prefix, (None, None, None))
    return (run, target) if run is not None and run.started and run.is_alive else None


def session_run(prefix: str, config, target, task_factory: Callable[[], TrainingTask]) -> OnDemandRun:
    """The session's run for this page: kept while only live knobs change, rebuilt otherwise (and,
    with a warning, when its process died). ``task_factory`` must be picklable (a functools.partial)."""
    runs = this_sessions_runs()
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
    first = page_first_snapshot(prefix, config, target, task_factory)
    run = OnDemandRun(task_factory, first, max_steps=config.max_steps)
    runs[prefix] = (run, config, target)
    return run


def pause_if_training(prefix: str) -> None:
    """Pause this session's run of ``prefix`` if it trains: for a view that hides it (a trainer
    nobody watches would hold a slot of the machine)."""
    run, *_ = this_sessions_runs().get(prefix, (None,))
    if run is not None and run.is_alive and run.snapshot.state in LIVE_STATES:
        command(run.pause)()
