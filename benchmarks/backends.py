"""What a trainer backend costs a live run: the ``ray`` backend beside the default ``process`` one,
in the same run, on this machine (so: overhead and correctness, not speed-up).

Per backend, for the Flows page's default run (a 4-layer spline flow on the ring of 8): the time
to start a run (to its first snapshot), a command's round trip (``step(1)``, minus the bare step),
how old a snapshot is when the web server first sees it while the run trains (both ends read the
same machine clock), and the steps/s of one run training alone against the bare loop. The Ray
cluster is local: a 0-CPU head and two 1-CPU worker nodes, as on Kubernetes.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import local_ray_cluster, print_table, steps_per_second, write_results
from engine import live
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.targets import make_target

RESULTS = Path(__file__).parent / "results" / "backends.json"


def task_factory():
    return functools.partial(FlowTrainingTask, FlowRunConfig(), make_target("ring8"))


def measure(backend, repeats: int, train_s: float) -> dict[str, Any]:
    """A run started and stopped once (the backend warm), then starts one after another: each
    run stops before the next starts, as a page's Reset of a rebuilt config does."""
    backend.start(task_factory()).stop()
    starts = []
    for i in range(4):
        started = time.perf_counter()
        run = backend.start(task_factory())
        starts.append(time.perf_counter() - started)
        if i < 3:
            run.stop()
    try:
        run.step(5)  # warm
        round_trips = []
        for _ in range(repeats):
            started = time.perf_counter()
            run.step(1)
            round_trips.append(time.perf_counter() - started)
        ages, seen = [], run.snapshot.created_at
        run.train()
        begin_step, begin = run.snapshot.step, time.perf_counter()
        while time.perf_counter() - begin < train_s:
            snapshot = run.snapshot
            if snapshot.created_at != seen:
                ages.append(time.monotonic() - snapshot.created_at)
                seen = snapshot.created_at
            time.sleep(0.001)
        rate = (run.snapshot.step - begin_step) / (time.perf_counter() - begin)
        run.pause()
    finally:
        run.stop()
    return {
        "start_s": statistics.median(starts),
        "start_samples_s": starts,
        "step1_round_trip_ms": 1000 * statistics.median(round_trips),
        "snapshot_age_ms": {
            "median": 1000 * statistics.median(ages),
            "p95": 1000 * sorted(ages)[int(0.95 * (len(ages) - 1))],
            "count": len(ages),
        },
        "steps_per_s_alone": rate,
    }


def bare_step_s(seconds: float) -> float:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a trainer runs
    try:
        task = task_factory()()
        return 1.0 / steps_per_second(task.train_step, seconds)
    finally:
        torch.set_num_threads(threads)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks backends", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter training")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    repeats, train_s = (20, 3.0) if args.quick else (100, 10.0)
    started = time.perf_counter()
    bare_s = bare_step_s(3.0)
    results = {"process": measure(live.ProcessBackend(live.Governor(max_active=2)), repeats, train_s)}
    from engine.live.ray_backend import RayBackend

    with local_ray_cluster(workers=2, cpus_each=1) as (_, cluster_start_s):
        backend = RayBackend(live.Governor(max_active=2), preload=("engine.flows.task",))
        results["ray"] = measure(backend, repeats, train_s)
    ours, peer = results["ray"], results["process"]
    rows = [
        {
            "figure": "start a run: to its first snapshot (s)",
            "ours": f"{ours['start_s']:.2f}",
            "peer": f"{peer['start_s']:.2f}",
        },
        {
            "figure": "command round trip: step(1) (ms)",
            "ours": f"{ours['step1_round_trip_ms']:.1f}",
            "peer": f"{peer['step1_round_trip_ms']:.1f} (bare step {1000 * bare_s:.1f})",
        },
        {
            "figure": "snapshot age when the server sees it, median / p95 (ms)",
            "ours": f"{ours['snapshot_age_ms']['median']:.0f} / {ours['snapshot_age_ms']['p95']:.0f}",
            "peer": f"{peer['snapshot_age_ms']['median']:.0f} / {peer['snapshot_age_ms']['p95']:.0f}",
        },
        {
            "figure": "steps/s, one run training alone",
            "ours": f"{ours['steps_per_s_alone']:.0f}",
            "peer": f"{peer['steps_per_s_alone']:.0f} (bare loop {1 / bare_s:.0f})",
        },
        {"figure": "local Ray cluster start: head + 2 worker nodes (s)", "ours": f"{cluster_start_s:.1f}", "peer": "-"},
    ]
    print_table(rows)
    write_results(
        args.output,
        "backends",
        args.quick,
        started,
        results=results,
        bare_step_ms=1000 * bare_s,
        ray_cluster_start_s=cluster_start_s,
        rows=rows,
        notes="ours = the ray backend (an actor per run on a local cluster: 0-CPU head, two 1-CPU workers); "
        "peer = the process backend (a fork-server child per run). One machine, 2 cores: overhead, not speed-up.",
    )
    return 0
