"""The session-to-process lifecycle: each browser session's live runs, one trainer process each.

How a run is born, lives and ends:

1. A live page builds its validated config and calls :func:`session_run` with a picklable task
   factory. The first call starts a :class:`engine.live.process.ProcessLiveRun`: a child process
   forked from the fork server (started once per web server, with the modules of
   :data:`TRAINER_PRELOAD` imported), which builds the task and publishes snapshots.
2. Later reruns get the same run back while only live knobs change (``apply_live_settings``); a
   change of architecture, seed or data stops it and starts a new one. A run whose process died
   is replaced, with a warning on the page.
3. The runs live in a ``st.cache_resource(scope="session")`` dict: one per browser session.
   When the tab closes, its websocket disconnects and Streamlit closes the session; releasing
   the session's cached resources calls ``on_release``, which calls :meth:`ProcessLiveRun.stop`
   on each run: the child is told to stop (its thread ends, the process exits and is joined,
   killed if it hangs) and the run's admission slot goes back to the governor. If the web server
   itself dies, each child notices that its parent is gone and exits by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.live import LIVE_STATES, TrainingTask
from engine.live import process as trainer_process
from engine.live.process import ProcessLiveRun, TrainerGone

# Imported once by the fork server, so that a trainer starts warm (torch's first-call costs and
# the families' imports paid there, not at each Train).
TRAINER_PRELOAD = ("engine.flows.task", "engine.gans.task", "engine.vae.task", "engine.flows.warmup")
trainer_process.preload(*TRAINER_PRELOAD)


@st.cache_resource(scope="session", show_spinner=False, on_release=lambda runs: [r.stop() for r, *_ in runs.values()])
def _session_runs() -> dict[str, tuple]:
    """This browser session's live runs by page: {prefix: (run, config, target)}."""
    return {}


def existing_run(prefix: str) -> tuple[ProcessLiveRun, Any] | None:
    """This session's live run of another page, with its target, if it is alive (else None)."""
    run, _, target = _session_runs().get(prefix, (None, None, None))
    return (run, target) if run is not None and run.is_alive else None


def session_run(prefix: str, config, target, task_factory: Callable[[], TrainingTask]) -> ProcessLiveRun:
    """The session's run for this page (in its own process): kept while only live knobs change,
    rebuilt otherwise (and, with a warning, when its process died). ``task_factory`` must be
    picklable (a functools.partial)."""
    runs = _session_runs()
    if prefix in runs:
        run, old_config, old_target = runs[prefix]
        if not run.is_alive:
            st.warning(TrainerGone.MESSAGE, icon="⚠️")
        elif old_target is target and not config.rebuild_needed(old_config):
            try:
                if config != old_config:
                    run.apply_live_settings(config)
                    runs[prefix] = (run, config, target)
                return run
            except TrainerGone:
                st.warning(TrainerGone.MESSAGE, icon="⚠️")
        run.stop()
        del runs[prefix]
    with st.spinner("Building the model…"):
        run = ProcessLiveRun(task_factory, max_steps=config.max_steps)
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
