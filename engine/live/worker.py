"""The worker end of a run, whatever carries its commands: a child process's pipes
(:mod:`engine.live.process`), a Ray actor's calls (:mod:`engine.live.ray_backend`).

A :class:`Worker` sets the run up (its :class:`engine.live.run.LiveRun`, which steps the task in
its own thread, restored from a parked state when given); carries out the
:class:`engine.live.commands.Command` s of its proxy (:class:`engine.live.remote.RemoteLiveRun`),
each answered with the snapshot after it; and hands out the snapshots the proxy has not seen yet,
carrying their visuals only when the visuals' version changed (the proxy keeps the last ones,
and visuals are the costly part to send).
"""

from __future__ import annotations

import dataclasses
import operator
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from engine.live import task as live
from engine.live.commands import Command
from engine.live.run import LiveRun

Reply = tuple[bool, Any, live.Snapshot]  # (ok, the value or the exception to raise, the snapshot after it)


class HostedRun(Protocol):
    """What a worker drives: :class:`engine.live.run.LiveRun` (a task stepped by its own thread),
    or anything else that steps a run and publishes its snapshots (a lane of a stacked step)."""

    @property
    def snapshot(self) -> live.Snapshot: ...

    def train(self) -> None: ...

    def pause(self) -> None: ...

    def step(self, n: int = 1, part: str | None = None) -> None: ...

    def reset(self) -> None: ...

    def apply_live_settings(self, config) -> None: ...

    def export_state(self) -> dict: ...

    def restore(self, state: dict) -> None: ...

    def apply(self, fn: Callable[[live.TrainingTask], Any]) -> Any: ...

    def stop(self) -> None: ...


RunMaker = Callable[..., HostedRun]  # (task_factory, max_steps=..., on_publish=...) -> the run


def visuals_version(snapshot: live.Snapshot) -> int | None:
    """The version of the snapshot's visuals (None without visuals)."""
    return getattr(snapshot.visuals, "version", None)


class Worker:
    """One run in a worker: made by ``make_run`` (a :class:`engine.live.run.LiveRun` unless a
    worker kind hosts its runs otherwise) from ``task_factory``, and from ``restore_state`` (an
    :meth:`engine.live.run.LiveRun.export_state`) if given; driven by :meth:`handle`, watched with
    :meth:`newer_snapshot`. Raises what building the task raises (a bad config)."""

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        max_steps: int,
        restore_state: dict | None = None,
        make_run: RunMaker = LiveRun,
    ):
        self._published = threading.Condition()  # notified at every snapshot the run publishes
        self.closed = False
        self.run: HostedRun = make_run(task_factory, max_steps=max_steps, on_publish=self._wake)
        if restore_state is not None:
            self.run.restore(restore_state)

    @property
    def snapshot(self) -> live.Snapshot:
        return self.run.snapshot

    def handle(self, command: Command, args: tuple) -> Reply:
        """Carry ``command`` out on the run: (True, its value, the snapshot after it), or (False,
        the exception, the snapshot), which the proxy raises. After ``STOP`` the worker is closed."""
        try:
            ok, value = True, self._carry_out(Command(command), args)
        except Exception as error:  # noqa: BLE001 - sent back and raised by the proxy
            ok, value = False, error
        if command == Command.STOP:
            self.close()
        return ok, value, self.run.snapshot

    def _carry_out(self, command: Command, args: tuple) -> Any:
        run = self.run
        if command is Command.CALL_TASK:
            method, method_args = args
            return run.apply(operator.methodcaller(method, *method_args))
        method = {
            Command.TRAIN: run.train,
            Command.PAUSE: run.pause,
            Command.STEP: run.step,
            Command.RESET: run.reset,
            Command.APPLY_LIVE_SETTINGS: run.apply_live_settings,
            Command.EXPORT_STATE: run.export_state,
            Command.STOP: run.stop,
        }[command]
        return method(*args)

    def newer_snapshot(self, after: int, known_visuals: int | None, timeout_s: float) -> live.Snapshot | None:
        """The run's snapshot once its sequence is past ``after`` (within ``timeout_s``; None if
        none comes, or the worker is closed), without its visuals if their version is
        ``known_visuals`` (the proxy has them)."""
        deadline = time.monotonic() + timeout_s
        with self._published:
            while (snapshot := self.run.snapshot).sequence <= after:
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    return None
                self._published.wait(left)
        if snapshot.visuals is not None and visuals_version(snapshot) == known_visuals:
            return dataclasses.replace(snapshot, visuals=None)
        return snapshot

    def close(self) -> None:
        """The run has stopped: wake whoever waits for a snapshot (they get None)."""
        with self._published:
            self.closed = True
            self._published.notify_all()

    def _wake(self) -> None:
        with self._published:
            self._published.notify_all()
