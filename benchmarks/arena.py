"""The Arena's results table: every family on ring8, grid25 and two moons, 30 s of training each.

``python -m benchmarks arena [--quick] [--seconds S]``: for each target, one race of the six
contenders (:mod:`engine.arena.task`: 25-ms turns to whoever trained least, one torch thread,
the page's settings), scored on the page's yardsticks at the end of the budget. Prints, per
target, each contender's KL (exact; the VAE's an upper bound), W1, MMD^2, modes, high-quality
share and ms per 1,000 samples, and who wins which yardstick; writes the JSON.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from benchmarks.common import guarded, write_results
from engine.arena.contenders import CONTENDERS
from engine.arena.task import ArenaConfig, score_race, winners
from engine.targets import make_target

RESULTS = Path(__file__).resolve().parent / "results" / "arena.json"
TARGETS = ("ring8", "grid25", "moons")
SECONDS = 30
YARDSTICKS = ("kl", "nll", "w1", "mmd", "modes", "high_quality", "sample_ms")


def race(key: str, seconds: int, seed: int) -> dict:
    started = time.perf_counter()
    task = score_race(ArenaConfig(target=key, budget_s=seconds, seed=seed), make_target(key))
    final = task.record[-1]
    return {
        "target": key,
        "seconds_each": seconds,
        "wall_seconds": time.perf_counter() - started,
        "steps": task.steps,
        "trained_s": task.trained_s,
        "scores": {
            name: {k: v for k, v in s.items() if k in (*YARDSTICKS, "n_modes", "entropy")}
            for name, s in final.scores.items()
        },
        "curves": [
            {
                "seconds": c.seconds,
                "kl": {n: s.get("kl") for n, s in c.scores.items()},
                "w1": {n: s["w1"] for n, s in c.scores.items()},
            }
            for c in task.record
        ],
        "winners": winners(final.scores),
    }


def print_race(result: dict) -> None:
    print(f"\n{result['target']}: {result['seconds_each']} s each ({result['wall_seconds']:.0f} s with the scoring)")
    header = f"{'contender':16s} {'KL':>8s} {'NLL':>8s} {'W1':>7s} {'MMD2':>8s} {'modes':>7s} {'HQ':>6s} {'ms/1k':>7s} {'steps':>7s}"
    print(header + "\n" + "-" * len(header))
    for name, s in result["scores"].items():
        bound = "<=" if name == "vae" else ""
        kl = f"{bound}{s['kl']:.3f}" if "kl" in s else "-"
        nll = f"{bound}{s['nll']:.3f}" if "nll" in s else "-"
        modes = f"{s['modes']:.0f}/{s['n_modes']:.0f}" if "modes" in s else "-"
        hq = f"{s['high_quality']:.0%}" if "high_quality" in s else "-"
        print(
            f"{CONTENDERS[name]:16s} {kl:>8s} {nll:>8s} {s['w1']:7.3f} {s['mmd']:8.4f} {modes:>7s} {hq:>6s} {s['sample_ms']:7.1f} "
            f"{result['steps'][name]:7,d}"
        )
    print("winners: " + "; ".join(f"{k}: {', '.join(CONTENDERS[n] for n in v)}" for k, v in result["winners"].items()))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks arena", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s each, ring8 only")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    torch.set_num_threads(1)
    errors: dict[str, str] = {}
    races = []
    for key in TARGETS[:1] if args.quick else TARGETS:
        result = guarded(key, errors, race, key, 5 if args.quick else args.seconds, args.seed)
        if result:
            print_race(result)
            races.append(result)
    write_results(
        args.output,
        "arena",
        args.quick,
        started,
        races=races,
        errors=errors,
        notes="One torch thread; the contenders take 25-ms turns (whoever trained least); KL on the first 512 "
        "held-out samples (the VAE's is its IWAE bound, k = 256, an upper bound); W1 on 400, MMD^2 on 500 of "
        "each; modes on 1,000 samples; one seed.",
    )
    return 0
