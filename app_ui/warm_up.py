"""A warm start: what the trainers import before their first run (:data:`TRAINER_PRELOAD`), the
server's warm-up, and the step-0 snapshots shared by every visitor of the same link.

Importing this module hands :data:`TRAINER_PRELOAD` to the trainers' fork server
(:func:`engine.live.fork_server.preload`), which imports it once, so that a trainer starts warm
(torch's first-call costs and the families' imports paid there, not at each Train); the Ray
backend's warm actors import the same list.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from collections.abc import Callable

import streamlit as st

from engine import families, targets
from engine.live import Snapshot, TrainingTask, first_snapshot, fork_server

TRAINER_PRELOAD = families.trainer_preload()
fork_server.preload(*TRAINER_PRELOAD)

_WARM_UP: list[threading.Thread] = []
_WARM_UP_LOCK = threading.Lock()


def warm_up_in_background(wait_for_trainers: bool = False) -> threading.Thread:
    """Once per server (at start under ``streamlit run serve.py``, else on the first page view),
    in a thread: start the trainers' fork server (with ``wait_for_trainers``, the thread ends only
    once it is ready), import what every page imports and pay torch's first-call costs."""

    def warm() -> None:
        try:
            fork_server.warm_up()  # the fork server imports in its own process meanwhile
        except RuntimeError as error:  # multiprocessing refused (seen once under load): the first Train starts it
            logging.getLogger(__name__).warning("The trainers' fork server did not start early (%s).", error)
        import app_ui

        for module in pkgutil.iter_modules(app_ui.__path__):  # the panels import their families
            importlib.import_module(f"app_ui.{module.name}")
        importlib.import_module("engine.flows.warmup")  # importing it builds and steps one flow
        if wait_for_trainers:
            fork_server.warm_up(wait=True)

    with _WARM_UP_LOCK:
        if not _WARM_UP:
            _WARM_UP.append(threading.Thread(target=warm, name="warm-up", daemon=True))
            _WARM_UP[0].start()
        return _WARM_UP[0]


@st.cache_resource(max_entries=256, show_spinner=False)
def _shared_first_snapshot(key: tuple, _task_factory, max_steps: int) -> Snapshot:
    """The step-0 snapshot of a config on a built-in target, made once for every session."""
    return first_snapshot(_task_factory, max_steps)


def page_first_snapshot(prefix: str, config, target, task_factory: Callable[[], TrainingTask]) -> Snapshot:
    """What a page's run shows before Train: shared by every visitor when the data is built in."""
    if target is None or target.key in targets.REGISTRY:  # built-in data: the same for every visitor
        return _shared_first_snapshot((prefix, config, getattr(target, "key", None)), task_factory, config.max_steps)
    return first_snapshot(task_factory, config.max_steps)  # the user's own points
