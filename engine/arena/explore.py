"""The Arena page's view settings (apart from the race's): which checkpoint the replay shows."""

from __future__ import annotations

from dataclasses import dataclass

from engine.arena.task import CHECKPOINTS
from engine.config import RunConfig, check_ranges


@dataclass(frozen=True)
class ArenaReplayConfig(RunConfig):
    """``at``: the checkpoint shown (0: the start; -1: the latest, following a race as it runs)."""

    at: int = -1

    def __post_init__(self):
        check_ranges(self, [("at", -1, CHECKPOINTS + 1)])
