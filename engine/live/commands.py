"""The commands a run's proxy sends its worker: one typed set, the same over a pipe and to an actor.

Each :class:`Command` is a method of :class:`engine.live.run.LiveRun` (``CALL_TASK``: a method of
the task, by name); :class:`engine.live.worker.Worker` carries them out, and
:class:`engine.live.remote.RemoteLiveRun` sends them.
"""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    TRAIN = "train"
    PAUSE = "pause"
    STEP = "step"  # args: (n, part)
    RESET = "reset"
    APPLY_LIVE_SETTINGS = "apply_live_settings"  # args: (config,)
    EXPORT_STATE = "export_state"
    CALL_TASK = "call_task"  # args: (method name, its args)
    STOP = "stop"

    @property
    def stops_training(self) -> bool:
        """Whether the worker's run no longer trains after it (the proxy gives its slot back)."""
        return self in _STOPS_TRAINING


_STOPS_TRAINING = frozenset({Command.PAUSE, Command.STEP, Command.RESET, Command.EXPORT_STATE, Command.STOP})
