"""GANs: training speed of the live trainer, the live page's overhead, and mode-collapse quality.

Speed: iterations/s (one discriminator step + one generator step) of ``GanTrainingTask`` with
GAN Lab's model size (2 hidden layers of 16 units each, batch 150) and with 3 hidden layers of
128, one torch thread, against a plain PyTorch loop of the same networks written the textbook
way (the peer that shows what the task's extras cost). GAN Lab runs one iteration per animation
frame, about 60/s at best. Target: >= 600 iterations/s for the small network.

Live: the GANs page training GAN Lab's size in Chromium, steps/s read off the page, against the
bare loop measured right before and after (the mean). Target >= 0.85x.

Quality, seeds 0, 1, 2, each timed alone by the wall clock: the stable preset on the ring of 8
(std 0.02) for 30 s and the grid preset on the grid of 25 (std 0.05) for 120 s must capture all
modes with >= 90% (ring) and >= 85% (grid) high-quality samples (VEEGAN/PacGAN definitions,
2,500 samples); the collapse preset must capture <= 4 of 8 modes at 30 s in at least 2 of 3 seeds.
For reference, PacGAN reports 7.9 modes / 95.6% (ring) and 24.8 / 93.6% (grid) after 400 epochs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import print_table, steps_per_second, write_results
from engine.gans import views as gan_views
from engine.gans.models import Discriminator, Generator
from engine.gans.presets import PRESETS
from engine.gans.task import GanRunConfig, GanTrainingTask
from engine.targets import make_target

THREADS = 1
RESULTS_PATH = Path(__file__).parent / "results" / "gans.json"
GAN_LAB_SIZE = dict(g_layers=2, g_width=16, d_layers=2, d_width=16, batch_size=150)
LARGE_SIZE = dict(g_layers=3, g_width=128, d_layers=3, d_width=128, batch_size=150)
SPEED_TARGET = 600.0
LIVE_TARGET_RATIO = 0.85
QUALITY = {  # preset -> seconds of training
    "stable": 30.0,
    "stable_grid": 120.0,
    "collapse": 30.0,
    "collapse_r1": 30.0,
}


def task_rate(config: GanRunConfig, seconds: float) -> float:
    """Iterations/s of GanTrainingTask.train_step after a warm-up."""
    return steps_per_second(GanTrainingTask(config, make_target(config.target)).train_step, seconds, warmup=50)


def textbook_rate(config: GanRunConfig, seconds: float) -> float:
    """The peer: the same networks in a plain loop as tutorials write it (Adam with its default
    implementation, separate D calls on real and fake, fresh target samples each batch)."""
    target = make_target(config.target)
    torch.manual_seed(0)
    generator = Generator(config.noise_dim, 2, config.generator_config)
    discriminator = Discriminator(2, config.discriminator_config)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.g_lr, betas=(config.beta1, config.beta2))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr, betas=(config.beta1, config.beta2))
    bce = torch.nn.BCEWithLogitsLoss()
    n = config.batch_size
    ones, zeros = torch.ones(n), torch.zeros(n)

    def iteration():
        real = target.sample(n)
        fake = generator(torch.randn(n, config.noise_dim))
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = bce(discriminator(fake), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()

    return steps_per_second(iteration, seconds, warmup=50)


def run_speed(seconds: float) -> dict[str, Any]:
    results = {}
    for name, size in (("GAN Lab size (2x16, batch 150)", GAN_LAB_SIZE), ("3x128, batch 150", LARGE_SIZE)):
        config = GanRunConfig(target="ring8", **size)
        ours, peer = [], []
        for _ in range(3):  # alternate, so that drift in the machine's speed hits both alike
            ours.append(task_rate(config, seconds / 3))
            peer.append(textbook_rate(config, seconds / 3))
        results[name] = {
            "ours": statistics.median(ours),
            "textbook_loop": statistics.median(peer),
            "runs": [ours, peer],
        }
        print(
            f"speed {name}: ours {results[name]['ours']:.0f} it/s, textbook loop {results[name]['textbook_loop']:.0f} it/s",
            flush=True,
        )
    return results


def frame_cost(frames: int = 10) -> dict[str, float]:
    """Milliseconds and bytes to make one frame of the page's live views (ring, default model)."""
    config = GanRunConfig()
    task = GanTrainingTask(config, make_target(config.target))
    history = []
    times, sizes = [], []
    for i in range(frames):
        for _ in range(20):
            task.train_step()
        history.append((i * 20, task.metrics()))
        start = time.perf_counter()
        images = [
            gan_views.field_image(task.visuals()),
            gan_views.mode_timeline_image(history) or b"",
            gan_views.metrics_image(history) or b"",
        ]
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(sum(map(len, images)) / 1024)
    start = time.perf_counter()
    task.metrics()
    metrics_ms = (time.perf_counter() - start) * 1000
    return {"frame_ms": statistics.median(times), "frame_kb": statistics.median(sizes), "metrics_ms": metrics_ms}


def run_live(seconds: float) -> dict[str, Any]:
    from benchmarks.live_page import browser_run

    config = GanRunConfig(target="ring8", **GAN_LAB_SIZE)
    query = "&".join(f"{k}={v}" for k, v in config.to_query().items())
    before = task_rate(config, seconds)
    page = browser_run(seconds, path=f"/gans?{query}")
    after = task_rate(config, seconds)
    bare = (before + after) / 2
    return {
        "config": config.to_query(),
        "bare_before_and_after": [before, after],
        "bare": bare,
        "browser": page,
        "ratio": page["live_steps_per_second"] / bare,
    }


def quality_run(preset: str, seed: int, seconds: float) -> dict[str, Any]:
    """Train one preset for ``seconds`` of wall clock; mode metrics at a third, two thirds and the end."""
    config = PRESETS[preset].config(seed=seed)
    task = GanTrainingTask(config, make_target(config.target))
    marks, trained, steps = [], 0.0, 0  # seconds of training: the metrics' time is not counted
    for mark in (seconds / 3, 2 * seconds / 3, seconds):
        start = time.perf_counter()
        while trained + time.perf_counter() - start < mark:
            task.train_step()
            steps += 1
        trained += time.perf_counter() - start
        metrics = task.metrics()
        marks.append(
            {
                "seconds": round(trained, 1),
                "steps": steps,
                "modes_captured": metrics["modes_captured"],
                "n_modes": metrics["n_modes"],
                "high_quality": metrics["high_quality"],
                "reverse_kl": metrics["reverse_kl"],
                "w1": metrics["w1"],
                "mode_shares": [metrics[f"mode_share_{k}"] for k in range(int(metrics["n_modes"]))],
            }
        )
    print(
        f"quality {preset} seed {seed}: "
        + ", ".join(
            f"{m['seconds']:.0f}s {m['steps']} steps {m['modes_captured']}/{m['n_modes']} modes {m['high_quality']:.1%}"
            for m in marks
        ),
        flush=True,
    )
    return {"preset": preset, "seed": seed, "config": config.to_query(), "marks": marks}


def summarize(speed, live, frame, quality) -> list[dict[str, Any]]:
    rows = []
    if speed:
        for name, result in speed.items():
            small = name.startswith("GAN Lab")
            rows.append(
                {
                    "figure": f"iterations/s, {name}",
                    "ours": f"{result['ours']:.0f}",
                    "peer": f"textbook loop {result['textbook_loop']:.0f}; GAN Lab ~60",
                    "ratio": f"{result['ours'] / result['textbook_loop']:.2f}",
                    "target": f">= {SPEED_TARGET:.0f}" if small else "",
                    "pass": result["ours"] >= SPEED_TARGET if small else None,
                }
            )
    if frame:
        rows.append(
            {
                "figure": "frame: ms / KB (field, timeline, metrics)",
                "ours": f"{frame['frame_ms']:.0f} / {frame['frame_kb']:.0f}",
                "peer": f"metrics {frame['metrics_ms']:.0f} ms (1/s)",
                "ratio": "",
                "target": "<= 60 ms, <= 150 KB",
                "pass": frame["frame_ms"] <= 60 and frame["frame_kb"] <= 150,
            }
        )
    if live:
        rows.append(
            {
                "figure": "live steps/s (page open, GAN Lab size)",
                "ours": f"{live['browser']['live_steps_per_second']:.0f}",
                "peer": f"bare {live['bare']:.0f}",
                "ratio": f"{live['ratio']:.2f}",
                "target": f">= {LIVE_TARGET_RATIO}x",
                "pass": live["ratio"] >= LIVE_TARGET_RATIO,
            }
        )
        rows.append(
            {
                "figure": "first frame after Train (s)",
                "ours": f"{live['browser']['first_frame_s']:.2f}",
                "peer": "",
                "ratio": "",
                "target": "<= 0.5 s",
                "pass": live["browser"]["first_frame_s"] <= 0.5,
            }
        )
    for preset, runs in quality.items():
        finals = [run["marks"][-1] for run in runs]
        text = "; ".join(f"{f['modes_captured']}/{f['n_modes']} {f['high_quality']:.1%}" for f in finals)
        if preset == "collapse_r1":
            rows.append(
                {
                    "figure": f"collapse preset + R1, ring, {QUALITY[preset]:.0f} s",
                    "ours": text,
                    "peer": "",
                    "ratio": "",
                    "target": "(reference: modes kept)",
                    "pass": None,
                }
            )
        elif preset == "collapse":
            collapsed = sum(f["modes_captured"] <= 4 for f in finals)
            rows.append(
                {
                    "figure": f"collapse preset, ring, {QUALITY[preset]:.0f} s",
                    "ours": text,
                    "peer": "",
                    "ratio": "",
                    "target": "<= 4 modes in >= 2 of 3",
                    "pass": collapsed >= min(2, len(finals)),
                }
            )
        else:
            needed = 0.90 if preset == "stable" else 0.85
            ok = all(f["modes_captured"] == f["n_modes"] and f["high_quality"] >= needed for f in finals)
            rows.append(
                {
                    "figure": f"{preset} preset, {PRESETS[preset].settings['target']}, {QUALITY[preset]:.0f} s",
                    "ours": text,
                    "peer": "PacGAN 7.9/95.6% ring, 24.8/93.6% grid",
                    "ratio": "",
                    "target": f"all modes, >= {needed:.0%}",
                    "pass": ok,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks gans", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every duration (smoke test)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds for the quality runs")
    parser.add_argument("--presets", default=",".join(QUALITY), help="which presets' quality to measure")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-live", action="store_true", help="no browser run")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    torch.set_num_threads(THREADS)
    scale = 0.1 if args.quick else 1.0
    started = time.perf_counter()
    speed = None if args.skip_speed else run_speed(6.0 * scale)
    frame = None if args.skip_speed else frame_cost()
    live = None if args.skip_live else run_live(max(12.0 * scale, 3.0))
    quality = {
        preset: [quality_run(preset, int(seed), QUALITY[preset] * scale) for seed in args.seeds.split(",")]
        for preset in args.presets.split(",")
        if preset
    }
    rows = summarize(speed, live, frame, quality)
    print()
    print_table(rows)
    write_results(
        args.output,
        "gans",
        args.quick,
        started,
        presets={key: preset.settings for key, preset in PRESETS.items()},
        speed=speed,
        frame=frame,
        live=live,
        quality=quality,
        summary=rows,
        notes="One torch thread per run; quality runs timed alone by the wall clock, metrics excluded; the "
        "machine is shared with other work, so rates are noisy.",
    )
    return 0
