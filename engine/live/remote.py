"""A run whose worker lives elsewhere, seen from the web server: :class:`RemoteLiveRun`, the proxy
every backend's runs are, and :class:`TrainerGone`, what each of their failures becomes.

The proxy answers :class:`engine.live.backends.TrainerRun`'s commands by sending
:class:`engine.live.commands.Command` s to its worker (an :class:`engine.live.worker.Worker`),
keeps the newest snapshot the worker sends (a pump thread), and asks its
:class:`engine.live.admission.Admission` for a slot before the worker may train: until then the
snapshot says the run waits and where it stands in line; when its slice is used up while others
wait, the worker pauses (its state kept) and the run queues again. A subclass is the transport
(four methods); when it fails (EOFError, OSError: a dead process, a lost actor, a broken pipe, a
timeout) the run is gone: :class:`TrainerGone` from every command, a stopped snapshot saying why.

Over 250 lines because :class:`RemoteLiveRun` is one state machine: its commands, admission and
pump share five flags and two locks, and read best in one class.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from engine.live import task as live
from engine.live.admission import Admission, QueueFull
from engine.live.commands import Command
from engine.live.governor import GOVERNOR
from engine.live.worker import Reply, visuals_version

RPC_TIMEOUT_S = 60.0  # a command waits for at most one step; exports take well under a second


class TrainerGone(RuntimeError):
    """The run's worker died or stopped answering."""

    MESSAGE = "The training process for this run stopped unexpectedly; the page starts a fresh run."

    def __init__(self):
        super().__init__(self.MESSAGE)


class RemoteLiveRun(abc.ABC):
    """The interface of :class:`engine.live.run.LiveRun` for a run whose LiveRun lives in a worker
    elsewhere, admitted by ``governor`` (default: the machine-wide :data:`GOVERNOR`) in this
    process; ``first`` is the worker's first snapshot."""

    def __init__(self, first: live.Snapshot, governor: Admission | None = None, max_steps: int = 20_000):
        self.governor: Admission = governor or GOVERNOR
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

    # ----- the transport (subclasses); each raises EOFError or OSError when the worker is lost -----

    @abc.abstractmethod
    def _exchange(self, command: Command, args: tuple) -> Reply:
        """Send one command, return the reply of the worker's :meth:`engine.live.worker.Worker.handle`."""

    @abc.abstractmethod
    def _next_snapshot(self, after: int, known_visuals: int | None, timeout_s: float) -> live.Snapshot | None:
        """What the worker's :meth:`engine.live.worker.Worker.newer_snapshot` returns."""

    @abc.abstractmethod
    def _worker_alive(self) -> bool: ...

    @abc.abstractmethod
    def _close_worker(self, timeout: float) -> None:
        """End the worker (it has been told to stop): wait, then force it."""

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
        self._send(Command.PAUSE)

    def step(self, n: int = 1, part: str | None = None) -> None:
        self._send(Command.STEP, n, part)  # the worker's step() pauses its own thread first

    def reset(self) -> None:
        self._send(Command.RESET)

    def apply_live_settings(self, config) -> None:
        """Apply the live knobs of ``config`` to the task in the worker (see TrainingTask)."""
        self._send(Command.APPLY_LIVE_SETTINGS, config)

    def export_state(self) -> dict:
        """The run's whole state (see :meth:`engine.live.run.LiveRun.export_state`); pauses it."""
        return self._send(Command.EXPORT_STATE)

    def call(self, method: Callable, *args) -> Any:
        """Call a method of the task in the worker, between two training steps: ``method`` is the
        function itself, taken from the task's class (``run.call(FlowTrainingTask.model_zip)``),
        so a misspelt name fails where the page is imported, not at a click. It is sent by name."""
        if not callable(method) or "." not in getattr(method, "__qualname__", ""):
            raise TypeError(f"run.call takes a method of the task's class, e.g. Task.model_zip; got {method!r}.")
        return self._send(Command.CALL_TASK, method.__name__, args)

    def stop(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        with contextlib.suppress(TrainerGone):
            self._send(Command.STOP)
        self._closed = True
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
            return dataclasses.replace(snapshot, state=live.RUNNING)  # the worker is starting
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

    @contextlib.contextmanager
    def _worker_lost_is_gone(self) -> Iterator[None]:
        """Around every use of the transport: its failure marks the run gone, raised as TrainerGone."""
        try:
            yield
        except (EOFError, OSError) as error:
            if not self._closed:
                self._mark_gone()
            raise TrainerGone() from error

    def _send(self, command: Command, *args) -> Any:
        """Send ``command``; one that stops the run's training gives its slot back, and no train
        command can slip in meanwhile."""
        if not command.stops_training:
            return self._call_worker(command, *args)
        with self._rpc_lock:
            with self._state_lock:
                self._want_running = False
            try:
                return self._call_worker(command, *args)
            finally:
                self._release_slot()

    def _call_worker(self, command: Command, *args) -> Any:
        """A remote call: one at a time; a worker that died or hangs raises TrainerGone."""
        if self._closed or self._gone:
            raise TrainerGone()
        with self._rpc_lock, self._worker_lost_is_gone():
            ok, value, snapshot = self._exchange(command, args)
        self._accept(snapshot)
        if not ok:
            raise value
        return value

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
                self._call_worker(Command.TRAIN)
            except TrainerGone:
                self._release_slot()

    def _yield_slot(self) -> None:
        """The slice is used up and another run waits: pause the worker (its state is kept) and
        join the back of the line; the pump resumes it when its turn comes."""
        with self._rpc_lock:
            if not (self._has_slot and self._want_running and self.governor.should_yield(self.run_id)):
                return
            try:
                self._call_worker(Command.PAUSE)
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
            current = self._child_snapshot
            try:
                with self._worker_lost_is_gone():
                    snapshot = self._next_snapshot(current.sequence, visuals_version(current), 0.1)
            except TrainerGone:
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
