"""The trainer backends' contract: whatever a run trains on, it answers the same commands the same
way (engine/live/backends.py). Each test runs against every backend in BACKEND_NAMES."""

import functools
import os
import signal

import numpy as np
import pytest

from engine import live
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.gans.task import GanRunConfig, GanTrainingTask
from engine.live.backends import BACKENDS, ProcessBackend, backend_from_env
from engine.targets import make_target
from tests.unit.test_live import QuadraticTask
from tests.waiting import wait_for

BACKEND_NAMES = ["process", "ray"]


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster for the whole test session, as on Kubernetes: a head that trains
    nothing (0 CPUs) and two worker nodes of 1 CPU each; small object stores, no dashboard."""
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    node_args = {"object_store_memory": 80 * 2**20}
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, **node_args})
    for _ in range(2):
        cluster.add_node(num_cpus=1, **node_args)
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def kill_worker(run) -> None:
    """What a crashed worker looks like to the backend: a killed process, a killed actor."""
    if hasattr(run, "_process"):
        os.kill(run._process.pid, signal.SIGKILL)
    else:
        import ray

        ray.kill(run._actor)


@pytest.fixture(scope="session")
def ray_backend(ray_cluster):
    """One Ray backend for the contract tests, as a web server keeps one: its warm actors host one
    test's runs after another's."""
    from engine.live.ray_backend import RayBackend

    backend = RayBackend(preload=("engine.flows.task", "engine.gans.task", "tests.unit.test_live"))  # what they train
    yield backend
    backend.close()  # no warm actors left idle for the rest of the session


@pytest.fixture(params=BACKEND_NAMES)
def backend(request):
    if request.param == "ray":
        backend = request.getfixturevalue("ray_backend")
        backend.governor = live.Governor(max_active=2)  # two slots, as the cluster's two CPUs; none held
        yield backend
    else:
        backend = ProcessBackend(live.Governor(max_active=2))
        yield backend
        backend.close()


def flow_task(seed=0, **overrides):
    config = FlowRunConfig(target="ring8", flow_type="nice", n_layers=2, hidden=16, seed=seed, **overrides)
    return functools.partial(FlowTrainingTask, config, make_target("ring8"))


def test_a_run_trains_pauses_resets_exports_and_stops(backend):
    run = backend.start(flow_task(), max_steps=100_000)
    try:
        assert isinstance(run, live.TrainerRun)
        assert run.snapshot.state == live.IDLE and run.snapshot.step == 0
        run.step(3)
        assert run.snapshot.step == 3
        run.train()
        assert wait_for(lambda: run.snapshot.step > 30)
        assert backend.capacity().active == 1
        run.pause()
        paused = run.snapshot.step
        assert run.snapshot.state == live.PAUSED and not wait_for(lambda: run.snapshot.step != paused, timeout=0.3)
        assert backend.capacity().active == 0, "a paused run holds no slot"
        assert run.call(FlowTrainingTask.model_zip)[:2] == b"PK"
        run.reset()
        assert run.snapshot.step == 0
    finally:
        run.stop()
    assert not run.is_alive and run.snapshot.state == live.STOPPED


def test_steps_by_part_reach_the_task(backend):
    factory = functools.partial(GanTrainingTask, GanRunConfig(target="ring8", seed=1), make_target("ring8"))
    run = backend.start(factory)
    try:
        run.step(1, "discriminator")
        run.step(2, "generator")
        assert run.snapshot.step == 3
        run.step(1, "critic")  # refused by the task: the run says so, rolled back and paused
        assert run.snapshot.state == live.DIVERGED and run.snapshot.step <= 3
        assert "Unknown part 'critic'" in run.snapshot.message and "rolled back" in run.snapshot.message
    finally:
        run.stop()


def test_the_same_config_and_seed_give_the_same_run_and_live_settings_change_it(backend):
    runs = [backend.start(flow_task(seed=4)) for _ in range(3)]
    try:
        runs[2].apply_live_settings(
            FlowRunConfig(target="ring8", flow_type="nice", n_layers=2, hidden=16, seed=4, learning_rate=0.05)
        )
        for run in runs:
            run.step(40)
        losses = [run.snapshot.loss_values for run in runs]
        assert len(losses[0]) > 0 and np.array_equal(losses[0], losses[1]), "reproducible from (config, seed)"
        assert not np.array_equal(losses[0], losses[2]), "a new learning rate reaches the running task"
    finally:
        for run in runs:
            run.stop()


def test_a_nan_rolls_back_and_says_so(backend):
    run = backend.start(functools.partial(QuadraticTask, nan_at_step=250))
    try:
        run.train()
        assert wait_for(lambda: run.snapshot.state == live.DIVERGED, timeout=30)
        assert run.snapshot.step < 250 and np.isfinite(run.snapshot.metrics["w"])
        assert "nan" in run.snapshot.message.lower()
    finally:
        run.stop()


def test_a_killed_worker_becomes_the_message_and_frees_its_slot(backend):
    run = backend.start(flow_task())
    try:
        run.train()
        assert wait_for(lambda: run.snapshot.step > 5)
        kill_worker(run)
        assert wait_for(lambda: not run.is_alive, timeout=15)
        assert "stopped unexpectedly" in run.snapshot.message
        assert wait_for(lambda: backend.capacity().active == 0)
        with pytest.raises(live.TrainerGone):
            run.step()
    finally:
        run.stop()


def test_a_parked_run_restarts_from_its_exported_state(backend):
    run = backend.start(flow_task(seed=2))
    run.step(25)
    state = run.export_state()
    expected = backend.start(flow_task(seed=2))
    try:
        run.stop()
        restored = backend.start(flow_task(seed=2), restore_state=state)
        restored.step(10)
        expected.step(35)
        assert restored.snapshot.step == 35
        assert np.array_equal(restored.snapshot.loss_values[-1], expected.snapshot.loss_values[-1])
        restored.stop()
    finally:
        expected.stop()


def test_the_backend_is_chosen_by_configuration():
    assert isinstance(backend_from_env({}), ProcessBackend)
    assert isinstance(backend_from_env({"GP_TRAINER_BACKEND": " Process "}), ProcessBackend)
    with pytest.raises(ValueError, match="choose one of: process, ray"):
        backend_from_env({"GP_TRAINER_BACKEND": "slurm"})
    assert set(BACKEND_NAMES) == set(BACKENDS), "the contract runs against every backend"


def test_ray_runs_spread_over_nodes_and_a_lost_node_stops_only_its_run(ray_cluster):
    from engine.live.ray_backend import RayBackend

    backend = RayBackend()
    assert backend.governor.max_active == 2, "a slot per CPU of the cluster (the head has none)"
    runs = [backend.start(flow_task(seed)) for seed in (1, 2)]
    try:
        nodes = [run.node_id for run in runs]
        assert len(set(nodes)) == 2, "the two runs train on different worker nodes"
        for run in runs:
            run.train()
        assert wait_for(lambda: all(run.snapshot.step > 5 for run in runs), timeout=30)
        lost = next(node for node in ray_cluster.worker_nodes if node.node_id == nodes[0])
        ray_cluster.remove_node(lost)
        assert wait_for(lambda: not runs[0].is_alive, timeout=60)
        assert "stopped unexpectedly" in runs[0].snapshot.message
        assert wait_for(lambda: backend.capacity().active == 1), "the lost run's slot is free, the other trains on"
        before = runs[1].snapshot.step
        assert wait_for(lambda: runs[1].snapshot.step > before + 5)
    finally:
        for run in runs:
            run.stop()
        backend.close()
        ray_cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)  # back to two workers
        ray_cluster.wait_for_nodes()


def test_a_run_after_another_has_stopped_starts_clean(backend):
    """A worker that hosted a run (the ray backend reuses warm actors) leaves nothing to the next."""
    results = []
    for seed in (5, 6, 5):
        run = backend.start(flow_task(seed=seed))
        try:
            run.step(15)
            results.append(run.snapshot.loss_values.copy())
        finally:
            run.stop()
    assert np.array_equal(results[0], results[2]) and not np.array_equal(results[0], results[1])


def test_a_warm_actor_that_died_meanwhile_is_replaced_at_start(ray_backend):
    """As when a node is lost with the actors waiting on it: the start takes another, not the error."""
    import ray

    assert wait_for(lambda: len(ray_backend.pool._idle) > 0)
    ray.kill(ray_backend.pool._idle[0])
    ray_backend.governor = live.Governor(max_active=2)
    run = ray_backend.start(flow_task())
    try:
        run.step(2)
        assert run.snapshot.step == 2
    finally:
        run.stop()


SECOND_FRONT_END = """
import sys, time
import ray
from engine.live.shared_queue import SharedGovernor
ray.init(address=sys.argv[1], log_to_driver=False, configure_logging=False)
queue = SharedGovernor(sys.argv[2], lease_s=2.0)
assert queue.try_acquire(1) and queue.try_acquire(2)
print("holding", queue.capacity().slots, flush=True)
time.sleep(600)
"""


def test_front_ends_share_one_queue_and_a_dead_front_end_gives_its_slots_back(ray_cluster, tmp_path, monkeypatch):
    """Two web servers (here: this process and a child) on one cluster see one line; a front end
    that dies without a word (SIGKILL) stops renewing its lease, and its slots go to the others."""
    import subprocess
    import sys
    import uuid

    import ray

    from engine.live.ray_backend import RayBackend
    from engine.live.shared_queue import NAMESPACE, SharedGovernor

    monkeypatch.setenv("GP_RAY_WARM_ACTORS", "0")  # an actor for the one run, none waiting warm
    name = f"test-queue-{uuid.uuid4().hex[:8]}"
    other = subprocess.Popen(
        [sys.executable, "-c", SECOND_FRONT_END, ray_cluster.address, name],
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "front_end.log", "w"),
        text=True,
    )
    queue = backend = run = None
    try:
        assert other.stdout.readline().split() == ["holding", "2"], (tmp_path / "front_end.log").read_text()[-2000:]
        queue = SharedGovernor(name, lease_s=2.0)
        assert queue.capacity() == live.Capacity(slots=2, active=2, waiting=0), "a slot per cluster CPU, both taken"
        backend = RayBackend(queue)
        run = backend.start(flow_task())
        run.train(first_step_timeout_s=0)
        assert run.snapshot.state == live.WAITING and "number 1 in line" in run.snapshot.message
        assert wait_for(lambda: queue.capacity().waiting == 1)
        shared = ray.get_actor(name, namespace=NAMESPACE)
        assert wait_for(lambda: ray.get(shared.requested_cpus.remote()) == 3, timeout=15), "a CPU per run in line"
        other.kill()
        assert wait_for(lambda: run.snapshot.step > 5, timeout=30), "the dead front end's slots came back"
        assert wait_for(lambda: queue.capacity() == live.Capacity(slots=2, active=1, waiting=0))
        run.stop()
        backend.close()  # a front end shutting down leaves the queue at once
        assert ray.get(shared.front_ends.remote()) == []
    finally:
        other.kill()
        if run is not None:
            run.stop()
        if backend is not None:
            backend.close()
        ray.kill(ray.get_actor(name, namespace=NAMESPACE))


class GpuQuadraticTask(QuadraticTask):
    gpu_share = 0.5  # as an image model that trains faster on a GPU


def test_a_task_that_wants_a_gpu_gets_its_share_where_the_cluster_has_gpus(ray_cluster, monkeypatch):
    from engine.live.ray_backend import RayBackend

    monkeypatch.setenv("GP_RAY_WARM_ACTORS", "0")  # an actor for each of the two runs, none waiting warm
    gpu_node = ray_cluster.add_node(num_cpus=1, num_gpus=1, object_store_memory=80 * 2**20)
    ray_cluster.wait_for_nodes()
    backend = RayBackend(live.Governor(max_active=2))
    runs = [backend.start(GpuQuadraticTask), backend.start(QuadraticTask)]
    try:
        assert runs[0].resources.get("GPU") == 0.5 and runs[0].node_id == gpu_node.node_id
        assert "GPU" not in runs[1].resources
        runs[0].step(3)
        assert runs[0].snapshot.step == 3
    finally:
        for run in runs:
            run.stop()
        backend.close()
        ray_cluster.remove_node(gpu_node)


def test_a_restarted_queue_learns_from_the_leases_which_runs_hold_slots(ray_cluster):
    import uuid

    import ray

    from engine.live.governor import Capacity
    from engine.live.shared_queue import NAMESPACE, SharedGovernor

    name = f"test-queue-{uuid.uuid4().hex[:8]}"
    queue = SharedGovernor(name, max_active=2, lease_s=1.5)
    try:
        assert queue.try_acquire(1) and queue.capacity().active == 1
        actor = ray.get_actor(name, namespace=NAMESPACE)
        first_pid = ray.get(actor.__ray_call__.remote(lambda self: os.getpid()))
        ray.kill(actor, no_restart=False)  # Ray restarts it, empty

        def restarted() -> bool:
            try:
                return ray.get(actor.__ray_call__.remote(lambda self: os.getpid()), timeout=5) != first_pid
            except ray.exceptions.RayError:
                return False  # still restarting

        assert wait_for(restarted, timeout=30, interval=0.2)  # not the capacity the client cached before the kill
        assert wait_for(lambda: queue._call("capacity") == Capacity(slots=2, active=1, waiting=0), timeout=30), (
            "a renewal told it run 1 holds a slot"
        )
        assert queue.try_acquire(2) and wait_for(lambda: queue.capacity().active == 2)
    finally:
        queue.close()
        ray.kill(ray.get_actor(name, namespace=NAMESPACE))


def test_the_ray_backend_imports_nothing_from_the_process_backend():
    """Each worker kind stands on the shared seam (worker, remote, admission), not on another kind."""
    import ast
    from pathlib import Path

    live_dir = Path(live.__file__).parent
    for module in ("ray_backend", "shared_queue"):
        tree = ast.parse((live_dir / f"{module}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not imported & {"engine.live.process", "engine.live.fork_server"}, f"{module} imports {imported}"
