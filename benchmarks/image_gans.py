"""The shipped image GANs: ``python -m benchmarks image_gans``.

For each of DCGAN, the projection cGAN, ACGAN and InfoGAN: classifier-feature FID and Inception
score on 5,000 samples against the 1,000 held-out digits (and the real-vs-real floor: 1,000
training digits against them), the conditional models' class accuracy (target >= 90% for the
projection cGAN), InfoGAN's code-to-digit agreement (best permutation) and what its continuous
codes do, sampling ms per digit, and the training time from each model card (this CPU).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from benchmarks.common import print_table, write_results
from engine.evaluation.table import RealDigits
from engine.image_gans.explore import sample
from engine.image_gans.models import ImageGenerator
from engine.image_gans.shipped import SHIPPED_IMAGE_GANS
from engine.pretrained import PRETRAINED_DIR, load_model
from engine.train.image_gans import measure

RESULTS = Path(__file__).resolve().parent / "results" / "image_gans.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks image_gans", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    torch.set_num_threads(1)
    real = RealDigits.load()
    floor = real.floor()
    models, rows = {}, [{"figure": "real vs real (floor): FID", "ours": f"{floor['fid']:.1f}"}]
    for name, label in SHIPPED_IMAGE_GANS.items():
        generator = load_model(name, ImageGenerator).eval()
        card = json.loads((PRETRAINED_DIR / name / "figures.json").read_text())
        timer = time.perf_counter()
        sample(generator, 1000)
        per_digit_ms = 1000 * (time.perf_counter() - timer) / 1000
        figures = measure(generator, real=real) | {
            "sample_ms": per_digit_ms,
            "training_seconds": card["training_seconds"],
            "steps": card["steps"],
        }
        models[name] = figures
        rows.append(
            {
                "figure": f"{label}: FID / IS",
                "ours": f"{figures['fid']:.1f} / {figures['inception_score']:.2f}",
                "peer": f"trained {card['training_seconds'] / 60:.1f} min, {card['steps']:,} steps",
            }
        )
        if "class_accuracy" in figures:
            target = name == "gan-projection"
            rows.append(
                {
                    "figure": f"{label}: class accuracy",
                    "ours": f"{figures['class_accuracy']:.1%}",
                    "target": ">= 90%" if target else "",
                    "pass": figures["class_accuracy"] >= 0.9 if target else None,
                }
            )
        if "code_agreement" in figures:
            rows.append({"figure": f"{label}: categorical code = digit", "ours": f"{figures['code_agreement']:.1%}"})
            rows.append(
                {
                    "figure": f"{label}: corr(code, slant / width)",
                    "ours": "; ".join(
                        f"{code}: {slant:+.2f} / {width:+.2f}"
                        for code, (slant, width) in figures["code_effects"].items()
                    ),
                }
            )
    print_table(rows)
    write_results(args.output, "image_gans", False, started, floor=floor, models=models, summary=rows)
    return 0
