"""Admission: which runs may train at once, as every run's proxy asks it.

A run's proxy (:class:`engine.live.remote.RemoteLiveRun`) asks its :class:`Admission` for a slot
before it tells its worker to train, yields the slot when its slice is used up while others wait,
and shows a waiting run the admission's message. Two implement it: :class:`engine.live.governor.
Governor`, the machine's one queue in this process, and :class:`engine.live.shared_queue.
SharedGovernor`, a cluster's one queue shared by its front ends (Ray). Owners are run ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Capacity:
    """How many runs may train at once (``slots``), how many do (``active``) and how many wait."""

    slots: int
    active: int
    waiting: int


class QueueFull(RuntimeError):
    """The line is at its maximum length: the machine cannot take another run now."""


@runtime_checkable
class Admission(Protocol):
    """The queue a run waits in for a slot to train, in fair turns."""

    def try_acquire(self, owner: int) -> bool:
        """Take a slot for ``owner`` if its turn has come, else join (or stay in) the line; raises
        :class:`QueueFull` when the line is full and ``owner`` is not in it."""
        ...

    def should_yield(self, owner: int) -> bool:
        """Whether ``owner`` has used up its slice while another run waits."""
        ...

    def yield_slot(self, owner: int) -> None:
        """Give up ``owner``'s slot and rejoin the line (its run still wants to train)."""
        ...

    def release(self, owner: int) -> None:
        """Free ``owner``'s slot, or take it out of the line (it stopped wanting to train)."""
        ...

    def forget(self, owner: int) -> None:
        """``owner``'s run has ended: drop everything about it."""
        ...

    def waiting_message(self, owner: int) -> str:
        """What a page shows a run that waits for its turn."""
        ...

    def capacity(self) -> Capacity:
        """Slots, and the runs training and waiting now."""
        ...
