"""What the benchmarks share: the result table and a description of the machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from typing import Any

import torch


def print_table(rows: list[dict[str, Any]]) -> None:
    keys = ["figure", "ours", "peer", "ratio", "target", "pass"]
    cells = [[{True: "PASS", False: "FAIL", None: "-"}.get(r.get(k), str(r.get(k, ""))) if k == "pass"
              else str(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = "  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def machine_info() -> dict[str, Any]:
    return {"cpu_count": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def steps_per_second(step: Callable[[], object], seconds: float, warmup: int = 20) -> float:
    """How many times per second ``step()`` runs, over ``seconds`` after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps / (time.perf_counter() - start)
