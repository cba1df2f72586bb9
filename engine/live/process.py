"""The ``process`` trainer backend: each run in a child process, so that training never competes
with the web server for the GIL.

In one process, every redraw of a live page (Streamlit script runs, image encoding, websocket
traffic) holds Python's GIL and stalls the trainer thread between its many small tensor ops;
on two cores that cost about a quarter of the training speed. Here the run's
:class:`engine.live.worker.Worker` lives in a child forked from the fork server
(:mod:`engine.live.fork_server`: torch and the families' tasks already imported, so a start takes
well under a second). Two pipes join them: commands and their replies on one, and on the other the
snapshots the child pushes as they change. The web server keeps a :class:`ProcessLiveRun`, the
:class:`engine.live.remote.RemoteLiveRun` whose transport these pipes are, admitted by the
machine-wide :data:`engine.live.governor.GOVERNOR`. The child exits when told to, or when its
parent dies.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from engine.live import task as live
from engine.live.admission import Admission, Capacity
from engine.live.commands import Command
from engine.live.fork_server import context_once, starting
from engine.live.governor import GOVERNOR
from engine.live.remote import RPC_TIMEOUT_S, RemoteLiveRun
from engine.live.worker import Reply, Worker, visuals_version

PARENT_CHECK_S = 1.0  # how often a child looks whether the web server still lives


class ProcessLiveRun(RemoteLiveRun):
    """A :class:`RemoteLiveRun` in a child process forked from this server's fork server.

    ``task_factory`` must be picklable (e.g. ``functools.partial(FlowTrainingTask, config,
    target)``): it is sent to the child, which builds the task there.
    """

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        max_steps: int = 20_000,
        governor: Admission | None = None,
        start_timeout_s: float = 120.0,
        restore_state: dict | None = None,
    ):
        context = context_once()
        self._commands, child_commands = context.Pipe()
        self._snapshots, child_snapshots = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main,
            args=(task_factory, max_steps, child_commands, child_snapshots, os.getpid(), restore_state),
            daemon=True,
            name="LiveRun-worker",
        )
        with starting():
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

    def _exchange(self, command: Command, args: tuple) -> Reply:
        self._commands.send((command, args))
        if not self._commands.poll(RPC_TIMEOUT_S):
            self._process.kill()
            raise EOFError("no answer")
        return self._commands.recv()

    def _next_snapshot(self, after: int, known_visuals: int | None, timeout_s: float) -> live.Snapshot | None:
        return self._snapshots.recv() if self._snapshots.poll(timeout_s) else None  # the child pushes them

    def _worker_alive(self) -> bool:
        return self._process.is_alive()

    def _close_worker(self, timeout: float) -> None:
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
        self._commands.close()


class ProcessBackend:
    """Runs in child processes of this server's fork server, admitted by ``governor``."""

    name = "process"

    def __init__(self, governor: Admission | None = None):
        self.governor = governor or GOVERNOR

    def start(self, task_factory, max_steps=20_000, restore_state=None) -> ProcessLiveRun:
        return ProcessLiveRun(task_factory, max_steps=max_steps, governor=self.governor, restore_state=restore_state)

    def capacity(self) -> Capacity:
        return self.governor.capacity()

    def close(self) -> None:
        pass  # the governor lives in this process and ends with it


def _child_main(task_factory, max_steps, commands, snapshots, parent_pid, restore_state=None) -> None:
    """The child: a :class:`Worker` driven by the commands on one pipe, its snapshots pushed on the
    other as they change."""
    try:
        worker = Worker(task_factory, max_steps, restore_state)
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
        snapshots.send(error)
        return
    snapshots.send(worker.snapshot)
    pusher = threading.Thread(
        target=_push_snapshots, args=(worker, snapshots, parent_pid), name="snapshot-pusher", daemon=True
    )
    pusher.start()
    while not worker.closed:
        try:
            command, args = commands.recv()
        except (EOFError, OSError):  # the parent closed its end: stop
            command, args = Command.STOP, ()
        reply = worker.handle(command, args)
        if worker.closed:
            pusher.join(1)
        try:
            commands.send(reply)
        except (BrokenPipeError, OSError):
            pass


def _push_snapshots(worker: Worker, snapshots, parent_pid: int) -> None:
    """Send each new snapshot, its visuals only when their version changed (the parent keeps the
    last ones); exit the process if the parent is gone."""
    sequence, known_visuals = worker.snapshot.sequence, visuals_version(worker.snapshot)
    while not worker.closed:
        if not _process_exists(parent_pid):  # the server died: do not linger
            os._exit(0)
        snapshot = worker.newer_snapshot(sequence, known_visuals, PARENT_CHECK_S)
        if snapshot is None or worker.closed:
            continue
        try:
            snapshots.send(snapshot)
        except (BrokenPipeError, OSError):
            os._exit(0)
        sequence = snapshot.sequence
        if snapshot.visuals is not None:
            known_visuals = visuals_version(snapshot)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
