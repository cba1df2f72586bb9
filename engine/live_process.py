"""A LiveRun in its own process, so training never competes with the web server for the GIL.

In one process, every redraw of a live page (Streamlit script runs, image encoding, websocket
traffic) holds Python's GIL and stalls the trainer thread between its many small tensor ops;
on two cores that cost about a quarter of the training speed. Here the same
:class:`engine.live.LiveRun` runs in a child process forked from a pre-warmed fork server (torch
and the engine already imported, so a start takes well under a second). The parent keeps:

- a pump thread that receives the child's snapshots (the page reads the latest one);
- the machine-wide :class:`engine.live.Governor`: the child is told to train only once a slot
  is free; until then the snapshot says the run is waiting and where it stands in line.

Commands are remote calls over a pipe; :meth:`ProcessLiveRun.call` runs a named method of the
task in the child (exports, live knobs). The child exits when told to, or when its parent dies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import operator
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from engine import live

_START_LOCK = threading.Lock()
_parent_run_ids = itertools.count(1)
_CONTEXT = None
FORKSERVER_PRELOAD = ["torch", "engine.live", "engine.flow_training", "engine.trainer_warmup"]


def _context():
    """The fork-server context, started once per server process with the engine preloaded."""
    global _CONTEXT
    with _START_LOCK:
        if _CONTEXT is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            _CONTEXT = multiprocessing.get_context(method)
            if method == "forkserver":
                _CONTEXT.set_forkserver_preload(FORKSERVER_PRELOAD)
        return _CONTEXT


@contextlib.contextmanager
def _harmless_main():
    """Hide the running Streamlit script from multiprocessing while a child starts.

    Streamlit runs each page as ``__main__``; a child started meanwhile would re-run that
    script on start-up (multiprocessing re-imports the parent's main module). This module
    stands in for it: importing it has no side effects.
    """
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = sys.modules[__name__]
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


class ProcessLiveRun:
    """The interface of :class:`engine.live.LiveRun`, with the run in a child process.

    ``task_factory`` must be picklable (e.g. ``functools.partial(FlowTrainingTask, config,
    target)``): it is sent to the child, which builds the task there.
    """

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        max_steps: int = 20_000,
        governor: live.Governor | None = None,
        start_timeout_s: float = 120.0,
    ):
        self.governor = governor or live.GOVERNOR
        self.max_steps = max_steps
        context = _context()
        self._commands, child_commands = context.Pipe()
        self._snapshots, child_snapshots = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main,
            args=(task_factory, max_steps, child_commands, child_snapshots, os.getpid()),
            daemon=True,
            name="LiveRun-worker",
        )
        with _START_LOCK, _harmless_main():
            self._process.start()
        child_commands.close()
        child_snapshots.close()
        self._rpc_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._want_running = False
        self._has_slot = False
        self._closed = False
        if not self._snapshots.poll(start_timeout_s):
            self._process.kill()
            raise RuntimeError("The training process did not start in time; try again.")
        first = self._snapshots.recv()
        if isinstance(first, BaseException):
            self._process.join(5)
            raise first
        self.run_id = next(_parent_run_ids)  # unique in this server; the child's own id is not
        self._child_snapshot: live.Snapshot = dataclasses.replace(first, run_id=self.run_id)
        self._pump = threading.Thread(target=self._pump_loop, name=f"LiveRun-pump-{self.run_id}", daemon=True)
        self._pump.start()

    # ----- commands -----

    def train(self, first_step_timeout_s: float = 0.3) -> None:
        """Start or resume; returns once the first new steps are visible (or after the timeout),
        so the page redrawn right after the click already shows training."""
        if self._child_snapshot.state in (live.FINISHED, live.STOPPED):
            return
        with self._state_lock:
            self._want_running = True
        step_before = self._child_snapshot.step
        self._try_start()
        deadline = time.monotonic() + first_step_timeout_s
        while self._has_slot and self._child_snapshot.step == step_before and time.monotonic() < deadline:
            time.sleep(0.01)

    def pause(self) -> None:
        with self._state_lock:
            self._want_running = False
        self._call_run("pause")
        self._release_slot()

    def step(self, n: int = 1) -> None:
        self.pause()
        self._call_run("step", n)

    def reset(self) -> None:
        self.pause()
        self._call_run("reset")

    def call(self, method: str, *args) -> Any:
        """Call ``task.method(*args)`` in the child, between two training steps."""
        return self._call_run("call_task", method, args)

    def stop(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        with self._state_lock:
            self._want_running = False
        try:
            self._call_run("stop")
        except (OSError, EOFError, RuntimeError):
            pass
        self._closed = True
        self._release_slot()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        self._commands.close()
        self._pump.join(timeout)

    @property
    def snapshot(self) -> live.Snapshot:
        snapshot = self._child_snapshot
        if self._closed:
            return dataclasses.replace(snapshot, state=live.STOPPED)
        if self._want_running and self._has_slot and snapshot.state in (live.IDLE, live.PAUSED):
            return dataclasses.replace(snapshot, state=live.RUNNING)  # the child is starting
        if self._want_running and not self._has_slot:
            position = self.governor.queue_position(self.run_id)
            return dataclasses.replace(
                snapshot,
                state=live.WAITING,
                message=(
                    f"Waiting for a free trainer: {self.governor.max_active} run at once on this "
                    f"machine and you are number {max(position, 1)} in line."
                ),
            )
        return snapshot

    @property
    def is_alive(self) -> bool:
        return self._process.is_alive()

    # ----- internals -----

    def _call_run(self, name: str, *args) -> Any:
        if self._closed:
            raise RuntimeError("This run has been stopped; reload the page to start a new one.")
        with self._rpc_lock:
            self._commands.send((name, args))
            ok, value, snapshot = self._commands.recv()
        self._accept(snapshot)
        if not ok:
            raise value
        return value

    def _accept(self, snapshot: live.Snapshot) -> None:
        """Keep the newest snapshot (replies and the pump can deliver them out of order)."""
        with self._state_lock:
            if snapshot.created_at >= self._child_snapshot.created_at:
                self._child_snapshot = dataclasses.replace(snapshot, run_id=self.run_id)

    def _try_start(self) -> None:
        with self._state_lock:
            if not self._want_running or self._has_slot or self._closed:
                return
            if not self.governor.try_acquire(self.run_id):
                return
            self._has_slot = True
        self._call_run("train")

    def _release_slot(self) -> None:
        with self._state_lock:
            self._has_slot = False
        self.governor.release(self.run_id)

    def _pump_loop(self) -> None:
        """Receive snapshots; keep asking for a slot while waiting; free it when the run stops."""
        while not self._closed:
            try:
                ready = self._snapshots.poll(0.1)
                snapshot = self._snapshots.recv() if ready else None
            except (EOFError, OSError):
                break
            if snapshot is not None and not isinstance(snapshot, BaseException):
                self._accept(snapshot)
                if snapshot.state in (live.FINISHED, live.DIVERGED) and self._has_slot:
                    with self._state_lock:
                        self._want_running = False
                    self._release_slot()
            if self._want_running and not self._has_slot:
                try:
                    self._try_start()
                except (OSError, EOFError, RuntimeError):
                    break
        self._release_slot()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _child_main(task_factory, max_steps, commands, snapshots, parent_pid) -> None:
    """The worker: a thread-based LiveRun driven by commands; snapshots pushed as they change."""
    published = threading.Event()
    try:
        run = live.LiveRun(
            task_factory, max_steps=max_steps, governor=live.Governor(max_active=1), on_publish=published.set
        )
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
        snapshots.send(error)
        return
    snapshots.send(run.snapshot)
    stop = threading.Event()

    def push() -> None:
        last = run.snapshot
        while not stop.is_set():
            if not _process_exists(parent_pid):  # the server died: do not linger
                os._exit(0)
            published.wait(1.0)
            published.clear()
            current = run.snapshot
            if current is not last:
                try:
                    snapshots.send(current)
                except (BrokenPipeError, OSError):
                    os._exit(0)
                last = current

    pusher = threading.Thread(target=push, name="snapshot-pusher", daemon=True)
    pusher.start()
    while True:
        try:
            name, args = commands.recv()
        except (EOFError, OSError):
            name, args = "stop", ()
        try:
            if name == "call_task":
                method, method_args = args
                value = run.apply(operator.methodcaller(method, *method_args))
            else:
                value = getattr(run, name)(*args)
            reply = (True, value)
        except Exception as error:  # noqa: BLE001 - sent back and raised in the parent
            reply = (False, error)
        if name == "stop":
            stop.set()
            pusher.join(1)
        try:
            commands.send((*reply, run.snapshot))
        except (BrokenPipeError, OSError):
            pass
        if name == "stop":
            return
