"""Diffusion and flow matching on 2-D targets against the Flows page's default flow, and sample
quality against the number of sampling steps.

``python -m benchmarks diffusion [--quick]``:

- kl: on ring8 (radius 2, std 0.2) and the checkerboard, ``SECONDS`` of training per contender
  (DDPM with the linear schedule, flow matching, the Flows page's default flow; 1-s turns in the
  same process, one thread), per seed; then KL(p || q) on the first ``KL_POINTS`` of the
  benchmark's held-out samples: exact for the flow, through the ODE (dopri5, tolerance 1e-5, the
  2 x 2 divergence exact) for the other two. The diffusion figure is the density of x at
  t = 0.001 (see :mod:`engine.diffusion.likelihood`).
- steps: with the trained models of the first seed, exact W1 (POT, 1,000 samples against 1,000
  held-out) against the number of sampling steps 1 ... 1,000 for each sampler (DDPM ancestral,
  DDIM, annealed Langevin with 10 Langevin steps a level, flow Euler and Heun). Target: flow
  matching at 10 Euler steps reaches the W1 that DDPM ancestral sampling needs 100+ steps for;
  the ratio reported is the DDPM steps needed for flow matching's 10-step W1.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import guarded, print_table, write_results
from benchmarks.flows import HELD_OUT_SEED, Contender, ours_task, take_turns
from engine import metrics, sample_metrics
from engine.diffusion import samplers
from engine.diffusion.task import DiffusionRunConfig, DiffusionTrainingTask
from engine.flows.task import FlowRunConfig
from engine.targets import make_target

RESULTS = Path(__file__).resolve().parent / "results" / "diffusion.json"
TARGETS = ("ring8", "checkerboard")
SECONDS = 30.0
KL_POINTS = 2048
W1_POINTS = 1000
STEP_COUNTS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _contenders(target, seed: int) -> tuple[list[Contender], dict[str, DiffusionTrainingTask]]:
    tasks = {
        "DDPM (linear)": DiffusionTrainingTask(
            DiffusionRunConfig(target=target.key, kind="ddpm", sampler="ddpm", seed=seed), target
        ),
        "flow matching": DiffusionTrainingTask(DiffusionRunConfig(target=target.key, seed=seed), target),
    }
    contenders = [
        Contender(name, {"DiffusionRunConfig": dataclasses.asdict(task.config)}, task.train_step, None)
        for name, task in tasks.items()
    ]
    contenders.append(ours_task(FlowRunConfig(target=target.key, seed=seed), target, name="Flows page default flow"))
    return contenders, tasks


def run_kl(
    seconds: float, seeds: list[int], tolerance: float
) -> tuple[dict[str, Any], dict[str, dict[str, DiffusionTrainingTask]]]:
    runs, trained = [], {}
    for key in TARGETS:
        target = make_target(key)
        held_out = target.sample(KL_POINTS, torch.Generator().manual_seed(HELD_OUT_SEED))
        log_p = target.log_prob(held_out)
        for seed in seeds:
            contenders, tasks = _contenders(target, seed)
            take_turns(contenders, seconds)
            for contender in contenders:
                started = time.perf_counter()
                with torch.no_grad():
                    log_q = (
                        tasks[contender.name].log_likelihood(held_out, tolerance)
                        if contender.name in tasks
                        else contender.log_prob(held_out)
                    )
                kl, se = metrics.kl_divergence(log_p, log_q)
                runs.append(
                    {
                        "target": key,
                        "seed": seed,
                        "name": contender.name,
                        "kl": kl,
                        "kl_se": se,
                        "steps": contender.steps,
                        "steps_per_second": contender.steps_per_second,
                        "likelihood_seconds": time.perf_counter() - started,
                    }
                )
            if seed == seeds[0]:
                trained[key] = tasks
    return {
        "targets": list(TARGETS),
        "train_seconds": seconds,
        "kl_points": KL_POINTS,
        "tolerance": tolerance,
        "seeds": seeds,
        "runs": runs,
    }, trained


def run_steps(trained: dict[str, dict[str, DiffusionTrainingTask]], step_counts: tuple[int, ...]) -> dict[str, Any]:
    curves = {}
    for key, tasks in trained.items():
        held_out = make_target(key).sample(W1_POINTS, torch.Generator().manual_seed(HELD_OUT_SEED + 1)).numpy()
        for sampler in samplers.SAMPLERS:
            task = tasks["flow matching" if sampler in samplers.FLOW_SAMPLERS else "DDPM (linear)"]
            curve = []
            for steps in step_counts:
                x = samplers.sample(
                    sampler, task.model, task.schedule, W1_POINTS, steps, torch.Generator().manual_seed(7)
                )
                curve.append(sample_metrics.wasserstein1(held_out, x.numpy(), max_points=W1_POINTS))
            curves[f"{key}/{sampler}"] = curve
    return {"step_counts": list(step_counts), "w1_points": W1_POINTS, "curves": curves}


def steps_needed(curve: list[float], step_counts: list[int], level: float) -> int | None:
    """The fewest steps at which ``curve`` is at or below ``level`` (None: never)."""
    return next((steps for steps, w1 in zip(step_counts, curve) if w1 <= level), None)


def summarize(kl, steps) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if kl:
        for key in kl["targets"]:
            by_name: dict[str, list[float]] = {}
            for run in kl["runs"]:
                if run["target"] == key:
                    by_name.setdefault(run["name"], []).append(run["kl"])
            flow = by_name.get("Flows page default flow")
            for name, values in by_name.items():
                if name != "Flows page default flow":
                    rows.append(
                        {
                            "figure": f"KL, {key}, {kl['train_seconds']:g} s ({len(values)} seeds)",
                            "ours": f"{name}: " + " / ".join(f"{v:.3f}" for v in values),
                            "peer": "flow: " + " / ".join(f"{v:.3f}" for v in flow or []),
                            "ratio": f"{np.mean(values) / np.mean(flow):.2f}" if flow else "",
                        }
                    )
    if steps:
        counts = steps["step_counts"]
        for key in TARGETS:
            fm10 = steps["curves"][f"{key}/euler"][counts.index(10)] if 10 in counts else None
            for sampler in samplers.SAMPLERS:
                curve = steps["curves"][f"{key}/{sampler}"]
                rows.append(
                    {
                        "figure": f"W1 vs steps, {key}, {sampler}",
                        "ours": " ".join(f"{n}:{w:.3f}" for n, w in zip(counts, curve)),
                    }
                )
            if fm10 is not None:
                needed = steps_needed(steps["curves"][f"{key}/ddpm"], counts, fm10)
                rows.append(
                    {
                        "figure": f"{key}: DDPM ancestral steps to reach flow matching's 10-step W1 ({fm10:.3f})",
                        "ours": str(needed) if needed else f"not within {counts[-1]:,}",
                        "ratio": f"{needed / 10:.0f}x" if needed else "",
                        "target": ">= 100",
                        "pass": needed is None or needed >= 100,
                    }
                )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks diffusion", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 5 s of training, fewer step counts")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    torch.set_num_threads(1)
    errors: dict[str, str] = {}
    result = guarded(
        "kl",
        errors,
        run_kl,
        5.0 if args.quick else SECONDS,
        [0] if args.quick else [0, 1, 2],
        1e-4 if args.quick else 1e-5,
    )
    kl, trained = result if result else (None, {})
    steps = (
        guarded("steps", errors, run_steps, trained, (1, 10, 100) if args.quick else STEP_COUNTS) if trained else None
    )
    rows = summarize(kl, steps)
    print_table(rows)
    write_results(
        args.output,
        "diffusion",
        args.quick,
        started,
        kl=kl,
        steps=steps,
        errors=errors,
        summary=rows,
        notes="One torch thread; the three contenders take 1-s turns; KL on the first 2,048 of the benchmark's "
        "held-out samples; the diffusion KL is of x at t = 0.001.",
    )
    return 0
