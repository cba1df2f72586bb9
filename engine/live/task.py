"""What the live runtime and the families agree on: the task protocol, its frames and the snapshot.

A family's training task (``engine/<family>/task.py``) follows :class:`TrainingTask`; its
``visuals`` return a :class:`Frame`, a frozen dataclass of arrays with a ``version``, which the
pages' renderers key their caches on (a frame that did not change is neither redrawn nor re-sent).
The runtime (:mod:`engine.live.run`, :mod:`engine.live.worker`) steps a task and publishes
:class:`Snapshot` objects; it knows no family.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

_versions = itertools.count(1)
_run_ids = itertools.count(1)


def next_run_id() -> int:
    """A new run id, unique in this process (the pages' caches key on it)."""
    return next(_run_ids)


def next_version() -> int:
    """A new frame version, unique in this process (a snapshot's run id tells processes apart)."""
    return next(_versions)


@dataclass(frozen=True, kw_only=True)
class Frame:
    """Base of every family's live visuals: immutable arrays plus the ``version`` they were made at.
    Each family defines its frames in its ``task.py`` (e.g. :class:`engine.flows.task.FlowFrame2D`)."""

    version: int = field(default_factory=next_version)


class TrainingTask(Protocol):
    """What the live trainer drives. Implemented per model family (flows, GANs, ...)."""

    def train_step(self, part: str | None = None) -> float | tuple[float, ...]:
        """One optimisation step; returns the training loss, or one value per name in the
        task's optional ``loss_names`` attribute (e.g. a GAN's discriminator and generator
        losses). ``part`` is for tasks made of parts (a GAN: "discriminator" or "generator"
        steps only that part); the trainer passes it only when a page asks for it."""

    def metrics(self) -> dict[str, float]:
        """Held-out metrics (called about once a second)."""

    def visuals(self, which: str) -> Frame:
        """The live views' arrays as a :class:`Frame`, about twice a second. ``which`` is "fast" (the cheap views;
        the task reuses its last costly ones), "layers" (only the costly views, every few
        seconds, so that no single frame pays for both) or "all" (when the run stops)."""

    def divergence_advice(self) -> str:
        """One sentence on what to try when the loss turns NaN/inf."""

    def apply_live_settings(self, config: Any) -> None:
        """Apply the fields of ``config`` that may change while the model trains (its run config's
        ``LIVE_FIELDS``: learning rates, batch size, ...); any other change rebuilds the task."""

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to roll back (model and optimiser)."""

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    # Optional: ``finished``, a sentence once the task has nothing left to do (a race whose budget
    # is spent): the run then stops as at its step limit, with that message.


# Run states, as shown on the page.
IDLE = "idle"  # built, never trained
RUNNING = "running"
WAITING = "waiting"  # wants to run, but admission has no free slot yet (see engine.live.governor)
PAUSED = "paused"
FINISHED = "finished"  # reached max_steps
DIVERGED = "diverged"  # loss turned NaN/inf; rolled back and paused
STOPPED = "stopped"  # ended (session closed, or the process died)
LIVE_STATES = (RUNNING, WAITING)  # states in which a page keeps redrawing


@dataclass(frozen=True)
class Snapshot:
    """What a page draws: an immutable view of a run at one moment."""

    run_id: int
    step: int
    state: str
    message: str
    loss_steps: np.ndarray
    loss_values: np.ndarray  # (n, len(loss_names)): training losses, averaged into <= 400 bins
    metrics: dict[str, float]
    metric_history: tuple[tuple[int, dict[str, float]], ...]
    visuals: Frame | None
    visuals_step: int
    steps_per_second: float
    max_steps: int
    loss_names: tuple[str, ...] = ("loss",)
    sequence: int = 0  # the run's publication count: orders its snapshots wherever they were made
    created_at: float = field(default_factory=time.monotonic)  # for ages measured on one machine


@dataclass(frozen=True, kw_only=True)
class SideBySideFrame(Frame):
    """The frames of runs A and B of a :class:`SideBySideTask`."""

    a: Frame
    b: Frame


class SideBySideTask:
    """Two tasks trained in lockstep, for an A/B comparison on one trainer slot: every step
    steps both, so they always sit at the same step count. Losses, metrics and visuals are
    those of each task, named ``a/...`` and ``b/...`` (visuals: a :class:`SideBySideFrame`).

    Built from two picklable factories, so that it can itself be built in a child process.
    """

    SIDES = ("a", "b")

    def __init__(self, factory_a: Callable[[], TrainingTask], factory_b: Callable[[], TrainingTask]):
        self.tasks = {"a": factory_a(), "b": factory_b()}
        self.loss_names = tuple(
            f"{side}/{name}" for side, task in self.tasks.items() for name in getattr(task, "loss_names", ("loss",))
        )
        self._last_losses: dict[str, np.ndarray] = {}

    def train_step(self, part: str | None = None) -> tuple[float, ...]:
        for side, task in self.tasks.items():
            losses = task.train_step() if part is None else task.train_step(part)
            self._last_losses[side] = np.asarray(losses, dtype=np.float64).reshape(-1)
        return tuple(np.concatenate([self._last_losses[side] for side in self.SIDES]))

    def metrics(self) -> dict[str, float]:
        return {f"{side}/{key}": value for side, task in self.tasks.items() for key, value in task.metrics().items()}

    def visuals(self, which: str = "all") -> SideBySideFrame:
        return SideBySideFrame(**{side: task.visuals(which) for side, task in self.tasks.items()})

    def divergence_advice(self) -> str:
        broken = [side for side, losses in self._last_losses.items() if not np.isfinite(losses).all()] or list(
            self.SIDES
        )
        return " ".join(f"Run {side.upper()}: {self.tasks[side].divergence_advice()}" for side in broken)

    def state_dict(self) -> dict[str, Any]:
        return {side: task.state_dict() for side, task in self.tasks.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for side, task in self.tasks.items():
            task.load_state_dict(state[side])

    def apply_live_settings(self, configs) -> None:
        """Apply ``configs.a`` to run A and ``configs.b`` to run B (each task's own live knobs)."""
        for side, task in self.tasks.items():
            task.apply_live_settings(getattr(configs, side))

    def call_side(self, side: str, method: Callable, *args) -> Any:
        """``tasks[side].method(*args)`` for a method of the side's task class, e.g. a download of
        run B's model: ``call_side("b", GanTrainingTask.sample_csv)``."""
        return getattr(self.tasks[side], method.__name__)(*args)
