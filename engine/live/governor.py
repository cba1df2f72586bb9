"""Admission: the one queue that decides which runs may train, kept in the web server's process.

The trainers themselves (:mod:`engine.live.worker`, in child processes) never wait for a slot: a
run's proxy in this process (:class:`engine.live.remote.RemoteLiveRun`) asks :data:`GOVERNOR`, its
:class:`engine.live.admission.Admission`, before it sends "train", and shows the run as waiting,
with its place in line and an estimate, until a slot is free.

Fair sharing by time slices: a run that has trained for its slice while others wait pauses
(keeping its state: a run's result depends on its config and seed only, not on how it was
sliced) and rejoins the line, in which the run that has trained least so far goes first (the
longest waiting among equals). Only time trained while others waited counts: a run that had the
machine to itself owes nothing for it. The slice shrinks as the line grows, so that a
full turn of the line stays near :data:`TURN_S`: with 30 runs on 2 slots, every run trains about
a second in every 15, instead of 2 running and 28 frozen.
"""

from __future__ import annotations

import math
import os
import threading
import time

from engine.live.admission import Admission, Capacity, QueueFull

TURN_S = 15.0  # the time for every run in line to get a slice, when slices can be that short
MIN_SLICE_S = 1.0  # a pause and a resume cost ~0.05 s: below this, switching eats the share
MAX_SLICE_S = 10.0  # with few runs waiting, nobody waits longer than this for a turn


class Governor(Admission):
    """Bounds how many runs train at once on this machine, in fair turns.

    Owners are run ids. ``max_active`` defaults to the ``GP_MAX_TRAINERS`` environment variable,
    else the number of CPU cores this process may use; ``max_waiting`` (how long the line may
    grow) to ``GP_MAX_QUEUE``, else 60. ``turn_s``, ``min_slice_s`` and ``max_slice_s`` shape the
    slices (see :meth:`slice_s`).
    """

    def __init__(
        self,
        max_active: int | None = None,
        max_waiting: int | None = None,
        *,
        turn_s: float = TURN_S,
        min_slice_s: float = MIN_SLICE_S,
        max_slice_s: float = MAX_SLICE_S,
        clock=time.monotonic,
    ):
        if max_active is None:
            max_active = int(os.environ.get("GP_MAX_TRAINERS", len(os.sched_getaffinity(0))))
        if max_waiting is None:
            max_waiting = int(os.environ.get("GP_MAX_QUEUE", 60))
        if max_active < 1:
            raise ValueError(f"max_active must be at least 1; got {max_active}.")
        if max_waiting < 0:
            raise ValueError(f"max_waiting must be at least 0; got {max_waiting}.")
        self.max_active = max_active
        self.max_waiting = max_waiting
        self.turn_s, self.min_slice_s, self.max_slice_s = turn_s, min_slice_s, max_slice_s
        self._clock = clock
        self._lock = threading.Lock()
        self._active: dict[int, float] = {}  # owner -> since when its slice counts (others waiting)
        self._waiting: list[int] = []  # in arrival order; served least-trained first
        self._trained: dict[int, float] = {}  # owner -> seconds trained in its finished slices

    def try_acquire(self, owner: int) -> bool:
        """Take a slot for ``owner`` if one is free and ``owner`` is first in line (least trained,
        then longest waiting); otherwise join the line (raises :class:`QueueFull` when the line is
        full and ``owner`` is not in it)."""
        with self._lock:
            if owner in self._active:
                return True
            if owner not in self._waiting:
                if len(self._waiting) >= self.max_waiting and len(self._active) >= self.max_active:
                    raise QueueFull(
                        f"The machine is full: {len(self._active)} runs are training and {len(self._waiting)} are "
                        "waiting. Try again in a minute."
                    )
                if not self._waiting and len(self._active) >= self.max_active:  # the line forms: slices count from now
                    now = self._clock()
                    self._active = {
                        active: now if started == math.inf else started for active, started in self._active.items()
                    }
                self._waiting.append(owner)
            if len(self._active) < self.max_active and self._line()[0] == owner:
                self._waiting.remove(owner)
                self._active[owner] = self._clock() if self._waiting else math.inf  # alone: counts once a line forms
                return True
            return False

    def adopt(self, owner: int) -> None:
        """``owner`` holds a slot already (a restarted shared queue learning what it had): count it
        as training, even beyond ``max_active`` until its slice ends."""
        with self._lock:
            if owner not in self._active:
                if owner in self._waiting:
                    self._waiting.remove(owner)
                self._active[owner] = self._clock() if self._waiting else math.inf

    def _line(self) -> list[int]:
        """The waiting owners in the order they are served: least trained first, then arrival."""
        return sorted(self._waiting, key=lambda owner: self._trained.get(owner, 0.0))  # stable: arrival order

    def _end_slice(self, owner: int, contended: bool) -> bool:
        started = self._active.pop(owner, None)
        if started is not None and contended:
            self._trained[owner] = self._trained.get(owner, 0.0) + max(0.0, self._clock() - started)
        return started is not None

    def release(self, owner: int) -> None:
        """Free ``owner``'s slot, or take it out of the line (its trained time is kept until
        :meth:`forget`)."""
        with self._lock:
            self._end_slice(owner, contended=bool(self._waiting))
            if owner in self._waiting:
                self._waiting.remove(owner)

    def forget(self, owner: int) -> None:
        """``owner``'s run has ended: drop it and its trained time."""
        self.release(owner)
        with self._lock:
            self._trained.pop(owner, None)

    def slice_s(self) -> float:
        """How long a run may train while others wait: a turn shared by the runs per slot,
        clamped to [min_slice_s, max_slice_s]."""
        with self._lock:
            return self._slice_s()

    def _slice_s(self) -> float:
        runs_per_slot = (len(self._active) + len(self._waiting)) / self.max_active
        return min(self.max_slice_s, max(self.min_slice_s, self.turn_s / max(runs_per_slot, 1.0)))

    def should_yield(self, owner: int) -> bool:
        """Whether ``owner`` has used up its slice while another run waits."""
        with self._lock:
            started = self._active.get(owner)
            return started is not None and bool(self._waiting) and self._clock() - started >= self._slice_s()

    def yield_slot(self, owner: int) -> None:
        """Give up ``owner``'s slot and rejoin the line (its run keeps wanting to train)."""
        with self._lock:
            if self._end_slice(owner, contended=True) and owner not in self._waiting:
                self._waiting.append(owner)

    def queue_position(self, owner: int) -> int:
        """1 for the next in line; 0 when ``owner`` is not waiting."""
        with self._lock:
            return self._line().index(owner) + 1 if owner in self._waiting else 0

    def estimated_wait_s(self, owner: int) -> float:
        """About how long until ``owner`` trains: slots free up as the running slices end, and
        each run ahead in line then trains for one slice."""
        with self._lock:
            if owner not in self._waiting:
                return 0.0
            position = self._line().index(owner) + 1
            slice_s = self._slice_s()
            now = self._clock()
            free_at = sorted(max(0.0, slice_s - (now - started)) for started in self._active.values())
            free_at += [0.0] * (self.max_active - len(free_at))
            rounds, index = divmod(position - 1, self.max_active)
            return free_at[index] + rounds * slice_s

    def waiting_message(self, owner: int) -> str:
        """What a page shows a run that waits for its turn."""
        position = max(self.queue_position(owner), 1)
        wait = math.ceil(self.estimated_wait_s(owner))
        with self._lock:
            slice_s = self._slice_s()
        runs = "1 run trains" if self.max_active == 1 else f"{self.max_active} runs train"
        return (
            f"Waiting for your turn: {runs} at a time on this machine, in turns of {slice_s:.0f} s; "
            f"you are number {position} in line and resume in about {wait} s."
        )

    @property
    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    def capacity(self) -> Capacity:
        with self._lock:
            return Capacity(self.max_active, len(self._active), len(self._waiting))

    @property
    def training_or_waiting_count(self) -> int:
        """Runs that want to train: those training now and those in line."""
        with self._lock:
            return len(self._active) + len(self._waiting)

    @property
    def waiting_count(self) -> int:
        with self._lock:
            return len(self._waiting)


GOVERNOR = Governor()
