"""A LiveRun in its own process, so training never competes with the web server for the GIL.

In one process, every redraw of a live page (Streamlit script runs, image encoding, websocket
traffic) holds Python's GIL and stalls the trainer thread between its many small tensor ops;
on two cores that cost about a quarter of the training speed. Here the same
:class:`engine.live.run.LiveRun` runs in a child process forked from a pre-warmed fork server (torch
and the engine already imported, so a start takes well under a second). The parent keeps:

- a pump thread that receives the child's snapshots (the page reads the latest one);
- admission by the machine-wide :data:`engine.live.governor.GOVERNOR`: the child is told to train only once a slot
  is free; until then the snapshot says the run is waiting and where it stands in line.

Commands are remote calls over a pipe; :meth:`ProcessLiveRun.call` runs a method of the task in
the child (exports), given as the function itself and sent by name. The child exits when told
to, or when its parent dies. The parent's side, :class:`RemoteLiveRun`, knows nothing of pipes:
:class:`ProcessLiveRun` is its transport here, and engine/live/ray_backend.py's actor another.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import operator
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from engine.live import task as live
from engine.live.governor import GOVERNOR, Governor, QueueFull
from engine.live.run import LiveRun

_START_LOCK = threading.Lock()
_CONTEXT = None
RPC_TIMEOUT_S = 60.0  # a command waits for at most one step; exports take well under a second
FORKSERVER_PRELOAD = ["torch", "engine.live.run"]  # the app adds its families' tasks: see preload()


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
    context = _context()
    if context.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    with _START_LOCK, _harmless_main():
        forkserver.ensure_running()
        if wait:
            probe = context.Process(target=_nothing, daemon=True, name="fork-server-probe")
            probe.start()
    if wait:
        probe.join()


def _nothing() -> None:
    """The fork server's first child, when warm_up waits for it: proof that its imports are done."""


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
    script on start-up (multiprocessing re-imports the parent's main module). An empty module
    (no file, no spec) stands in for it, so the child imports no main module at all.
    """
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


class RemoteLiveRun:
    """The interface of :class:`engine.live.run.LiveRun` for a run whose LiveRun lives in a worker
    elsewhere (a child process here, an actor on a cluster: engine/live/ray_backend.py), with
    admission by ``governor`` (default: the machine-wide :data:`GOVERNOR`) in this process.

    A subclass provides the transport: ``_exchange`` (a command and its reply), ``_next_snapshot``
    (the worker's newer snapshots), ``_worker_alive`` and ``_close_worker``; each failure of the
    transport (EOFError or OSError) makes the run gone (:class:`TrainerGone`).
    """

    def __init__(self, first: live.Snapshot, governor: Governor | None = None, max_steps: int = 20_000):
        self.governor = governor or GOVERNOR
        self.max_steps = max_steps
        self._rpc_lock = threading.RLock()  # one remote call, or one start/stop sequence, at a time
        self._state_lock = threading.Lock()  # the fields below and the snapshot
        self._want_running = False
        self._has_slot = False
        self._closed = False  # stopped on purpose
        self._gone = False  # died or stopped answering
        self._notice = ""  # why the run is not training although asked to (the machine is full)
        self.run_id = live.next_run_id()  # unique in this server; the worker's own id is not
        self._child_snapshot: live.Snapshot = dataclasses.replace(first, run_id=self.run_id)
        self._pump = threading.Thread(target=self._pump_loop, name=f"LiveRun-pump-{self.run_id}", daemon=True)
        self._pump.start()

    # ----- transport (subclasses) -----

    def _exchange(self, name: str, args: tuple) -> tuple[bool, Any, live.Snapshot]:
        """Send one command, return (ok, value or exception, snapshot after it)."""
        raise NotImplementedError

    def _next_snapshot(self, timeout_s: float) -> live.Snapshot | None:
        """A newer snapshot from the worker within ``timeout_s``, else None."""
        raise NotImplementedError

    def _worker_alive(self) -> bool:
        raise NotImplementedError

    def _close_worker(self, timeout: float) -> None:
        """End the worker (it has been told to stop): wait, then force it."""
        raise NotImplementedError

    # ----- commands -----

    def train(self, first_step_timeout_s: float = 0.3) -> None:
        """Start or resume; returns once the first new steps are visible (or after the timeout),
        so the page redrawn right after the click already shows training."""
        if self._child_snapshot.state in (live.FINISHED, live.STOPPED):
            return
        with self._state_lock:
            self._want_running = True
            self._notice = ""
        step_before = self._child_snapshot.step
        self._try_start()
        deadline = time.monotonic() + first_step_timeout_s
        while self._has_slot and self._child_snapshot.step == step_before and time.monotonic() < deadline:
            time.sleep(0.01)

    def pause(self) -> None:
        self._stop_training_then("pause")

    def step(self, n: int = 1, part: str | None = None) -> None:
        self._stop_training_then("step", n, part)  # the child's step() pauses its own thread first

    def reset(self) -> None:
        self._stop_training_then("reset")

    def apply_live_settings(self, config) -> None:
        """Apply the live knobs of ``config`` to the task in the child (see TrainingTask)."""
        self._call_run("apply_live_settings", config)

    def export_state(self) -> dict:
        """The run's whole state (see :meth:`engine.live.run.LiveRun.export_state`); pauses it."""
        return self._stop_training_then("export_state")

    def call(self, method: Callable, *args) -> Any:
        """Call a method of the task in the child, between two training steps: ``method`` is the
        function itself, taken from the task's class (``run.call(FlowTrainingTask.model_zip)``),
        so a misspelt name fails where the page is imported, not at a click. It is sent by name."""
        if not callable(method) or "." not in getattr(method, "__qualname__", ""):
            raise TypeError(f"run.call takes a method of the task's class, e.g. Task.model_zip; got {method!r}.")
        return self._call_run("call_task", method.__name__, args)

    def stop(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        with self._state_lock:
            self._want_running = False
        try:
            self._call_run("stop")
        except TrainerGone:
            pass
        self._closed = True
        self._release_slot()
        self.governor.forget(self.run_id)
        self._close_worker(timeout)
        self._pump.join(timeout)

    @property
    def snapshot(self) -> live.Snapshot:
        snapshot = self._child_snapshot
        if self._gone:
            return dataclasses.replace(snapshot, state=live.STOPPED, message=TrainerGone.MESSAGE)
        if self._closed:
            return dataclasses.replace(snapshot, state=live.STOPPED)
        if self._want_running and self._has_slot and snapshot.state in (live.IDLE, live.PAUSED):
            return dataclasses.replace(snapshot, state=live.RUNNING)  # the child is starting
        if self._want_running and not self._has_slot:
            return dataclasses.replace(snapshot, state=live.WAITING, message=self.governor.waiting_message(self.run_id))
        if self._notice and snapshot.state in (live.IDLE, live.PAUSED):
            return dataclasses.replace(snapshot, message=self._notice)
        return snapshot

    @property
    def is_alive(self) -> bool:
        if not self._gone and not self._closed and not self._worker_alive():
            self._mark_gone()  # at once, not at the pump's next turn: the snapshot agrees
        return not self._gone and not self._closed

    # ----- internals -----

    def _call_run(self, name: str, *args) -> Any:
        """A remote call: one at a time; a child that died or hangs raises TrainerGone."""
        if self._closed or self._gone:
            raise TrainerGone()
        with self._rpc_lock:
            try:
                ok, value, snapshot = self._exchange(name, args)
            except (EOFError, OSError) as error:
                self._mark_gone()
                raise TrainerGone() from error
        self._accept(snapshot)
        if not ok:
            raise value
        return value

    def _stop_training_then(self, name: str, *args) -> Any:
        with self._rpc_lock:  # no train command can slip in between
            with self._state_lock:
                self._want_running = False
            try:
                return self._call_run(name, *args)
            finally:
                self._release_slot()

    def _accept(self, snapshot: live.Snapshot) -> bool:
        """Keep the newest snapshot (replies and the pump can deliver them out of order); one sent
        without visuals keeps the current ones. Returns whether it was kept."""
        with self._state_lock:
            current = self._child_snapshot
            if snapshot.sequence < current.sequence:
                return False
            if snapshot.visuals is None:
                snapshot = dataclasses.replace(snapshot, visuals=current.visuals, visuals_step=current.visuals_step)
            self._child_snapshot = dataclasses.replace(snapshot, run_id=self.run_id)
            return True

    def _try_start(self) -> None:
        with self._rpc_lock:
            with self._state_lock:
                if not self._want_running or self._has_slot or self._closed or self._gone:
                    return
                try:
                    if not self.governor.try_acquire(self.run_id):
                        return
                except QueueFull as full:
                    self._want_running, self._notice = False, str(full)
                    return
                self._has_slot = True
            try:
                self._call_run("train")
            except TrainerGone:
                self._release_slot()

    def _yield_slot(self) -> None:
        """The slice is used up and another run waits: pause the child (its state is kept) and join
        the back of the line; the pump resumes it when its turn comes."""
        with self._rpc_lock:
            if not (self._has_slot and self._want_running and self.governor.should_yield(self.run_id)):
                return
            try:
                self._call_run("pause")
            except TrainerGone:
                return
            with self._state_lock:
                self._has_slot = False
            self.governor.yield_slot(self.run_id)

    def _release_slot(self) -> None:
        with self._state_lock:
            self._has_slot = False
        self.governor.release(self.run_id)

    def _mark_gone(self) -> None:
        with self._state_lock:
            self._gone = True
            self._want_running = False
        self._release_slot()

    def _pump_loop(self) -> None:
        """Receive snapshots; keep asking for a slot while waiting; free it when the run stops."""
        while not self._closed and not self._gone:
            try:
                snapshot = self._next_snapshot(0.1)
            except (EOFError, OSError):
                if not self._closed:
                    self._mark_gone()
                break
            if snapshot is not None and self._accept(snapshot):
                if snapshot.state in (live.FINISHED, live.DIVERGED) and self._has_slot:
                    with self._state_lock:
                        self._want_running = False
                    self._release_slot()
            if self._has_slot and self._want_running and self.governor.should_yield(self.run_id):
                self._yield_slot()
            if self._want_running and not self._has_slot:
                self._try_start()
            if not self._worker_alive() and not self._closed:
                self._mark_gone()
        self._release_slot()


class ProcessLiveRun(RemoteLiveRun):
    """A :class:`RemoteLiveRun` in a child process forked from this server's fork server.

    ``task_factory`` must be picklable (e.g. ``functools.partial(FlowTrainingTask, config,
    target)``): it is sent to the child, which builds the task there.
    """

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        max_steps: int = 20_000,
        governor: Governor | None = None,
        start_timeout_s: float = 120.0,
        restore_state: dict | None = None,
    ):
        context = _context()
        self._commands, child_commands = context.Pipe()
        self._snapshots, child_snapshots = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main,
            args=(task_factory, max_steps, child_commands, child_snapshots, os.getpid(), restore_state),
            daemon=True,
            name="LiveRun-worker",
        )
        with _START_LOCK, _harmless_main():
            self._process.start()
        child_commands.close()
        child_snapshots.close()
        if not self._snapshots.poll(start_timeout_s):
            self._process.kill()
            raise RuntimeError("The training process did not start in time; try again.")
        first = self._snapshots.recv()
        if isinstance(first, BaseException):
            self._process.join(5)
            raise first
        super().__init__(first, governor, max_steps)

    def _exchange(self, name: str, args: tuple) -> tuple[bool, Any, live.Snapshot]:
        self._commands.send((name, args))
        if not self._commands.poll(RPC_TIMEOUT_S):
            self._process.kill()
            raise EOFError("no answer")
        return self._commands.recv()

    def _next_snapshot(self, timeout_s: float) -> live.Snapshot | None:
        return self._snapshots.recv() if self._snapshots.poll(timeout_s) else None

    def _worker_alive(self) -> bool:
        return self._process.is_alive()

    def _close_worker(self, timeout: float) -> None:
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        self._commands.close()


class TrainerGone(RuntimeError):
    """The child process died or stopped answering."""

    MESSAGE = "The training process for this run stopped unexpectedly; the page starts a fresh run."

    def __init__(self):
        super().__init__(self.MESSAGE)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def handle_command(run: LiveRun, name: str, args: tuple) -> tuple[bool, Any]:
    """Carry out a command from a :class:`RemoteLiveRun` on the worker's LiveRun: (True, value),
    or (False, the exception), which the caller raises."""
    try:
        if name == "call_task":
            method, method_args = args
            return True, run.apply(operator.methodcaller(method, *method_args))
        return True, getattr(run, name)(*args)
    except Exception as error:  # noqa: BLE001 - sent back and raised by the caller
        return False, error


def _child_main(task_factory, max_steps, commands, snapshots, parent_pid, restore_state=None) -> None:
    """The worker: a thread-based LiveRun driven by commands; snapshots pushed as they change."""
    published = threading.Event()
    try:
        run = LiveRun(task_factory, max_steps=max_steps, on_publish=published.set)
        if restore_state is not None:
            run.restore(restore_state)
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
        snapshots.send(error)
        return
    snapshots.send(run.snapshot)
    stop = threading.Event()

    def push() -> None:
        """Send each new snapshot; visuals only when they changed (the parent keeps the last)."""
        last, last_visuals = run.snapshot, run.snapshot.visuals
        while not stop.is_set():
            if not _process_exists(parent_pid):  # the server died: do not linger
                os._exit(0)
            published.wait(1.0)
            published.clear()
            current = run.snapshot
            if current is last:
                continue
            light = current if current.visuals is not last_visuals else dataclasses.replace(current, visuals=None)
            try:
                snapshots.send(light)
            except (BrokenPipeError, OSError):
                os._exit(0)
            last, last_visuals = current, current.visuals

    pusher = threading.Thread(target=push, name="snapshot-pusher", daemon=True)
    pusher.start()
    while True:
        try:
            name, args = commands.recv()
        except (EOFError, OSError):
            name, args = "stop", ()
        reply = handle_command(run, name, args)
        if name == "stop":
            stop.set()
            published.set()  # wake the pusher so that it sees the stop at once
            pusher.join(1)
        try:
            commands.send((*reply, run.snapshot))
        except (BrokenPipeError, OSError):
            pass
        if name == "stop":
            return
