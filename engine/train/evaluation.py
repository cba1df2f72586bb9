"""Score every shipped image model for the Evaluation page: ``python -m engine.train.evaluation [--samples N]``.

Writes ``pretrained/evaluation.json``: the table of :mod:`engine.evaluation.table` (N samples per
model, 1,000 by default, against the 1,000 held-out digits), the real-vs-real floor, and FID
against the number of samples for the fast models; with the command, machine and time taken.
~6 minutes on one CPU thread (the autoregressive models draw their 6,000 digits pixel by pixel).
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from pathlib import Path

import torch

from engine.evaluation.metrics import fid_by_sample_count
from engine.evaluation.table import IMAGE_MODELS, RealDigits, evaluate, sampler
from engine.mnist_classifier import classifier_outputs
from engine.pretrained import PRETRAINED_DIR
from engine.train.cards import command_line, machine

OUTPUT = PRETRAINED_DIR / "evaluation.json"
CURVE_MODELS = ("vae-16d", "stylegan-color-digits")  # fast samplers: FID against the number of samples
CURVE_COUNTS = (50, 100, 200, 500, 1000, 2000, 5000)


def fid_curves(real: RealDigits, seed: int = 0) -> dict[str, list[tuple[int, float]]]:
    curves = {}
    for name in CURVE_MODELS:
        images = sampler(name)(max(CURVE_COUNTS), torch.Generator().manual_seed(seed + 1))
        curves[name] = fid_by_sample_count(
            real.held_out, classifier_outputs(real.classifier, images)[0], CURVE_COUNTS, seed
        )
    return curves


def compute_table(
    samples: int = 1000, seed: int = 0, models: list[str] | None = None, previous: dict | None = None, log=print
) -> dict:
    """The table; with ``models`` (and the ``previous`` table) only those rows are computed again."""
    started = time.perf_counter()
    torch.set_num_threads(1)
    real = RealDigits.load()
    kept = {row["model"]: row for row in (previous or {}).get("rows", [])}
    rows = []
    for name in IMAGE_MODELS:
        if models is not None and name not in models and name in kept:
            rows.append(kept[name])
            continue
        rows.append(evaluate(name, real, samples, seed))
        log(
            f"{name:24s} FID {rows[-1]['fid']:7.1f}  IS {rows[-1]['inception_score']:5.2f}  "
            f"P {rows[-1]['precision']:.2f}  R {rows[-1]['recall']:.2f}  {rows[-1]['sample_ms']:.2f} ms/digit"
        )
    return {
        "samples": samples,
        "real": "the 1,000 held-out digits of the MNIST subset, grey",
        "floor": real.floor(),
        "rows": rows,
        "fid_by_samples": fid_curves(real, seed),
        "seconds": time.perf_counter() - started,
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--models", nargs="+", choices=list(IMAGE_MODELS), help="score only these again, keep the other rows"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    previous = json.loads(args.output.read_text()) if args.models and args.output.is_file() else None
    table = compute_table(args.samples, args.seed, args.models, previous) | {
        "command": command_line("engine.train.evaluation", argv)
    }
    args.output.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {args.output} ({table['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
