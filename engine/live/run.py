"""The live trainer: a background thread that steps a training task and publishes snapshots.

The trainer knows nothing about models (as in minGPT's trainer): it drives any object that
follows :class:`engine.live.task.TrainingTask`. It only steps and publishes: admission (which
runs may train at once) is the web server's business (:mod:`engine.live.admission`), and a page
talks to a proxy (:class:`engine.live.remote.RemoteLiveRun`) whose worker
(:class:`engine.live.worker.Worker`, in a child process or an actor) holds this LiveRun.

Cadences: scalars (loss, steps/s) are published every ``snapshot_every_s``; held-out metrics
every ``metrics_every_s``; visual frames every ``visuals_every_s``, the costly ones every
``layers_every_s`` in place of the cheap ones (all of them whenever the run stops). A loss that
turns NaN/inf rolls the model back to its last finite checkpoint and pauses the run with a
message saying what to try.

Over 250 lines because :class:`LiveRun` is one state machine (its commands, its stepping thread,
rollback and publishing share the same fields and locks): it reads top to bottom as one class.
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from engine.live.task import (
    DIVERGED,
    FINISHED,
    IDLE,
    PAUSED,
    RUNNING,
    STOPPED,
    Frame,
    Snapshot,
    TrainingTask,
    next_run_id,
)


def downsample_history(steps: np.ndarray, values: np.ndarray, max_points: int = 400):
    """Average consecutive losses (rows of ``values``) into at most ``max_points`` bins (the
    curve a chart needs)."""
    n = len(values)
    if n <= max_points:
        return steps.copy(), values.copy()
    edges = np.linspace(0, n, max_points + 1).astype(int)
    sums = np.add.reduceat(values, edges[:-1], axis=0)
    counts = np.diff(edges).reshape((-1,) + (1,) * (values.ndim - 1))
    return steps[edges[1:] - 1].copy(), sums / counts


FRAME_EVERY_S = 0.5  # how often live views are made, and how often a live page redraws
METRIC_HISTORY_SHOWN = 400  # the latest held-out metrics a snapshot carries (the chart's points)


class LiveRun:
    """A training task stepped by a background thread, controlled by commands.

    ``task_factory`` builds the task from scratch (model, optimiser, data, all seeded), so
    :meth:`reset` reproduces the run exactly. The thread is a daemon and exits on :meth:`stop`.
    """

    def __init__(
        self,
        task_factory: Callable[[], TrainingTask],
        max_steps: int = 20_000,
        snapshot_every_s: float = 0.2,
        metrics_every_s: float = 1.0,
        visuals_every_s: float = FRAME_EVERY_S,
        layers_every_s: float = 3.0,
        checkpoint_every_steps: int = 100,
        on_publish: Callable[[], None] | None = None,
    ):
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1; got {max_steps}.")
        self.run_id = next_run_id()
        self._task_factory = task_factory
        self.max_steps = max_steps
        self.snapshot_every_s = snapshot_every_s
        self.metrics_every_s = metrics_every_s
        self.visuals_every_s = visuals_every_s
        self.layers_every_s = layers_every_s
        self.checkpoint_every_steps = checkpoint_every_steps
        self._on_publish = on_publish  # called after each new snapshot (e.g. to wake a sender)

        self._model_lock = threading.RLock()  # held while the task is stepped or read
        self._wake = threading.Condition()
        self._want_running = False
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._snapshot: Snapshot | None = None
        self._published = 0  # snapshots published so far (their ``sequence``)
        self._build_task()

    # ----- commands (called from the page's thread) -----

    def train(self) -> None:
        """Start or resume training."""
        if self._state in (FINISHED, STOPPED):
            return
        with self._model_lock:  # publish RUNNING now, so the page that asked sees it at once
            self._state, self._message = RUNNING, ""
            self._publish()
        with self._wake:
            self._want_running = True
            self._wake.notify_all()
        self._ensure_thread()

    def pause(self) -> None:
        with self._wake:
            self._want_running = False
            self._wake.notify_all()
        with self._model_lock:
            if self._state == RUNNING:
                self._state = PAUSED
                self._publish(with_metrics=True, with_visuals=True)

    def step(self, n: int = 1, part: str | None = None) -> None:
        """Run exactly ``n`` optimisation steps now (on the caller's thread), then publish.
        ``part`` steps only that part of the task (see :meth:`TrainingTask.train_step`)."""
        self.pause()
        with self._model_lock:
            for _ in range(n):
                if not self._do_step(part):
                    break
            if self._state not in (DIVERGED, FINISHED):
                self._state = PAUSED
            self._publish(with_metrics=True, with_visuals=True)

    def reset(self) -> None:
        """Rebuild the task from its factory: back to step 0, same seed, same result."""
        self.pause()
        with self._model_lock:
            self._build_task()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread (called when the session closes)."""
        with self._wake:
            self._stop_requested = True
            self._want_running = False
            self._wake.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        with self._model_lock:
            self._state = STOPPED
            self._publish()

    def apply_live_settings(self, config) -> None:
        """Apply the live knobs of ``config`` (learning rates, batch size, ...) to the running task."""
        with self._model_lock:
            self.task.apply_live_settings(config)

    def export_state(self) -> dict[str, Any]:
        """Everything the run is (the task's state, its step, its histories) as plain data, for
        :meth:`restore` in another process: a paused run parked without its process. Pauses first."""
        self.pause()
        with self._model_lock:
            return {
                "task": copy.deepcopy(self.task.state_dict()),
                "step_count": self.step_count,
                "losses": self._losses[: self.step_count].copy(),
                "metric_history": list(self._metric_history),
                "metrics": dict(self._metrics),
                "checkpoint": copy.deepcopy(self._checkpoint),
                "state": self._state,
                "message": self._message,
            }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`export_state` of a run of the same task factory."""
        self.pause()
        with self._model_lock:
            self.task.load_state_dict(copy.deepcopy(state["task"]))
            self.step_count = state["step_count"]
            self._losses[: self.step_count] = state["losses"]
            self._metric_history = list(state["metric_history"])
            self._metrics = dict(state["metrics"])
            self._checkpoint = copy.deepcopy(state["checkpoint"])
            self._state, self._message = state["state"], state["message"]
            self._publish(with_visuals=True)

    def apply(self, fn: Callable[[TrainingTask], Any]) -> Any:
        """Call ``fn(task)`` while the thread is held off (live knobs, exports)."""
        with self._model_lock:
            return fn(self.task)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot  # replaced atomically by the thread

    # ----- internals -----

    def _build_task(self) -> None:
        self.task = self._task_factory()
        self.step_count = 0
        self.loss_names = tuple(getattr(self.task, "loss_names", ("loss",)))
        self._losses = np.empty((self.max_steps, len(self.loss_names)), dtype=np.float64)
        self._metric_history: list[tuple[int, dict[str, float]]] = []
        self._metrics: dict[str, float] = {}
        self._visuals: Frame | None = None
        self._visuals_step = 0
        self._state = IDLE
        self._message = ""
        self._steps_per_second = 0.0
        self._checkpoint = (0, copy.deepcopy(self.task.state_dict()))
        self._publish(with_metrics=True, with_visuals=True)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop_requested = False
            self._thread = threading.Thread(target=self._loop, name=f"LiveRun-{self.run_id}", daemon=True)
            self._thread.start()

    def _do_step(self, part: str | None = None) -> bool:
        """One step under the model lock; False when the run cannot go on."""
        if self.step_count >= self.max_steps:
            self._state = FINISHED
            self._message = f"Reached the step limit ({self.max_steps:,}); press Reset to start again."
            return False
        if finished := getattr(self.task, "finished", ""):  # a task that ends by itself (a race's budget)
            self._state, self._message = FINISHED, finished
            return False
        try:
            losses = self.task.train_step() if part is None else self.task.train_step(part)
        except Exception as error:  # noqa: BLE001 - a failing step must not leave a dead thread marked "running"
            return self._roll_back(f"Training failed at step {self.step_count + 1:,} ({error})")
        losses = np.asarray(losses, dtype=np.float64).reshape(-1)
        if not np.isfinite(losses).all():
            name, value = next((n, v) for n, v in zip(self.loss_names, losses, strict=True) if not math.isfinite(v))
            return self._roll_back(f"The {name} became {value} at step {self.step_count + 1:,}")
        self._losses[self.step_count] = losses
        self.step_count += 1
        if self.step_count % self.checkpoint_every_steps == 0:
            self._checkpoint = (self.step_count, copy.deepcopy(self.task.state_dict()))
        return True

    def _roll_back(self, what_happened: str) -> bool:
        """Restore the last finite checkpoint and pause with a message saying what to try."""
        good_step, good_state = self._checkpoint
        self.task.load_state_dict(copy.deepcopy(good_state))
        self._losses_valid_until(good_step)
        self._state = DIVERGED
        self._message = (
            f"{what_happened}; the model was rolled back to step {good_step:,} and paused. "
            f"{self.task.divergence_advice()}"
        )
        return False

    def _losses_valid_until(self, step: int) -> None:
        self.step_count = step
        self._metric_history = [(s, m) for s, m in self._metric_history if s <= step]

    def _loop(self) -> None:
        torch.set_num_threads(int(os.environ.get("GP_TORCH_THREADS", "1")))
        # The views of the current step were published when the run was built or paused, so
        # the first snapshot after (re)starting carries only scalars: it reaches the page sooner.
        last_snapshot = 0.0
        last_metrics = last_visuals = last_layers = rate_time = time.monotonic()
        rate_step = self.step_count
        while True:
            with self._wake:
                if not (self._want_running or self._stop_requested):
                    while not (self._want_running or self._stop_requested):
                        self._wake.wait()
                    last_metrics = last_visuals = last_layers = rate_time = time.monotonic()  # resumed
                    rate_step = self.step_count
                if self._stop_requested:
                    return
            with self._model_lock:
                if not self._want_running:  # paused while we waited for the lock
                    continue
                if not self._do_step():
                    self._want_running = False
                    self._publish(with_metrics=True, with_visuals=True)
                    continue
                now = time.monotonic()
                if now - last_snapshot < self.snapshot_every_s:
                    continue
                if now - rate_time > 0.5:
                    self._steps_per_second = (self.step_count - rate_step) / (now - rate_time)
                    rate_step, rate_time = self.step_count, now
                with_metrics = now - last_metrics >= self.metrics_every_s
                with_visuals = now - last_visuals >= self.visuals_every_s
                layers = with_visuals and now - last_layers >= self.layers_every_s
                self._publish(with_metrics, with_visuals, "layers" if layers else "fast")
                last_snapshot = time.monotonic()
                last_metrics = last_snapshot if with_metrics else last_metrics
                last_visuals = last_snapshot if with_visuals else last_visuals
                last_layers = last_snapshot if layers else last_layers

    def _publish(self, with_metrics: bool = False, with_visuals: bool = False, which: str = "all") -> None:
        """Build a new immutable snapshot (call with the model lock held)."""
        if with_metrics:
            self._metrics = dict(self.task.metrics())
            if self._metric_history and self._metric_history[-1][0] == self.step_count:
                self._metric_history[-1] = (self.step_count, self._metrics)
            else:
                self._metric_history.append((self.step_count, self._metrics))
        if with_visuals:
            self._visuals = self.task.visuals(which)
            self._visuals_step = self.step_count
        steps = np.arange(1, self.step_count + 1)
        loss_steps, loss_values = downsample_history(steps, self._losses[: self.step_count])
        self._published += 1
        self._snapshot = Snapshot(
            run_id=self.run_id,
            step=self.step_count,
            state=self._state,
            message=self._message,
            loss_steps=loss_steps,
            loss_values=loss_values,
            metrics=self._metrics,
            metric_history=tuple(self._metric_history[-METRIC_HISTORY_SHOWN:]),
            visuals=self._visuals,
            visuals_step=self._visuals_step,
            steps_per_second=self._steps_per_second,
            max_steps=self.max_steps,
            loss_names=self.loss_names,
            sequence=self._published,
        )
        if self._on_publish is not None:
            self._on_publish()


def first_snapshot(task_factory: Callable[[], TrainingTask], max_steps: int = 20_000) -> Snapshot:
    """The step-0 snapshot of a run (the task built, its metrics and views), made in this process
    without a thread: what a page shows before Train, shared by every view of the same config."""
    return LiveRun(task_factory, max_steps=max_steps).snapshot
