"""The live trainer's lifecycle: start, pause, step, reset, stop, divergence; the governor's queue."""

import dataclasses
import threading
import time

import numpy as np
import pytest
import torch

from engine import live
from tests.waiting import wait_for


@dataclasses.dataclass(frozen=True, kw_only=True)
class WeightFrame(live.Frame):
    w: np.ndarray


class QuadraticTask:
    """Gradient descent on (w - 3)^2; optionally returns NaN at a given step."""

    def __init__(self, nan_at_step=None, step_delay=0.0):
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.optimizer = torch.optim.SGD([self.w], lr=0.01)
        self.steps = 0
        self.nan_at_step = nan_at_step
        self.step_delay = step_delay

    def train_step(self):
        self.steps += 1
        if self.step_delay:
            time.sleep(self.step_delay)
        loss = (self.w - 3) ** 2
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.nan_at_step is not None and self.steps >= self.nan_at_step:
            with torch.no_grad():
                self.w.fill_(float("nan"))
            return float("nan")
        return loss.item()

    def metrics(self):
        return {"w": float(self.w.detach())}

    def visuals(self, which):
        return WeightFrame(w=np.array([float(self.w.detach())]))

    def divergence_advice(self):
        return "Try a lower learning rate."

    def state_dict(self):
        return {"w": self.w.detach().clone()}

    def load_state_dict(self, state):
        with torch.no_grad():
            self.w.copy_(state["w"])


def test_train_pause_resume_and_stop_leave_no_thread():
    run = live.LiveRun(QuadraticTask, max_steps=100_000, snapshot_every_s=0.01)
    assert run.snapshot.state == live.IDLE and run.snapshot.step == 0
    run.train()
    assert wait_for(lambda: run.snapshot.step > 50 and run.snapshot.state == live.RUNNING)
    run.pause()
    paused_at = run.snapshot.step
    assert run.snapshot.state == live.PAUSED
    time.sleep(0.1)
    assert run.step_count == paused_at, "no steps while paused"
    run.train()
    assert wait_for(lambda: run.snapshot.step > paused_at + 50)
    thread = run._thread
    run.stop()
    assert not thread.is_alive()
    assert run.snapshot.state == live.STOPPED
    assert not any(t.name.startswith(f"LiveRun-{run.run_id}") for t in threading.enumerate())


def test_single_steps_are_exact_and_loss_falls():
    run = live.LiveRun(QuadraticTask)
    run.step()
    assert run.snapshot.step == 1 and run.snapshot.state == live.PAUSED
    run.step(9)
    snapshot = run.snapshot
    assert snapshot.step == 10
    assert snapshot.loss_values.shape == (10, 1)
    assert snapshot.loss_values[-1, 0] < snapshot.loss_values[0, 0]
    assert snapshot.metrics["w"] > 0 and snapshot.visuals_step == 10
    run.stop()


def test_reset_reproduces_the_run():
    run = live.LiveRun(QuadraticTask)
    run.step(25)
    first = run.snapshot.metrics["w"]
    run.reset()
    assert run.snapshot.step == 0 and run.snapshot.state == live.IDLE
    run.step(25)
    assert run.snapshot.metrics["w"] == first
    run.stop()


def test_run_finishes_at_max_steps():
    run = live.LiveRun(QuadraticTask, max_steps=200)
    run.train()
    assert wait_for(lambda: run.snapshot.state == live.FINISHED)
    assert run.snapshot.step == 200
    run.stop()


def test_nan_loss_rolls_back_and_pauses():
    run = live.LiveRun(lambda: QuadraticTask(nan_at_step=250), checkpoint_every_steps=100)
    run.train()
    assert wait_for(lambda: run.snapshot.state == live.DIVERGED)
    snapshot = run.snapshot
    assert snapshot.step == 200, "rolled back to the last checkpoint"
    assert np.isfinite(snapshot.metrics["w"])
    assert "nan" in snapshot.message.lower() and "learning rate" in snapshot.message
    run.stop()


def test_governor_is_first_come_first_served():
    governor = live.Governor(max_active=1)
    assert governor.try_acquire(1) and governor.try_acquire(1), "an owner keeps its slot"
    assert not governor.try_acquire(2) and not governor.try_acquire(3)
    assert governor.queue_position(2) == 1 and governor.queue_position(3) == 2
    assert "number 2 in line" in governor.waiting_message(3)
    governor.release(1)
    assert not governor.try_acquire(3), "the run that waited longer goes first"
    assert governor.try_acquire(2) and governor.queue_position(2) == 0
    governor.release(3)  # gave up waiting
    assert governor.queue_position(3) == 0 and governor.active_count == 1
    governor.release(2)
    assert governor.active_count == 0
    with pytest.raises(ValueError, match="at least 1"):
        live.Governor(max_active=0)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_governor_takes_turns_in_slices_that_shrink_as_the_line_grows():
    clock = FakeClock()
    governor = live.Governor(max_active=2, max_waiting=10, clock=clock)
    assert governor.try_acquire(1) and governor.try_acquire(2)
    assert not governor.should_yield(1), "nobody waits: no need to yield"
    assert not governor.try_acquire(3)
    assert governor.training_or_waiting_count == 3, "the pages that redraw live"
    assert governor.slice_s() == pytest.approx(live.governor.MAX_SLICE_S)  # 3 runs on 2 slots: a turn of 15 s allows 10
    clock.now = 9.9
    assert not governor.should_yield(1)
    clock.now = 10.0
    assert governor.should_yield(1) and governor.should_yield(2)
    governor.yield_slot(1)
    assert governor.queue_position(1) == 2, "a run that yields goes to the back of the line"
    assert governor.try_acquire(3) and not governor.try_acquire(1)
    for owner in range(4, 11):
        assert not governor.try_acquire(owner)
    # 10 runs on 2 slots: a turn of 15 s gives each a 3-s slice
    assert governor.slice_s() == pytest.approx(3.0)
    crowd = live.Governor(max_active=2, max_waiting=100, clock=clock)
    for owner in range(40):
        crowd.try_acquire(owner)
    assert crowd.slice_s() == pytest.approx(live.governor.MIN_SLICE_S), "never below the cost of switching"


def test_the_run_that_trained_least_goes_first_and_training_alone_is_free():
    clock = FakeClock()
    governor = live.Governor(max_active=1, max_waiting=10, clock=clock)
    assert governor.try_acquire(1)  # trains alone for 30 s: that costs it nothing
    clock.now = 30.0
    assert not governor.try_acquire(2)  # the line forms: from now on 1's slice counts
    clock.now = 40.0
    assert not governor.try_acquire(3)
    governor.yield_slot(1)  # 10 s trained while others waited
    assert [governor.queue_position(owner) for owner in (1, 2, 3)] == [3, 1, 2], "least trained, then arrival"
    assert governor.try_acquire(2)
    clock.now = 41.0
    governor.yield_slot(2)  # 1 s
    assert [governor.queue_position(owner) for owner in (1, 2, 3)] == [3, 2, 1]
    assert governor.try_acquire(3)
    governor.release(3)  # paused by its user: its trained time is kept
    clock.now = 50.0
    assert governor.try_acquire(2), "2 trained 1 s, 1 trained 10 s"
    governor.forget(1)
    assert governor.queue_position(1) == 0 and governor.waiting_count == 0


def test_governor_estimates_the_wait_and_refuses_a_full_line():
    clock = FakeClock()
    governor = live.Governor(max_active=2, max_waiting=3, clock=clock)
    governor.try_acquire(1)
    clock.now = 1.0
    governor.try_acquire(2)
    for owner in (3, 4, 5):
        assert not governor.try_acquire(owner)
    slice_s = governor.slice_s()  # 5 runs on 2 slots: 6 s
    assert slice_s == pytest.approx(6.0)
    clock.now = 2.0  # both slices count from t = 1, when the line formed: 5 s left each
    assert governor.estimated_wait_s(3) == pytest.approx(5.0)
    assert governor.estimated_wait_s(4) == pytest.approx(5.0)
    assert governor.estimated_wait_s(5) == pytest.approx(5.0 + slice_s), "a round of slices later"
    assert "number 3 in line" in governor.waiting_message(5) and "about 11 s" in governor.waiting_message(5)
    with pytest.raises(live.QueueFull, match="machine is full"):
        governor.try_acquire(6)
    assert governor.queue_position(6) == 0
    governor.release(3)
    assert not governor.try_acquire(6), "room in line again: it waits"


class TwoPartTask(QuadraticTask):
    """A task made of two parts with one loss each, like a GAN's discriminator and generator."""

    loss_names = ("first loss", "second loss")

    def __init__(self, nan_at_step=None):
        super().__init__(nan_at_step)
        self.parts_stepped = []

    def train_step(self, part=None):
        self.parts_stepped.append(part)
        loss = super().train_step()
        return loss, 2 * loss


def test_tasks_with_several_losses_and_parts():
    run = live.LiveRun(TwoPartTask)
    run.step(3)
    run.step(2, part="second")
    snapshot = run.snapshot
    assert snapshot.loss_names == ("first loss", "second loss")
    assert snapshot.loss_values.shape == (5, 2)
    np.testing.assert_allclose(snapshot.loss_values[:, 1], 2 * snapshot.loss_values[:, 0])
    assert run.task.parts_stepped == [None, None, None, "second", "second"]
    run.stop()


def test_side_by_side_steps_both_and_rolls_back_both():
    run = live.LiveRun(
        lambda: live.SideBySideTask(TwoPartTask, lambda: TwoPartTask(nan_at_step=150)),
        checkpoint_every_steps=100,
    )
    run.step(120)
    snapshot = run.snapshot
    assert snapshot.loss_names == ("a/first loss", "a/second loss", "b/first loss", "b/second loss")
    assert set(snapshot.metrics) == {"a/w", "b/w"} and snapshot.metrics["a/w"] == snapshot.metrics["b/w"]
    assert isinstance(snapshot.visuals, live.SideBySideFrame) and snapshot.visuals.a.w == snapshot.visuals.b.w
    run.step(100)
    snapshot = run.snapshot
    assert snapshot.state == live.DIVERGED and snapshot.step == 100
    assert "Run B:" in snapshot.message and "Run A:" not in snapshot.message
    assert run.task.call_side("a", TwoPartTask.metrics)["w"] == pytest.approx(
        run.task.call_side("b", TwoPartTask.metrics)["w"]
    )
    run.stop()


class FailingTask(QuadraticTask):
    def train_step(self, part=None):
        if self.steps >= 3:
            raise RuntimeError("momentum_buffer missing")
        return super().train_step()


def test_a_step_that_raises_pauses_the_run_with_a_message():
    run = live.LiveRun(FailingTask)
    run.train()
    wait_for(lambda: run.snapshot.state == live.DIVERGED)
    snapshot = run.snapshot
    assert "momentum_buffer missing" in snapshot.message and "rolled back to step 0" in snapshot.message
    run.train()  # still answers commands: the thread did not die
    wait_for(lambda: run.snapshot.state == live.DIVERGED)
    run.stop()


def test_downsample_history_keeps_means():
    steps = np.arange(1, 1001)
    values = np.arange(1000, dtype=float)
    short_steps, short_values = live.downsample_history(steps, values, max_points=10)
    assert len(short_values) == 10
    assert short_values[0] == pytest.approx(np.mean(values[:100]))
    assert short_steps[-1] == 1000
    _, two_columns = live.downsample_history(steps, np.stack([values, -values], 1), max_points=10)
    np.testing.assert_allclose(two_columns[:, 1], -short_values)


def test_bad_max_steps_is_refused():
    with pytest.raises(ValueError, match="max_steps"):
        live.LiveRun(QuadraticTask, max_steps=0)


def test_an_adopted_owner_counts_as_training_even_beyond_the_slots():
    governor = live.Governor(max_active=1, max_waiting=5)
    assert governor.try_acquire(1) and not governor.try_acquire(2)
    governor.adopt(2)  # a restarted shared queue told that run 2 holds a slot
    assert governor.capacity() == live.Capacity(slots=1, active=2, waiting=0)
    governor.release(1)
    governor.release(2)
    assert governor.try_acquire(3)


def test_a_worker_carries_out_commands_and_sends_visuals_only_when_their_version_changed():
    """The worker end that a child process and a Ray actor share (engine/live/worker.py)."""
    worker = live.Worker(QuadraticTask, max_steps=1_000)
    ok, value, snapshot = worker.handle(live.Command.STEP, (3, None))
    assert ok and value is None and snapshot.step == 3
    ok, value, _ = worker.handle(live.Command.CALL_TASK, ("metrics", ()))
    assert ok and value == {"w": pytest.approx(float(worker.run.task.w.detach()))}
    ok, value, _ = worker.handle(live.Command.STEP, ("three",))
    assert not ok and isinstance(value, TypeError), "a failing command comes back as its exception, to raise"
    newest = worker.snapshot
    version = newest.visuals.version
    assert worker.newer_snapshot(newest.sequence - 1, None, 1.0).visuals is newest.visuals
    assert worker.newer_snapshot(newest.sequence - 1, version, 1.0).visuals is None, "the proxy has them"
    assert worker.newer_snapshot(newest.sequence, version, 0.01) is None, "nothing newer"
    got = []
    waiting = threading.Thread(target=lambda: got.append(worker.newer_snapshot(10**9, version, 60.0)))
    waiting.start()
    ok, _, snapshot = worker.handle(live.Command.STOP, ())
    assert ok and snapshot.state == live.STOPPED and worker.closed
    waiting.join(10)
    assert not waiting.is_alive() and got == [None], "a closed worker wakes whoever waits"


def test_the_commands_are_one_typed_set_and_both_admissions_follow_one_interface():
    assert live.Command("export_state") is live.Command.EXPORT_STATE
    assert {command for command in live.Command if command.stops_training} == {
        live.Command.PAUSE,
        live.Command.STEP,
        live.Command.RESET,
        live.Command.EXPORT_STATE,
        live.Command.STOP,
    }
    assert isinstance(live.Governor(max_active=1), live.Admission)
    shared_queue = pytest.importorskip("engine.live.shared_queue")  # needs Ray
    assert issubclass(shared_queue.SharedGovernor, live.Admission)
