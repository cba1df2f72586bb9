"""The training runtime: knows no model family.

A page's run is a proxy in the web server (:class:`RemoteLiveRun`, the same for every backend)
whose worker lives elsewhere (a child process, a Ray actor) and steps the task there:

- :mod:`engine.live.task`: the :class:`TrainingTask` protocol every family's task follows, the
  :class:`Frame` base of its visuals, the :class:`Snapshot` a page draws, the run states;
- :mod:`engine.live.run`: :class:`LiveRun`, a thread that steps a task and publishes snapshots;
- :mod:`engine.live.commands`: :class:`Command`, what a proxy asks its worker, one typed set;
- :mod:`engine.live.worker`: :class:`Worker`, the worker end, the same in every worker: sets the
  run up, carries out commands, hands out newer snapshots (visuals only when their version changed);
- :mod:`engine.live.remote`: :class:`RemoteLiveRun`, the proxy (commands, admission, turns,
  waiting messages), and :class:`TrainerGone`, what any failure of its worker becomes;
- :mod:`engine.live.admission`: the :class:`Admission` interface a proxy asks for a slot;
  :mod:`engine.live.governor`: :class:`Governor`, the machine's one queue (:data:`GOVERNOR`);
  :mod:`engine.live.shared_queue` (Ray only): a cluster's one queue;
- :mod:`engine.live.backends`: where runs train (``GP_TRAINER_BACKEND``): the :class:`TrainerRun`
  and :class:`TrainerBackend` interfaces and the table of backends, which are
  :mod:`engine.live.process` (the default: :class:`ProcessLiveRun`, a child forked from
  :mod:`engine.live.fork_server`, over two pipes) and :mod:`engine.live.ray_backend` (imported
  only when chosen: a run in a Ray actor);
- :mod:`engine.live.on_demand`: :class:`OnDemandRun`, which starts a backend's run at the first
  Train or Step, and parks a paused one (what the pages use).

A third kind of worker (e.g. many runs stepped together in one process) is one module, beside
``process.py`` and ``ray_backend.py``, importing neither:

1. its worker end wraps each run it hosts in a :class:`Worker` (its ``make_run`` gives a run that
   follows :class:`engine.live.worker.HostedRun`: a :class:`LiveRun`, or a lane of a stacked
   step), and hands :meth:`Worker.handle` the :class:`Command` s it receives and its proxy what
   :meth:`Worker.newer_snapshot` returns;
2. its proxy subclasses :class:`RemoteLiveRun` with the four transport methods (``_exchange``,
   ``_next_snapshot``, ``_worker_alive``, ``_close_worker``), raising EOFError or OSError when
   the worker is lost; admission, turns, messages and :class:`TrainerGone` come with it;
3. its backend (``start``, ``capacity``, ``close``: :class:`TrainerBackend`) takes an
   :class:`Admission`, and its name goes into :data:`engine.live.backends.BACKENDS`.
"""

from engine.live.admission import Admission, Capacity, QueueFull
from engine.live.backends import TrainerBackend, TrainerRun, backend_from_env
from engine.live.commands import Command
from engine.live.governor import GOVERNOR, Governor
from engine.live.on_demand import OnDemandRun
from engine.live.process import ProcessBackend, ProcessLiveRun
from engine.live.remote import RemoteLiveRun, TrainerGone
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
from engine.live.worker import Worker

__all__ = [
    "Admission",
    "Capacity",
    "Command",
    "RemoteLiveRun",
    "Worker",
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
