"""Admission: the one queue that decides which runs may train, kept in the web server's process.

The trainers themselves (:mod:`engine.live.run`, in child processes) never wait for a slot: the
parent's :class:`engine.live.process.ProcessLiveRun` asks :data:`GOVERNOR` before it sends
"train", and shows the run as waiting, with its place in line, until a slot is free.
"""

from __future__ import annotations

import os
import threading


class Governor:
    """Bounds how many runs train at once on this machine; first come, first served.

    Owners are run ids; :class:`engine.live.process.ProcessLiveRun` asks for a slot before it
    tells its child to train, and gives it back when the run pauses, stops or dies.

    ``max_active`` defaults to the ``GP_MAX_TRAINERS`` environment variable, else the number of
    CPU cores this process may use.
    """

    def __init__(self, max_active: int | None = None):
        if max_active is None:
            max_active = int(os.environ.get("GP_MAX_TRAINERS", len(os.sched_getaffinity(0))))
        if max_active < 1:
            raise ValueError(f"max_active must be at least 1; got {max_active}.")
        self.max_active = max_active
        self._lock = threading.Lock()
        self._active: set[int] = set()
        self._waiting: list[int] = []

    def try_acquire(self, owner: int) -> bool:
        """Take a slot for ``owner`` if one is free and nobody has waited longer."""
        with self._lock:
            if owner in self._active:
                return True
            if owner not in self._waiting:
                self._waiting.append(owner)
            if len(self._active) < self.max_active and self._waiting[0] == owner:
                self._waiting.pop(0)
                self._active.add(owner)
                return True
            return False

    def release(self, owner: int) -> None:
        with self._lock:
            self._active.discard(owner)
            if owner in self._waiting:
                self._waiting.remove(owner)

    def queue_position(self, owner: int) -> int:
        """1 for the next in line; 0 when ``owner`` is not waiting."""
        with self._lock:
            return self._waiting.index(owner) + 1 if owner in self._waiting else 0

    def waiting_message(self, owner: int) -> str:
        """What a page shows a run that waits for a slot."""
        return (
            f"Waiting for a free trainer: {self.max_active} run at once on this machine and you "
            f"are number {max(self.queue_position(owner), 1)} in line."
        )

    @property
    def active_count(self) -> int:
        with self._lock:
            return len(self._active)


GOVERNOR = Governor()
