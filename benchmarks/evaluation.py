"""The evaluation table for every shipped image model: ``python -m benchmarks evaluation [--ship]``.

Runs :func:`engine.train.evaluation.compute_table` (classifier-feature FID, Inception score,
precision and recall on 1,000 samples per model against the 1,000 held-out digits, the
real-vs-real floor, the cards' test likelihoods, sampling ms per digit) and writes
``benchmarks/results/evaluation.json``; with ``--ship`` also ``pretrained/evaluation.json``, the
Evaluation page's table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.common import write_results
from engine.train.cards import command_line
from engine.train.evaluation import OUTPUT, compute_table

RESULTS = Path(__file__).resolve().parent / "results" / "evaluation.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks evaluation", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--ship", action="store_true", help="also write pretrained/evaluation.json")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    table = compute_table(args.samples)
    floor = table["floor"]
    print(
        f"{'real vs real (floor)':24s} FID {floor['fid']:7.1f}  IS {floor['inception_score']:.2f}  P {floor['precision']:.2f}  R {floor['recall']:.2f}"
    )
    if args.ship:
        OUTPUT.write_text(json.dumps(table | {"command": command_line("benchmarks evaluation", argv)}, indent=1) + "\n")
    write_results(args.output, "evaluation", False, started, **table)
    return 0
