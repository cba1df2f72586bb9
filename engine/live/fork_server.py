"""The trainers' fork server: a process started once per web server that imports torch and the
families' tasks (:data:`FORKSERVER_PRELOAD`), from which every trainer process is forked, so that
a start takes well under a second instead of several seconds of imports.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
import types
from collections.abc import Iterator

_START_LOCK = threading.Lock()
_CONTEXT = None
# trainer_threads right after torch, before anything else; the app adds its families' tasks: see preload()
FORKSERVER_PRELOAD = ["torch", "engine.live.trainer_threads", "engine.live.process"]


def preload(*modules: str) -> None:
    """Have the fork server import ``modules`` once, before it forks the first trainer (call it
    before the first run starts; later calls are too late and ignored)."""
    with _START_LOCK:
        if _CONTEXT is None:
            FORKSERVER_PRELOAD.extend(m for m in modules if m not in FORKSERVER_PRELOAD)


def warm_up(wait: bool = False) -> None:
    """Start the fork server now (it imports torch and FORKSERVER_PRELOAD, several seconds), so
    that the first Train after the web server starts does not wait for it. With ``wait``, return
    only once it has finished importing (it has forked one child that does nothing)."""
    context = context_once()
    if context.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    with starting():
        forkserver.ensure_running()
        if wait:
            probe = context.Process(target=_nothing, daemon=True, name="fork-server-probe")
            probe.start()
    if wait:
        probe.join()


def _nothing() -> None:
    """The fork server's first child, when warm_up waits for it: proof that its imports are done."""


def context_once():
    """The fork-server context, started once per server process with the engine preloaded
    (``spawn`` where there is no fork server)."""
    global _CONTEXT
    with _START_LOCK:
        if _CONTEXT is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            _CONTEXT = multiprocessing.get_context(method)
            if method == "forkserver":
                _CONTEXT.set_forkserver_preload(FORKSERVER_PRELOAD)
        return _CONTEXT


@contextlib.contextmanager
def starting() -> Iterator[None]:
    """Around a child's ``start()``: one start at a time, with the running Streamlit script hidden
    from multiprocessing.

    Streamlit runs each page as ``__main__``; a child started meanwhile would re-run that
    script on start-up (multiprocessing re-imports the parent's main module). An empty module
    (no file, no spec) stands in for it, so the child imports no main module at all.
    """
    with _START_LOCK:
        saved = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = saved
