"""Flows benchmark: our normalizing flows against normflows and zuko, side by side in one process.

Run ``python -m benchmarks flows`` (``--quick`` for a smoke test). Every contender runs in the
same process on the same machine with ``torch.set_num_threads(1)``, trains by maximum likelihood
with Adam on fresh batches of the same target each step (in the quality section, every
contender uses our default's batch size; in the speed section, 256), and is timed by the wall
clock. Contenders take turns in short slices (A B C A B C ...) so that load from other work on a
shared machine spreads evenly over them; the figures are still noisy on such a machine.

Sections:

1. quality: KL(p || q) on ``ring8`` (8 Gaussians, radius 2, std 0.2) after ``QUALITY_SECONDS``
   of training, estimated as the Monte Carlo mean of log p - log q over 100,000 held-out target
   samples (with its standard error), for
   (a) the Flows page default, ``FlowTrainingTask(FlowRunConfig(), ring8).train_step()``;
   (b) normflows Real NVP (MaskedAffineFlow couplings with separate s and t ``nf.nets.MLP``
       nets, alternating masks, ActNorm after each coupling, as in normflows' Real NVP example);
   (c) zuko ``NSF(features=2)`` with its default size.
   Target: ours <= 1/3 of the best peer's KL and <= 0.03 nats.
2. speed: training steps per second of the same-size Real NVP (8 affine couplings, 64-64 hidden
   conditioners), through a bare loop over ``build_flow``, through ``FlowTrainingTask.train_step``
   and through normflows. Target: bare loop >= 1.5x normflows.
3. live: optional, measured by ``benchmarks/live_page.py`` (see ``run_live``).

Results are printed as a table and written to ``benchmarks/results/flows.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import print_table, write_results
from engine import metrics
from engine.flows import FlowConfig, build_flow
from engine.flows.task import LR_FLOOR, FlowRunConfig, FlowTrainingTask
from engine.schedules import halving_factor
from engine.targets import Target, make_target

TARGET = "ring8"
REFERENCE = "(reference)"  # contenders shown for context, not compared against the target
BATCH_SIZE = 256
THREADS = 1
HELD_OUT_SIZE = 100_000
HELD_OUT_SEED = 20_240_601
QUALITY_SECONDS = 20.0
QUICK_QUALITY_SECONDS = 5.0
SPEED_SECONDS = 5.0
QUICK_SPEED_SECONDS = 1.0
SLICE_SECONDS = 1.0  # length of one turn when contenders take turns
WARMUP_STEPS = 30
KL_TARGET_NATS = 0.03
KL_TARGET_RATIO = 1 / 3
SPEED_TARGET_RATIO = 1.5
RESULTS_PATH = Path(__file__).parent / "results" / "flows.json"

# Peer settings, with where they come from (written to the JSON).
NORMFLOWS_QUALITY = {
    "n_couplings": 32,
    "hidden": [64, 64],
    "actnorm": True,
    "learning_rate": 5e-4,
    "weight_decay": 1e-5,
    "source": "normflows' 2-D Real NVP example (README / examples/real_nvp_colab.ipynb): 32 couplings, "
    "64-64 hidden MLPs, Adam lr 5e-4, weight_decay 1e-5; built, as in examples/real_nvp.ipynb, "
    "from MaskedAffineFlow with separate s and t nf.nets.MLP(init_zeros=True), alternating masks "
    "and ActNorm after each coupling. Batch 256 here (their example: 512).",
}
NORMFLOWS_SPEED = {
    "n_couplings": 8,
    "hidden": [64, 64],
    "actnorm": False,
    "learning_rate": 1e-3,
    "weight_decay": 0.0,
    "source": "same-size peer of our Real NVP: 8 MaskedAffineFlow couplings with 64-64 s and t MLPs, "
    "no ActNorm (our realnvp has none)",
}
ZUKO_QUALITY = {
    "transforms": 3,
    "hidden_features": [64, 64],
    "bins": 8,
    "learning_rate": 1e-3,
    "source": "zuko.flows.NSF(features=2) with its defaults (transforms=3, hidden_features=(64, 64), "
    "bins=8); Adam lr 1e-3 as in zuko's README/tutorial",
}
SPEED_FLOW = FlowConfig(dim=2, flow_type="realnvp", n_layers=8, hidden=64, hidden_layers=2)
SPEED_LEARNING_RATE = 1e-3


@dataclass
class Contender:
    """One model under test: ``step()`` does one Adam step on a fresh batch, ``log_prob`` scores x."""

    name: str
    config: dict[str, Any]
    step: Callable[[], Any]
    log_prob: Callable[[torch.Tensor], torch.Tensor]
    steps: int = 0
    seconds: float = 0.0
    slice_rates: list[float] = field(default_factory=list)

    def run_for(self, seconds: float) -> None:
        """Train for ``seconds`` of wall clock (whole steps), adding to the step and time counts."""
        start = time.perf_counter()
        end = start + seconds
        steps = 0
        while True:
            self.step()
            steps += 1
            now = time.perf_counter()
            if now >= end:
                break
        self.steps += steps
        self.seconds += now - start
        self.slice_rates.append(steps / (now - start))

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


def _adam_loop(
    name: str,
    config: dict,
    model: torch.nn.Module,
    log_prob,
    target: Target,
    lr: float,
    seed: int,
    weight_decay: float = 0.0,
    batch_size: int = BATCH_SIZE,
    lr_half_life: int = 0,
) -> Contender:
    """A bare maximum-likelihood loop: sample a batch, loss = -mean log q, Adam step; with
    ``lr_half_life``, the learning rate follows our page's schedule (halving, floor LR_FLOOR)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    steps_done = 0

    def step() -> None:
        nonlocal steps_done
        if lr_half_life:
            for group in optimizer.param_groups:
                group["lr"] = lr * halving_factor(steps_done, lr_half_life, LR_FLOOR)
        steps_done += 1
        x = target.sample(batch_size, generator)
        loss = -log_prob(x).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return Contender(name, {**config, "batch_size": batch_size}, step, log_prob)


def ours_task(run_config: FlowRunConfig, target: Target, name: str = "ours (FlowTrainingTask)") -> Contender:
    """Our flow trained exactly as the Flows page trains it."""
    task = FlowTrainingTask(run_config, target)
    return Contender(name, {"FlowRunConfig": dataclasses.asdict(run_config)}, task.train_step, task.flow.log_prob)


def ours_bare(flow_config: FlowConfig, target: Target, lr: float, seed: int) -> Contender:
    """Our flow from ``build_flow`` in a bare training loop."""
    flow = build_flow(flow_config, seed=seed)
    config = {"FlowConfig": dataclasses.asdict(flow_config), "learning_rate": lr}
    return _adam_loop("ours (bare loop)", config, flow, flow.log_prob, target, lr, seed)


def normflows_realnvp(settings: dict, target: Target, seed: int, batch_size: int = BATCH_SIZE) -> Contender:
    """normflows Real NVP: MaskedAffineFlow couplings (separate s, t MLPs), alternating masks."""
    import normflows as nf

    torch.manual_seed(seed)
    mask = torch.tensor([1.0, 0.0])
    sizes = [2, *settings["hidden"], 2]
    flows = []
    for i in range(settings["n_couplings"]):
        s = nf.nets.MLP(sizes, init_zeros=True)
        t = nf.nets.MLP(sizes, init_zeros=True)
        flows.append(nf.flows.MaskedAffineFlow(mask if i % 2 == 0 else 1 - mask, t, s))
        if settings["actnorm"]:
            flows.append(nf.flows.ActNorm(2))
    model = nf.NormalizingFlow(nf.distributions.DiagGaussian(2), flows)
    config = {"library": f"normflows {nf.__version__}", **settings}
    return _adam_loop(
        "normflows Real NVP",
        config,
        model,
        model.log_prob,
        target,
        settings["learning_rate"],
        seed,
        settings["weight_decay"],
        batch_size,
    )


def zuko_nsf(
    settings: dict, target: Target, seed: int, batch_size: int = BATCH_SIZE, lr_half_life: int = 0
) -> Contender:
    """zuko neural spline flow (autoregressive rational-quadratic splines)."""
    import zuko

    torch.manual_seed(seed)
    flow = zuko.flows.NSF(
        features=2,
        transforms=settings["transforms"],
        hidden_features=tuple(settings["hidden_features"]),
        bins=settings["bins"],
    )
    config = {"library": f"zuko {zuko.__version__}", **settings}
    name = f"zuko NSF + our lr schedule {REFERENCE}" if lr_half_life else "zuko NSF"
    return _adam_loop(
        name,
        {**config, "lr_half_life": lr_half_life},
        flow,
        lambda x: flow().log_prob(x),
        target,
        settings["learning_rate"],
        seed,
        batch_size=batch_size,
        lr_half_life=lr_half_life,
    )


def take_turns(contenders: list[Contender], seconds: float) -> None:
    """Train every contender for ``seconds`` in total, interleaved in slices of SLICE_SECONDS."""
    n_slices = max(1, round(seconds / SLICE_SECONDS))
    for _ in range(n_slices):
        for contender in contenders:
            contender.run_for(seconds / n_slices)


@torch.no_grad()
def kl_on(contender: Contender, held_out: torch.Tensor, log_p: torch.Tensor) -> tuple[float, float, int]:
    """KL(p || q) = mean(log p - log q) on the held-out samples, its standard error, and how many
    samples got a non-finite log q (any makes the KL infinite: the model diverged there)."""
    log_q = torch.cat([contender.log_prob(chunk) for chunk in held_out.split(20_000)])
    kl, se = metrics.kl_divergence(log_p, log_q)
    return kl, se, int((~torch.isfinite(log_q)).sum())


def run_quality(seconds: float, seeds: list[int], ours_config: FlowRunConfig) -> dict[str, Any]:
    """KL after ``seconds`` of training, per seed, for ours, normflows and zuko."""
    target = make_target(TARGET)
    held_out = target.sample(HELD_OUT_SIZE, torch.Generator().manual_seed(HELD_OUT_SEED))
    log_p = target.log_prob(held_out)
    runs = []
    for seed in seeds:
        contenders = [
            ours_task(dataclasses.replace(ours_config, seed=seed), target),
            normflows_realnvp(NORMFLOWS_QUALITY, target, seed, ours_config.batch_size),
            zuko_nsf(ZUKO_QUALITY, target, seed, ours_config.batch_size),
            zuko_nsf(ZUKO_QUALITY, target, seed, ours_config.batch_size, lr_half_life=ours_config.lr_half_life),
        ]
        take_turns(contenders, seconds)
        for c in contenders:
            kl, se, nonfinite = kl_on(c, held_out, log_p)
            runs.append(
                {
                    "seed": seed,
                    "name": c.name,
                    "kl": kl,
                    "kl_se": se,
                    "nonfinite_log_q": nonfinite,
                    "steps": c.steps,
                    "seconds": c.seconds,
                    "steps_per_second": c.steps_per_second,
                }
            )
    return {
        "target": TARGET,
        "train_seconds": seconds,
        "batch_size": ours_config.batch_size,
        "held_out_size": HELD_OUT_SIZE,
        "seeds": seeds,
        "runs": runs,
        "configs": {c.name: c.config for c in contenders},
    }


def run_speed(seconds: float, seed: int = 0) -> dict[str, Any]:
    """Steps/s of the same-size Real NVP: our bare loop, our FlowTrainingTask, normflows."""
    target = make_target(TARGET)
    run_config = FlowRunConfig(
        flow_type=SPEED_FLOW.flow_type,
        n_layers=SPEED_FLOW.n_layers,
        hidden=SPEED_FLOW.hidden,
        hidden_layers=SPEED_FLOW.hidden_layers,
        learning_rate=SPEED_LEARNING_RATE,
        batch_size=BATCH_SIZE,
        seed=seed,
    )
    contenders = [
        ours_bare(SPEED_FLOW, target, SPEED_LEARNING_RATE, seed),
        ours_task(run_config, target),
        normflows_realnvp(NORMFLOWS_SPEED, target, seed),
    ]
    for c in contenders:  # warm up (allocator, autograd caches, ActNorm-style lazy init)
        for _ in range(WARMUP_STEPS):
            c.step()
    take_turns(contenders, seconds)
    return {
        "seconds_each": seconds,
        "results": {
            c.name: {
                "steps_per_second": c.steps_per_second,
                "steps": c.steps,
                "seconds": c.seconds,
                "slice_steps_per_second": c.slice_rates,
            }
            for c in contenders
        },
        "configs": {c.name: c.config for c in contenders},
    }


def run_live(bare_steps_per_second: float) -> dict[str, Any] | None:
    """LIVE SECTION HOOK: ``benchmarks/live_page.py`` (written separately) provides
    ``measure_live(bare_steps_per_second: float) -> dict``. It is called when that module exists;
    its dict goes to the JSON under "live", and its optional "rows" (dicts with the table's keys
    figure, ours, peer, ratio, target, pass) are added to the printed table. Errors are caught
    and reported so that the quality and speed figures still print."""
    try:
        from benchmarks import live_page
    except ModuleNotFoundError as error:
        if error.name != "benchmarks.live_page":
            return {"error": f"{type(error).__name__}: {error}"}
        return None
    try:
        return live_page.measure_live(bare_steps_per_second)
    except Exception as error:  # keep the other sections' results
        return {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}


# ----- report -----


def _kl_text(run: dict) -> str:
    if math.isfinite(run["kl"]):
        return f"{run['kl']:.4f}±{run['kl_se']:.4f} ({run['steps']} st)"
    return f"inf: log q non-finite on {run['nonfinite_log_q']} pts ({run['steps']} st)"


def summarize(quality: dict, speed: dict | None) -> list[dict[str, Any]]:
    """Table rows: figure, ours, peer, ratio, target, pass."""
    rows = []
    by_seed: dict[int, dict[str, dict]] = {}
    for run in quality["runs"]:
        by_seed.setdefault(run["seed"], {})[run["name"]] = run
    for seed, named in by_seed.items():
        named = dict(named)
        ours = named.pop("ours (FlowTrainingTask)")
        references = {n: named.pop(n) for n in list(named) if REFERENCE in n}  # shown, not a target peer
        best_name, best = min(named.items(), key=lambda item: item[1]["kl"])
        ratio = ours["kl"] / best["kl"] if best["kl"] > 0 else math.inf
        peers = ", ".join(f"{n} {_kl_text(r)}" for n, r in named.items())
        rows.append(
            {
                "figure": f"KL nats, {quality['train_seconds']:g} s, seed {seed}",
                "ours": _kl_text(ours),
                "peer": peers,
                "ratio": f"{ratio:.2f} vs {best_name.split()[0]}",
                "target": f"<= {KL_TARGET_RATIO:.2f}x and <= {KL_TARGET_NATS}",
                "pass": ratio <= KL_TARGET_RATIO and ours["kl"] <= KL_TARGET_NATS,
            }
        )
        for name, run in references.items():
            rows.append(
                {
                    "figure": f"  seed {seed}: {name}",
                    "ours": "",
                    "peer": _kl_text(run),
                    "ratio": f"{ours['kl'] / run['kl']:.2f}" if run["kl"] > 0 else "",
                    "target": "",
                    "pass": None,
                }
            )
    if len(by_seed) > 1:
        mean = {
            name: sum(named[name]["kl"] for named in by_seed.values()) / len(by_seed)
            for name in next(iter(by_seed.values()))
        }
        best_name = min((n for n in mean if not n.startswith("ours") and REFERENCE not in n), key=mean.get)
        ratio = mean["ours (FlowTrainingTask)"] / mean[best_name]
        rows.append(
            {
                "figure": f"KL nats, mean of {len(by_seed)} seeds",
                "ours": f"{mean['ours (FlowTrainingTask)']:.4f}",
                "peer": ", ".join(f"{n} {v:.4f}" for n, v in mean.items() if not n.startswith("ours")),
                "ratio": f"{ratio:.2f} vs {best_name.split()[0]}",
                "target": f"<= {KL_TARGET_RATIO:.2f}x and <= {KL_TARGET_NATS}",
                "pass": ratio <= KL_TARGET_RATIO and mean["ours (FlowTrainingTask)"] <= KL_TARGET_NATS,
            }
        )
    if speed:
        res = speed["results"]
        peer = res["normflows Real NVP"]["steps_per_second"]
        for name in ("ours (bare loop)", "ours (FlowTrainingTask)"):
            ours = res[name]["steps_per_second"]
            rows.append(
                {
                    "figure": f"steps/s Real NVP 8x64x64, {name.split('(')[1][:-1]}",
                    "ours": f"{ours:.1f}",
                    "peer": f"normflows {peer:.1f}",
                    "ratio": f"{ours / peer:.2f}",
                    "target": f">= {SPEED_TARGET_RATIO}x" if name == "ours (bare loop)" else "(task overhead)",
                    "pass": ours / peer >= SPEED_TARGET_RATIO if name == "ours (bare loop)" else None,
                }
            )
    return rows


def parse_config(text: str | None) -> FlowRunConfig:
    """``key=value,...`` over FlowRunConfig fields (the Flows page's settings) -> FlowRunConfig."""
    if not text:
        return FlowRunConfig()
    params = dict(item.split("=", 1) for item in text.split(",") if item)
    unknown = set(params) - {f.name for f in dataclasses.fields(FlowRunConfig)}
    if unknown:
        raise SystemExit(f"Unknown FlowRunConfig field(s): {', '.join(sorted(unknown))}")
    return FlowRunConfig.from_query(params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks flows", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_QUALITY_SECONDS:g} s of training, not {QUALITY_SECONDS:g} s, and shorter speed runs (smoke test)",
    )
    parser.add_argument("--seeds", default="0", help="comma-separated seeds for the quality runs (default 0)")
    parser.add_argument(
        "--ours-config",
        default=None,
        metavar="KEY=VALUE,...",
        help="try another FlowRunConfig for ours in the quality section, e.g. "
        "flow_type=spline,n_layers=4,learning_rate=0.005",
    )
    parser.add_argument("--skip-speed", action="store_true", help="quality section only")
    parser.add_argument("--skip-live", action="store_true", help="do not run benchmarks/live_page.py")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help=f"JSON path (default {RESULTS_PATH})")
    args = parser.parse_args(argv)

    torch.set_num_threads(THREADS)
    ours_config = parse_config(args.ours_config)
    seeds = [int(s) for s in args.seeds.split(",")]
    quality_seconds = QUICK_QUALITY_SECONDS if args.quick else QUALITY_SECONDS
    speed_seconds = QUICK_SPEED_SECONDS if args.quick else SPEED_SECONDS
    print(
        f"flows benchmark: torch {torch.__version__}, torch.set_num_threads({THREADS}) for every contender, "
        f"{os.cpu_count()} CPUs; contenders take turns in {SLICE_SECONDS:g} s slices (shared machine: "
        "figures are noisy)."
    )
    print(
        f"ours = FlowRunConfig({', '.join(f'{k}={v}' for k, v in ours_config.to_query().items())})"
        f"{'  [shipped default]' if ours_config == FlowRunConfig() else ''}",
        flush=True,
    )

    started = time.perf_counter()
    quality = run_quality(quality_seconds, seeds, ours_config)
    speed = None if args.skip_speed else run_speed(speed_seconds)
    rows = summarize(quality, speed)
    live = None
    if not args.skip_live and speed is not None:
        live = run_live(speed["results"]["ours (bare loop)"]["steps_per_second"])
        if live:
            rows += live.get("rows", []) if isinstance(live.get("rows"), list) else []
    print()
    print_table(rows)
    if live and "error" in live:
        print(f"\nlive section failed: {live['error']}")

    write_results(
        args.output,
        "flows",
        args.quick,
        started,
        ours_config=dataclasses.asdict(ours_config),
        ours_is_shipped_default=ours_config == FlowRunConfig(),
        quality=quality,
        speed=speed,
        live=live,
        summary=[{**r, "pass": r.get("pass")} for r in rows],
        notes="Same process, torch.set_num_threads(1) for all contenders, interleaved slices; the machine "
        "is shared with other work, so step counts and rates are noisy.",
    )
    return 0
