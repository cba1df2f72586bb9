"""A live run that holds a worker only while it needs one: the runs the pages use."""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from engine.live import task as live
from engine.live.backends import TrainerBackend, TrainerRun, backend_from_env
from engine.live.remote import TrainerGone


@functools.cache
def default_backend() -> TrainerBackend:
    """The backend ``GP_TRAINER_BACKEND`` names, made once per process."""
    return backend_from_env()


class OnDemandRun:
    """A live run whose worker (a process, an actor: see ``backend``) exists only while it is needed.

    It starts at the first command that needs the model (Train, Step, an export). Until then the
    snapshot is ``first``, the step-0 snapshot, which a page can compute once per config and
    share (:func:`engine.live.run.first_snapshot`): a page view that never trains holds no process.
    A run that stays paused can be :meth:`park`-ed: its whole state moves to this process and its
    trainer process ends; the next command starts a new one from that state, and the run goes on
    exactly as if it had never stopped (the tasks' states include their random generators).
    """

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        first: live.Snapshot,
        max_steps: int = 20_000,
        backend: TrainerBackend | None = None,
    ):
        self._task_factory, self._shown, self.max_steps = task_factory, first, max_steps
        self.backend = backend or default_backend()
        self._run: TrainerRun | None = None
        self._parked: dict | None = None  # the state of a parked run
        self._live_config = None  # the live settings applied last, re-applied after parking
        self._start_lock = threading.RLock()
        self._closed = False
        self._start_error = ""
        self.last_command_at = time.monotonic()

    @property
    def started(self) -> bool:
        """Whether the run has ever had a process (it may be parked now)."""
        return self._run is not None or self._parked is not None

    @property
    def parked(self) -> bool:
        return self._parked is not None

    def _started(self) -> TrainerRun:
        self.last_command_at = time.monotonic()
        with self._start_lock:
            if self._closed:
                raise TrainerGone()
            if self._run is None:
                try:
                    self._run = self.backend.start(self._task_factory, self.max_steps, restore_state=self._parked)
                    if self._live_config is not None:
                        self._run.apply_live_settings(self._live_config)
                except (RuntimeError, OSError) as error:  # no process could start (memory, a timeout)
                    self._start_error = f"The trainer could not start ({error}). Try again in a moment."
                    raise TrainerGone() from error
                self._parked, self._start_error = None, ""
            return self._run

    def train(self) -> None:
        self._started().train()

    def step(self, n: int = 1, part: str | None = None) -> None:
        self._started().step(n, part)

    def call(self, method: Callable, *args) -> Any:
        return self._started().call(method, *args)

    def reset(self) -> None:
        if self.started:
            self._started().reset()

    def pause(self) -> None:
        self.last_command_at = time.monotonic()
        if self._run is not None:
            self._run.pause()

    def apply_live_settings(self, config) -> None:
        """Apply the live knobs now, or when the process (re)starts."""
        self._live_config = config
        if self._run is not None:
            self._run.apply_live_settings(config)

    def park(self) -> bool:
        """Move a paused run's state here and end its process; False when it is not paused (or
        has no process)."""
        with self._start_lock:
            run = self._run
            if run is None or not run.is_alive or run.snapshot.state in (live.RUNNING, live.WAITING):
                return False
            try:
                state = run.export_state()
            except TrainerGone:
                return False
            self._shown, self._parked, self._run = run.snapshot, state, None
        run.stop()
        return True

    def stop(self, timeout: float = 5.0) -> None:
        with self._start_lock:
            self._closed = True
            run, self._run, self._parked = self._run, None, None
        if run is not None:
            run.stop(timeout)

    @property
    def snapshot(self) -> live.Snapshot:
        run = self._run
        if run is not None:
            return run.snapshot
        if self._closed:
            return dataclasses.replace(self._shown, state=live.STOPPED)
        return dataclasses.replace(self._shown, message=self._start_error) if self._start_error else self._shown

    @property
    def is_alive(self) -> bool:
        return not self._closed and (self._run is None or self._run.is_alive)

    @property
    def run_id(self) -> int:
        return self.snapshot.run_id
