"""Where live runs train: the trainer backend, chosen by configuration.

A backend starts runs and says how much room it has. Every run it starts answers the same
commands, :class:`TrainerRun`, whatever the machine it trains on, and turns every failure of its
worker (a dead process, a lost node, a broken pipe) into :class:`engine.live.remote.TrainerGone`,
which a page shows as "the run stopped unexpectedly", never as a traceback.

- ``process`` (the default, :mod:`engine.live.process`): :class:`ProcessBackend`, each run a
  child of this web server's fork server, admitted by the machine-wide
  :data:`engine.live.governor.GOVERNOR`;
- ``ray`` (:mod:`engine.live.ray_backend`): each run an actor on a Ray cluster
  (``GP_RAY_ADDRESS``); Ray is imported only when this backend is chosen.

``GP_TRAINER_BACKEND`` names the backend (:func:`backend_from_env`); :data:`BACKENDS` lists them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from engine.live import task as live
from engine.live.admission import Capacity
from engine.live.process import ProcessBackend


@runtime_checkable
class TrainerRun(Protocol):
    """A started live run, wherever it trains. ``snapshot`` never blocks and never raises; the
    commands raise :class:`engine.live.remote.TrainerGone` once the worker is gone."""

    run_id: int

    @property
    def snapshot(self) -> live.Snapshot: ...

    @property
    def is_alive(self) -> bool: ...

    def train(self) -> None: ...

    def pause(self) -> None: ...

    def step(self, n: int = 1, part: str | None = None) -> None: ...

    def reset(self) -> None: ...

    def call(self, method: Callable, *args) -> Any: ...

    def apply_live_settings(self, config) -> None: ...

    def export_state(self) -> dict: ...

    def stop(self, timeout: float = 5.0) -> None: ...


class TrainerBackend(Protocol):
    name: str

    def start(
        self, task_factory: Callable[[], live.TrainingTask], max_steps: int = 20_000, restore_state: dict | None = None
    ) -> TrainerRun:
        """A new run of ``task_factory()`` (picklable), from ``restore_state`` if given (an
        :meth:`TrainerRun.export_state`)."""
        ...

    def capacity(self) -> Capacity: ...

    def close(self) -> None:
        """This front end is shutting down: give back what it holds beyond its runs."""
        ...


def _ray_backend() -> TrainerBackend:
    from engine.live.fork_server import FORKSERVER_PRELOAD
    from engine.live.ray_backend import RayBackend

    return RayBackend(preload=tuple(FORKSERVER_PRELOAD))  # warm actors import what the fork server does


BACKENDS: dict[str, Callable[[], TrainerBackend]] = {"process": ProcessBackend, "ray": _ray_backend}


def backend_from_env(environ: Mapping[str, str] = os.environ) -> TrainerBackend:
    """The backend ``GP_TRAINER_BACKEND`` names (default ``process``); an unknown name is refused
    with the names there are."""
    name = environ.get("GP_TRAINER_BACKEND", "process").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"GP_TRAINER_BACKEND={name!r} is not a trainer backend; choose one of: {', '.join(BACKENDS)}.")
    return BACKENDS[name]()
