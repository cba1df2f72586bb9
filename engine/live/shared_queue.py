"""One admission queue for every front end of a Ray cluster: a small detached actor holding the
:class:`engine.live.governor.Governor` (its fair turns, places in line and maximum line), and a
client, :class:`SharedGovernor`, that a front end's runs use exactly as they use a local governor.

The line also tells the cluster's autoscaler how big to be: every few seconds the queue asks
for a CPU per run that wants to train (training or waiting), so that KubeRay adds trainer nodes
while the line is long (up to the worker group's maximum) and may remove them once it is short;
the slots follow the CPUs the cluster then has.

Front ends come and go (a pod is rescheduled, a process is killed): each holds a *lease* that its
client renews every ``lease_s / 3``; when a lease runs out, the queue forgets that front end's
runs, so their slots go to the others. The queue lives on the head node; if it dies anyway, Ray
restarts it empty, each front end's next renewal tells it which runs hold slots (they keep them),
and the runs that want to train queue again at their next turn.

Imported only with the ``ray`` backend (:mod:`engine.live.ray_backend`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

import ray
from ray.autoscaler.sdk import request_resources
from ray.exceptions import GetTimeoutError, RayError

from engine.live.admission import Admission, Capacity, QueueFull
from engine.live.governor import Governor

NAMESPACE = "generative-playground"
QUEUE_NAME = "gp-admission-queue"
LEASE_S = float(os.environ.get("GP_RAY_LEASE_S", 15.0))
CALL_TIMEOUT_S = 10.0
SLOTS_EVERY_S = 5.0  # how often the queue re-reads the cluster's CPUs (it may scale out or in)
HEAD_NODE = "node:__internal_head__"  # a resource only the head node has
CACHE_S = 0.25  # a front end re-asks a waiting run's place (and the capacity) at most this often

log = logging.getLogger(__name__)


def _cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


@ray.remote(num_cpus=0, max_restarts=-1, max_concurrency=8)
class AdmissionQueue:
    """The cluster's governor. ``max_active`` None: a slot per CPU of the cluster, re-read every
    :data:`SLOTS_EVERY_S` (``GP_MAX_TRAINERS`` fixes it). Owners are "front end/run id" strings."""

    def __init__(self, max_active: int | None, max_waiting: int | None, lease_s: float):
        self._fixed_slots = max_active or (
            int(os.environ["GP_MAX_TRAINERS"]) if "GP_MAX_TRAINERS" in os.environ else None
        )
        self.governor = Governor(self._fixed_slots or _cluster_cpus(), max_waiting)
        self.lease_s = lease_s
        self._lock = threading.Lock()
        self._renewed: dict[str, float] = {}  # front end -> when it last spoke
        self._owners: dict[str, set[str]] = {}  # front end -> its owners known to the governor
        self._slots_read_at = time.monotonic()
        self._requested_cpus: int | None = None

    def call(self, front_end: str, method: str, *args):
        """``governor.method(*args)`` for ``front_end`` (whose lease this renews); a full line
        comes back as the QueueFull itself, for the client to raise."""
        self._housekeeping(front_end)
        if args and method in ("try_acquire", "yield_slot"):
            with self._lock:
                self._owners.setdefault(front_end, set()).add(args[0])
        if method == "forget":
            with self._lock:
                self._owners.get(front_end, set()).discard(args[0])
        try:
            return getattr(self.governor, method)(*args)
        except QueueFull as full:
            return full

    def renew(self, front_end: str, holding: tuple[str, ...] = ()) -> None:
        """Renew ``front_end``'s lease; ``holding``: its runs that hold a slot (a restarted queue
        learns them here)."""
        self._housekeeping(front_end)
        for owner in holding:
            self.governor.adopt(owner)
            with self._lock:
                self._owners.setdefault(front_end, set()).add(owner)

    def leave(self, front_end: str) -> None:
        """``front_end`` is shutting down: forget its runs now."""
        with self._lock:
            self._renewed[front_end] = -float("inf")
        self._housekeeping(None)

    def front_ends(self) -> list[str]:
        with self._lock:
            return sorted(self._renewed)

    def _housekeeping(self, front_end: str | None) -> None:
        now = time.monotonic()
        with self._lock:
            if front_end is not None:
                self._renewed[front_end] = now
            expired = [name for name, at in self._renewed.items() if now - at > self.lease_s]
            owners = [owner for name in expired for owner in self._owners.pop(name, ())]
            for name in expired:
                del self._renewed[name]
            read_slots = self._fixed_slots is None and now - self._slots_read_at > SLOTS_EVERY_S
            if read_slots:
                self._slots_read_at = now
        for owner in owners:
            self.governor.forget(owner)
        if owners:
            log.warning("Front end(s) %s stopped renewing their lease: %d run(s) left the queue.", expired, len(owners))
        if read_slots:
            self.governor.max_active = _cluster_cpus()
            self._ask_autoscaler(self.governor.training_or_waiting_count)

    def _ask_autoscaler(self, cpus: int) -> None:
        """Ask the autoscaler for ``cpus`` CPUs in all (a floor it scales the cluster to; without
        an autoscaler, nothing happens)."""
        if cpus == self._requested_cpus:
            return
        try:
            request_resources(num_cpus=cpus)
            self._requested_cpus = cpus
        except Exception as error:  # the queue must go on without an autoscaler
            log.warning("Could not ask the autoscaler for %d CPUs: %s", cpus, error)

    def requested_cpus(self) -> int | None:
        """The CPUs last asked of the autoscaler."""
        return self._requested_cpus


class SharedGovernor(Admission):
    """A cluster's :class:`engine.live.admission.Admission`: the cluster's :class:`AdmissionQueue`
    (found by ``name``, created by the first front end that asks), used as a local
    :class:`Governor` is. Run ids are this front end's own; the queue sees them as "front end/run
    id". If the queue cannot be reached, a run waits (and says so) rather than failing."""

    def __init__(
        self,
        name: str = QUEUE_NAME,
        max_active: int | None = None,
        max_waiting: int | None = None,
        lease_s: float = LEASE_S,
    ):
        self.front_end = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_s = lease_s
        self._queue = AdmissionQueue.options(  # on the head node, which lives as long as the cluster
            name=name, namespace=NAMESPACE, lifetime="detached", get_if_exists=True, resources={HEAD_NODE: 0.001}
        ).remote(max_active, max_waiting, lease_s)
        self._cache: dict[tuple, tuple[float, object]] = {}
        self._holding: set[str] = set()  # this front end's owners that hold a slot
        self._closed = threading.Event()
        self._call("capacity")  # the queue exists and answers before the first run
        threading.Thread(target=self._renew_loop, name="SharedGovernor-lease", daemon=True).start()

    def _owner(self, run_id: int) -> str:
        return f"{self.front_end}/{run_id}"

    def _call(self, method: str, *args, fallback=None):
        try:
            result = ray.get(self._queue.call.remote(self.front_end, method, *args), timeout=CALL_TIMEOUT_S)
        except (RayError, GetTimeoutError) as error:
            log.warning("The cluster's admission queue did not answer %s: %s", method, error)
            return fallback
        if isinstance(result, QueueFull):
            raise result
        return result

    def _cached(self, method: str, *args, fallback=None):
        now = time.monotonic()
        at, value = self._cache.get((method, *args), (-CACHE_S, None))
        if now - at >= CACHE_S:
            value = self._call(method, *args, fallback=fallback)
            self._cache[(method, *args)] = (now, value)
        return value

    def _drop_cached(self, owner: str) -> None:
        for key in [key for key in list(self._cache) if owner in key[1:]]:
            self._cache.pop(key, None)

    def _renew_loop(self) -> None:
        while not self._closed.wait(self.lease_s / 3):
            try:
                ray.get(self._queue.renew.remote(self.front_end, tuple(self._holding)), timeout=CALL_TIMEOUT_S)
            except (RayError, GetTimeoutError) as error:
                log.warning("Could not renew this front end's lease on the admission queue: %s", error)

    def close(self) -> None:
        """Leave the queue now (this front end's runs are forgotten) and stop renewing."""
        self._closed.set()
        try:
            ray.get(self._queue.leave.remote(self.front_end), timeout=CALL_TIMEOUT_S)
        except (RayError, GetTimeoutError):
            pass

    # ----- the Admission interface -----

    def try_acquire(self, run_id: int) -> bool:
        owner = self._owner(run_id)
        if time.monotonic() - self._cache.get(("try_acquire", owner), (-CACHE_S, None))[0] < CACHE_S:
            return False  # refused moments ago: a waiting run's pump asks ~10 times a second
        if self._call("try_acquire", owner, fallback=False):
            self._drop_cached(owner)  # a new slice: no answer about the last one holds
            self._holding.add(owner)
            return True
        self._cache[("try_acquire", owner)] = (time.monotonic(), False)
        return False

    def release(self, run_id: int) -> None:
        self._let_go(run_id, "release")

    def forget(self, run_id: int) -> None:
        self._let_go(run_id, "forget")

    def yield_slot(self, run_id: int) -> None:
        self._let_go(run_id, "yield_slot")

    def _let_go(self, run_id: int, method: str) -> None:
        owner = self._owner(run_id)
        self._drop_cached(owner)
        self._holding.discard(owner)
        self._call(method, owner)

    def should_yield(self, run_id: int) -> bool:
        return bool(self._cached("should_yield", self._owner(run_id), fallback=False))

    def waiting_message(self, run_id: int) -> str:
        return self._cached(
            "waiting_message", self._owner(run_id), fallback="Waiting for the cluster's queue to answer."
        )

    def capacity(self) -> Capacity:
        return self._cached("capacity", fallback=Capacity(0, 0, 0))

    @property
    def max_active(self) -> int:
        return self.capacity().slots
