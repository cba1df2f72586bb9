"""What the benchmarks share: the result table and a description of the machine."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch


def print_table(rows: list[dict[str, Any]]) -> None:
    keys = ["figure", "ours", "peer", "ratio", "target", "pass"]
    cells = [
        [
            {True: "PASS", False: "FAIL", None: "-"}.get(r.get(k), str(r.get(k, "")))
            if k == "pass"
            else str(r.get(k, ""))
            for k in keys
        ]
        for r in rows
    ]
    widths = [max([len(k), *(len(c[i]) for c in cells)]) for i, k in enumerate(keys)]
    line = "  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def steps_per_second(step: Callable[[], object], seconds: float, warmup: int = 20) -> float:
    """How many times per second ``step()`` runs, over ``seconds`` after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps / (time.perf_counter() - start)


def write_results(path: Path, name: str, quick: bool, started: float, **fields: Any) -> None:
    """Write a benchmark's result as JSON (with date, machine and wall time) and say where."""
    result = {
        "benchmark": name,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine_info(),
        "wall_seconds": time.perf_counter() - started,
        **fields,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwrote {path} ({result['wall_seconds']:.0f} s)")


def guarded(section: str, errors: dict[str, str], run: Callable[..., Any], *args: Any) -> Any:
    """``run(*args)``, or None with the error recorded in ``errors[section]`` (a failed section,
    e.g. no browser, must not lose the others' figures)."""
    try:
        return run(*args)
    except Exception as error:
        errors[section] = f"{type(error).__name__}: {error}"
        traceback.print_exc()
        return None


@contextlib.contextmanager
def local_ray_cluster(workers: int = 2, cpus_each: int = 1):
    """A Ray cluster on this machine as on Kubernetes (a head that trains nothing, ``workers``
    nodes of ``cpus_each`` CPUs), this process connected to it; yields (cluster, start seconds)."""
    import ray
    from ray.cluster_utils import Cluster

    started = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(workers):
        cluster.add_node(num_cpus=cpus_each)
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    cluster.wait_for_nodes()
    try:
        yield cluster, time.perf_counter() - started
    finally:
        ray.shutdown()
        cluster.shutdown()
