"""The training runtime: knows no model family.

- :mod:`engine.live.task`: the :class:`TrainingTask` protocol every family's task follows, the
  :class:`Frame` base of its visuals, the :class:`Snapshot` a page draws, the run states;
- :mod:`engine.live.run`: :class:`LiveRun`, a thread that steps a task and publishes snapshots;
- :mod:`engine.live.process`: :class:`ProcessLiveRun`, that LiveRun in a child process forked from
  a pre-warmed fork server;
- :mod:`engine.live.backends`: where runs train (``GP_TRAINER_BACKEND``): the :class:`TrainerRun`
  commands every backend's runs answer, and the ``process`` backend; :mod:`engine.live.ray_backend`
  (imported only when chosen): the ``ray`` backend, a run in a Ray actor;
- :mod:`engine.live.on_demand`: :class:`OnDemandRun`, which starts a backend's run at the first
  Train or Step (what the pages use);
- :mod:`engine.live.governor`: admission, one queue in the web server's process.
"""

from engine.live.backends import Capacity, ProcessBackend, TrainerBackend, TrainerRun, backend_from_env
from engine.live.governor import GOVERNOR, Governor, QueueFull
from engine.live.on_demand import OnDemandRun
from engine.live.process import ProcessLiveRun, TrainerGone
from engine.live.run import FRAME_EVERY_S, LiveRun, downsample_history, first_snapshot
from engine.live.task import (
    DIVERGED,
    FINISHED,
    IDLE,
    LIVE_STATES,
    PAUSED,
    RUNNING,
    STOPPED,
    WAITING,
    Frame,
    SideBySideFrame,
    SideBySideTask,
    Snapshot,
    TrainingTask,
    next_run_id,
    next_version,
)

__all__ = [
    "Capacity",
    "ProcessBackend",
    "TrainerBackend",
    "TrainerRun",
    "backend_from_env",
    "DIVERGED",
    "FINISHED",
    "FRAME_EVERY_S",
    "GOVERNOR",
    "IDLE",
    "LIVE_STATES",
    "PAUSED",
    "RUNNING",
    "STOPPED",
    "WAITING",
    "Frame",
    "Governor",
    "LiveRun",
    "OnDemandRun",
    "ProcessLiveRun",
    "QueueFull",
    "SideBySideFrame",
    "SideBySideTask",
    "Snapshot",
    "TrainerGone",
    "TrainingTask",
    "downsample_history",
    "first_snapshot",
    "next_run_id",
    "next_version",
]
