"""A run in a child process: the same commands, the governor in the parent, nothing left behind."""

import functools
import time

import numpy as np
import pytest

from engine import live
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.live.process import ProcessLiveRun
from engine.live.remote import TrainerGone
from engine.targets import make_target
from tests.waiting import wait_for


def small_task(seed=0, max_steps=100_000):
    config = FlowRunConfig(target="ring8", flow_type="nice", n_layers=2, hidden=16, seed=seed)
    return functools.partial(FlowTrainingTask, config, make_target("ring8"))


def test_commands_reach_the_child_and_stop_ends_it():
    governor = live.Governor(max_active=2)
    run = ProcessLiveRun(small_task(), governor=governor)
    try:
        assert run.snapshot.state == live.IDLE and run.snapshot.step == 0
        run.step()
        assert run.snapshot.step == 1, "a step is visible as soon as the call returns"
        run.train()
        assert run.snapshot.state == live.RUNNING, "running is visible at once"
        assert wait_for(lambda: run.snapshot.step > 30)
        run.pause()
        paused = run.snapshot.step
        time.sleep(0.3)
        assert run.snapshot.step == paused and run.snapshot.state == live.PAUSED
        assert run.call(FlowTrainingTask.model_zip)[:2] == b"PK"
        with pytest.raises(TypeError, match="method of the task's class"):
            run.call("model_zip")  # by name: refused, so a typo cannot reach the child
        run.reset()
        assert run.snapshot.step == 0
    finally:
        run.stop()
    assert not run.is_alive
    assert run.snapshot.state == live.STOPPED
    assert governor.active_count == 0


def test_governor_in_the_parent_makes_the_second_run_wait():
    governor = live.Governor(max_active=1)
    first, second = ProcessLiveRun(small_task(1), governor=governor), ProcessLiveRun(small_task(2), governor=governor)
    try:
        first.train()
        second.train()
        assert second.snapshot.state == live.WAITING
        assert "number 1 in line" in second.snapshot.message
        time.sleep(0.3)
        assert second.snapshot.step == 0
        first.pause()
        assert wait_for(lambda: second.snapshot.state == live.RUNNING and second.snapshot.step > 0)
    finally:
        first.stop()
        second.stop()
    assert governor.active_count == 0


def test_runs_on_one_slot_take_turns_and_each_keeps_its_state():
    governor = live.Governor(max_active=1, turn_s=1.0, min_slice_s=0.5)
    first, second = ProcessLiveRun(small_task(1), governor=governor), ProcessLiveRun(small_task(2), governor=governor)
    try:
        first.train()
        second.train()
        assert wait_for(lambda: first.snapshot.state == live.WAITING and first.snapshot.step > 0, timeout=10)
        assert "in line" in first.snapshot.message and "resume in about" in first.snapshot.message
        yielded_at = first.snapshot.step
        assert wait_for(lambda: second.snapshot.step > 0, timeout=10), "the waiting run got its turn"
        assert wait_for(lambda: first.snapshot.step > yielded_at, timeout=10), "and the first one resumed where it was"
        assert governor.active_count == 1
    finally:
        first.stop()
        second.stop()
    assert governor.active_count == 0 and governor.waiting_count == 0


def test_a_full_line_says_so_and_does_not_train():
    governor = live.Governor(max_active=1, max_waiting=0)
    first, second = ProcessLiveRun(small_task(1), governor=governor), ProcessLiveRun(small_task(2), governor=governor)
    try:
        first.train()
        second.train()
        assert second.snapshot.state == live.IDLE and "machine is full" in second.snapshot.message
        time.sleep(0.3)
        assert second.snapshot.step == 0 and governor.waiting_count == 0
    finally:
        first.stop()
        second.stop()


def test_a_run_that_finishes_frees_its_slot():
    governor = live.Governor(max_active=1)
    run = ProcessLiveRun(small_task(), max_steps=200, governor=governor)
    try:
        run.train()
        assert wait_for(lambda: run.snapshot.state == live.FINISHED)
        assert run.snapshot.step == 200
        assert wait_for(lambda: governor.active_count == 0), "a finished run frees its slot"
    finally:
        run.stop()


def test_a_task_that_cannot_be_built_raises_in_the_parent():
    def broken():
        raise ValueError("no such model")

    with pytest.raises(Exception):  # noqa: B017 - a local function cannot even be pickled
        ProcessLiveRun(broken)
    config = FlowRunConfig(target="ring8")
    with pytest.raises(ValueError, match="1-D"):
        ProcessLiveRun(functools.partial(FlowTrainingTask, config, make_target("bimodal_1d")))


def test_a_child_that_dies_frees_its_slot_and_says_so():
    governor = live.Governor(max_active=1)
    run = ProcessLiveRun(small_task(), governor=governor)
    try:
        run.train()
        assert wait_for(lambda: run.snapshot.step > 5)
        run._process.kill()
        assert wait_for(lambda: not run.is_alive)
        assert run.snapshot.state == live.STOPPED and "stopped unexpectedly" in run.snapshot.message
        assert wait_for(lambda: governor.active_count == 0), "the dead run's slot is free again"
        with pytest.raises(TrainerGone):
            run.step()
    finally:
        run.stop()


def test_an_on_demand_run_starts_its_process_at_the_first_step_only():
    factory = small_task()
    first = live.first_snapshot(factory)
    run = live.OnDemandRun(factory, first, backend=live.ProcessBackend(live.Governor(max_active=1)))
    try:
        assert not run.started and run.snapshot is first and run.is_alive
        run.pause()
        run.reset()
        assert not run.started, "pause and reset of a run that never trained start nothing"
        run.step()
        assert run.started and run.snapshot.step == 1
        assert run.snapshot.metrics["nll"] != first.metrics["nll"]
    finally:
        run.stop()
    assert not run.is_alive and run.snapshot.state == live.STOPPED
    with pytest.raises(TrainerGone):
        run.train()


def test_a_parked_run_frees_its_process_and_goes_on_exactly_as_if_never_parked():
    factory = small_task(seed=4)
    parked = live.OnDemandRun(
        factory, live.first_snapshot(factory), backend=live.ProcessBackend(live.Governor(max_active=2))
    )
    straight = live.OnDemandRun(
        factory, live.first_snapshot(factory), backend=live.ProcessBackend(live.Governor(max_active=2))
    )
    try:
        parked.step(30)
        process = parked._run._process
        assert parked.park() and parked.parked and not process.is_alive(), "parking ends the trainer process"
        assert parked.snapshot.step == 30 and parked.is_alive
        parked.step(30)
        straight.step(60)
        assert parked.snapshot.step == straight.snapshot.step == 60
        assert parked.snapshot.metrics["nll"] == straight.snapshot.metrics["nll"]
        np.testing.assert_array_equal(parked.snapshot.loss_values, straight.snapshot.loss_values)
        parked.train()
        assert wait_for(lambda: parked.snapshot.step > 60)
        assert not parked.park(), "a training run is not parked"
    finally:
        parked.stop()
        straight.stop()
