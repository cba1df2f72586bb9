"""The ``ray`` trainer backend: every run in a Ray actor, placed by Ray's scheduler on a node of the
cluster (``GP_RAY_ADDRESS``; unset: a local Ray started in this process). Imported only when this
backend is chosen (``GP_TRAINER_BACKEND=ray``): the default install does not need Ray.

The actor holds the same :class:`engine.live.worker.Worker` a trainer process holds (set-up,
commands, snapshots with their visuals only when they changed); the web server keeps a
:class:`RayLiveRun`, the same :class:`engine.live.remote.RemoteLiveRun` as for a child process,
so admission, turns and messages are the same. A dead actor, a lost node or a call that times out
becomes :class:`engine.live.remote.TrainerGone`.

Admission is the cluster's one queue, shared by every front end
(:class:`engine.live.shared_queue.SharedGovernor`), with as many slots as the cluster has CPUs.
The queue, not Ray, bounds how many runs train at once; an actor asks Ray only for a place to
live: ``GP_RAY_MEMORY_PER_RUN_GB`` (0.4, as measured: a worker with torch imported) of memory,
which bounds how many runs a node hosts, and ``GP_RAY_CPUS_PER_RUN`` (0.01) of a CPU, so that
it lands on a trainer node, never on the head or a front end (0 CPUs). (With a quarter of a CPU
each, a 2-CPU cluster hosted 8 runs and a crowd's 9th waited for an actor that never came.)
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError, RayTaskError

from engine.live import task as live
from engine.live.admission import Admission, Capacity
from engine.live.commands import Command
from engine.live.remote import RPC_TIMEOUT_S, RemoteLiveRun
from engine.live.shared_queue import SharedGovernor
from engine.live.worker import Reply, Worker

CPUS_PER_RUN = float(os.environ.get("GP_RAY_CPUS_PER_RUN", 0.01))
MEMORY_PER_RUN = int(float(os.environ.get("GP_RAY_MEMORY_PER_RUN_GB", 0.4)) * 2**30)


def gpu_share(task_factory) -> float:
    """The fraction of a GPU a run of ``task_factory`` asks for on a cluster that has GPUs: its
    task class's ``gpu_share`` (an image model that trains faster on a GPU sets it, and builds
    its model on :func:`engine.device.get_device`); 0 for the others."""
    task_class = getattr(task_factory, "func", task_factory)  # a functools.partial(Task, ...)
    return float(getattr(task_class, "gpu_share", 0.0))


@ray.remote(max_concurrency=4)  # a command and a wait for snapshots at the same time
class TrainerActor:
    """Hosts one run at a time (:meth:`open` ... the "stop" command), so that a warm actor (torch
    and the families imported: ~3 s of CPU in a fresh worker) can take the next run at once."""

    def __init__(self, preload: tuple[str, ...] = ()):
        import importlib

        import torch

        torch.set_num_threads(1)  # as the trainer processes: tiny models are fastest on one thread
        for module in preload:
            importlib.import_module(module)
        self.worker: Worker | None = None

    def open(self, task_factory, max_steps: int, restore_state: dict | None) -> live.Snapshot:
        """Set up a new run here (the previous one has been stopped) and return its first snapshot."""
        self.worker = Worker(task_factory, max_steps, restore_state)
        return self.worker.snapshot

    def node_id(self) -> str:
        """The Ray node this run trains on."""
        return ray.get_runtime_context().get_node_id()

    def resources(self) -> dict[str, float]:
        """What Ray reserved for this actor, e.g. {"CPU": 0.01, "memory": 429496729.0, "GPU": 0.5}."""
        return ray.get_runtime_context().get_assigned_resources()

    def command(self, command: Command, args: tuple) -> Reply:
        return self.worker.handle(command, args)

    def newer_snapshot(self, after: int, known_visuals: int | None, timeout_s: float) -> live.Snapshot | None:
        return self.worker.newer_snapshot(after, known_visuals, timeout_s)


class RayLiveRun(RemoteLiveRun):
    """A :class:`RemoteLiveRun` whose LiveRun lives in a :class:`TrainerActor` (from ``pool``: a
    warm one if there is one; it goes back there when the run stops cleanly)."""

    def __init__(
        self,
        task_factory: Callable[[], live.TrainingTask],
        max_steps: int = 20_000,
        governor: Admission | None = None,
        start_timeout_s: float = 120.0,
        restore_state: dict | None = None,
        pool: ActorPool | None = None,
    ):
        self._pool = pool or ActorPool(size=0)
        self._dead = False
        gpus = gpu_share(task_factory) if self._pool.has_gpus else 0.0
        for attempt in range(2):
            self._actor = self._pool.take(gpus)
            try:
                first = ray.get(
                    self._actor.open.remote(task_factory, max_steps, restore_state), timeout=start_timeout_s
                )
                break
            except (RayError, GetTimeoutError) as error:
                ray.kill(self._actor)
                if isinstance(error, RayTaskError) and isinstance(error.cause, Exception):
                    raise error.cause from error  # the task could not be built (a bad config): as in a process
                if isinstance(error, RayActorError) and attempt == 0:
                    continue  # a warm actor lost with its node since it was started: once more, with another
                raise RuntimeError(f"The training actor did not start ({type(error).__name__}); try again.") from error
        super().__init__(first, governor, max_steps)

    def _get(self, ref, timeout_s: float):
        try:
            return ray.get(ref, timeout=timeout_s)
        except (RayError, GetTimeoutError) as error:  # the actor or its node is gone, or hangs
            self._dead = True
            raise EOFError(f"{type(error).__name__}: {error}") from error

    def _exchange(self, command: Command, args: tuple) -> Reply:
        return self._get(self._actor.command.remote(command, args), RPC_TIMEOUT_S)

    def _next_snapshot(self, after: int, known_visuals: int | None, timeout_s: float) -> live.Snapshot | None:
        return self._get(self._actor.newer_snapshot.remote(after, known_visuals, timeout_s), timeout_s + RPC_TIMEOUT_S)

    def _worker_alive(self) -> bool:
        return not self._dead

    @property
    def node_id(self) -> str:
        """The Ray node the run trains on (raises TrainerGone if it is gone)."""
        return self._ask_actor("node_id")

    @property
    def resources(self) -> dict[str, float]:
        """What Ray reserved for the run's actor (raises TrainerGone if it is gone)."""
        return self._ask_actor("resources")

    def _ask_actor(self, method: str):
        with self._rpc_lock, self._worker_lost_is_gone():
            return self._get(getattr(self._actor, method).remote(), RPC_TIMEOUT_S)

    def _close_worker(self, timeout: float) -> None:
        reusable = not self._dead and not self._gone  # its run answered "stop": the actor is clean
        self._dead = True
        self._pump.join(timeout)  # no wait for this run's snapshots may reach the actor's next run
        self._pool.give_back(self._actor, reusable)


class ActorPool:
    """Up to ``size`` idle, warm :class:`TrainerActor` s (started ahead; refilled when a run takes
    the last one, as a run that stops cleanly gives its actor back), placed with SPREAD: runs go to
    the least loaded nodes rather than filling one first. Refilling at every take instead started
    a new actor for each run even when the previous run's actor came back (and was then ended as
    surplus): twice the actor start-ups, which a crowd on a small cluster pays for."""

    def __init__(self, size: int, preload: tuple[str, ...] = ()):
        self.size, self.preload = size, preload
        self.has_gpus = ray.cluster_resources().get("GPU", 0) > 0
        self._idle: list = []
        self._with_gpu: set = set()  # actors holding a GPU share: never pooled
        self._lock = threading.Lock()
        self._refill()

    def _new(self, gpus: float = 0.0):
        options = {"num_cpus": CPUS_PER_RUN, "memory": MEMORY_PER_RUN, "num_gpus": gpus}
        return TrainerActor.options(**options, scheduling_strategy="SPREAD").remote(self.preload)

    def _refill(self) -> None:
        with self._lock:
            while len(self._idle) < self.size:
                self._idle.append(self._new())

    def take(self, gpus: float = 0.0):
        """A warm CPU actor, or a new one holding ``gpus`` of a GPU."""
        if gpus > 0:
            actor = self._new(gpus)
            with self._lock:
                self._with_gpu.add(actor)
            return actor
        with self._lock:
            actor = self._idle.pop(0) if self._idle else None
            took_the_last = not self._idle
        if took_the_last:
            self._refill()
        return actor if actor is not None else self._new()

    def give_back(self, actor, reusable: bool) -> None:
        with self._lock:
            if reusable and actor not in self._with_gpu and len(self._idle) < self.size:
                self._idle.append(actor)
                return
            self._with_gpu.discard(actor)
        ray.kill(actor)

    def close(self) -> None:
        """Kill the idle actors and keep none from now on."""
        with self._lock:
            self.size, idle, self._idle = 0, self._idle, []
        for actor in idle:
            ray.kill(actor)


class RayBackend:
    """Runs in actors on a Ray cluster; ``governor`` (default: the cluster's shared queue, a slot
    per cluster CPU) admits them; ``GP_RAY_WARM_ACTORS`` (default: one per cluster CPU) actors wait warm, with
    ``preload`` imported. Joins ``address`` (default ``GP_RAY_ADDRESS``; none: starts Ray locally
    with ``init_options``) unless Ray is already initialised in this process."""

    name = "ray"

    def __init__(
        self,
        governor: Admission | None = None,
        address: str | None = None,
        preload: tuple[str, ...] = (),
        **init_options,
    ):
        if not ray.is_initialized():
            if threading.current_thread() is not threading.main_thread():
                # seen here: Ray started from a Streamlit script thread lost its GCS connection
                # (the first actor never started); serve.py connects at server start instead
                raise RuntimeError(
                    "The ray trainer backend must connect on the main thread: serve the app with "
                    "`streamlit run serve.py` (it connects at start)."
                )
            handler = signal.getsignal(signal.SIGTERM)
            ray.init(
                address=address or os.environ.get("GP_RAY_ADDRESS") or None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                **init_options,
            )
            signal.signal(signal.SIGTERM, handler)  # the web server's own shutdown, not Ray's sys.exit
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.governor = governor or SharedGovernor()
        self.pool = ActorPool(int(os.environ.get("GP_RAY_WARM_ACTORS", cpus)), preload)

    def start(self, task_factory, max_steps=20_000, restore_state=None) -> RayLiveRun:
        return RayLiveRun(
            task_factory, max_steps=max_steps, governor=self.governor, restore_state=restore_state, pool=self.pool
        )

    def capacity(self) -> Capacity:
        return self.governor.capacity()

    def close(self) -> None:
        """End the warm actors (they would end with this process, their owner) and leave the
        shared queue at once (the other front ends need not wait for the lease to run out)."""
        self.pool.close()
        if isinstance(self.governor, SharedGovernor):
            self.governor.close()
