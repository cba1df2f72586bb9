"""Minimax page: every update rule's iterates on the bilinear game, 1,000 steps, computed and drawn.

``python -m benchmarks minimax``: the median of 15 of (a) the five rules' iterates, (b) the
picture (field and five paths) and the distance chart as PNGs, (c) a+b, the page's work after a
slider moves. Peer: the notes' PyTorch recipe for simultaneous GDA (two SGD optimizers, autograd
on L = theta phi), 1,000 steps, one rule. Target: a + b <= 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from benchmarks.common import print_table, write_results
from engine import render
from engine.minimax import dynamics, views
from engine.minimax.games import Game

RESULTS = Path(__file__).resolve().parent / "results" / "minimax.json"
STEPS = 1000
REPEATS = 15


def _median_ms(work) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def _torch_simultaneous() -> None:
    theta, phi = torch.tensor(1.0, requires_grad=True), torch.tensor(1.0, requires_grad=True)
    descent, ascent = torch.optim.SGD([theta], lr=0.1), torch.optim.SGD([phi], lr=0.1, maximize=True)
    for _ in range(STEPS):
        descent.zero_grad()
        ascent.zero_grad()
        (theta * phi).backward()
        descent.step()
        ascent.step()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks minimax", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    torch.set_num_threads(1)
    game = Game("bilinear")

    def iterates():
        return {rule: dynamics.iterate(game, rule, 0.1, 0.1, (1.0, 1.0), STEPS, 5) for rule in dynamics.RULES}

    paths = iterates()
    extent = views.extent_for(paths)

    def draw():
        render.png_bytes(views.paths_image(game, paths, extent))
        render.png_bytes(views.distance_image(paths))

    compute_ms, draw_ms = _median_ms(iterates), _median_ms(draw)
    both_ms = _median_ms(lambda: (iterates(), draw()))
    one_rule_ms = _median_ms(lambda: dynamics.iterate(game, "simultaneous", 0.1, 0.1, (1.0, 1.0), STEPS))
    peer_ms = _median_ms(_torch_simultaneous)
    rows = [
        {"figure": "5 rules x 1,000 iterates, computed", "ours": f"{compute_ms:.1f} ms"},
        {"figure": "field + 5 paths + distance chart, drawn (PNG)", "ours": f"{draw_ms:.1f} ms"},
        {"figure": "computed and drawn", "ours": f"{both_ms:.1f} ms", "target": "<= 100 ms", "pass": both_ms <= 100},
        {
            "figure": "simultaneous GDA, 1,000 iterates",
            "ours": f"{one_rule_ms:.2f} ms",
            "peer": f"{peer_ms:.1f} ms (PyTorch, two SGD optimizers)",
            "ratio": f"{peer_ms / one_rule_ms:.0f}x",
        },
    ]
    print_table(rows)
    write_results(
        args.output,
        "minimax",
        False,
        started,
        compute_ms=compute_ms,
        draw_ms=draw_ms,
        both_ms=both_ms,
        one_rule_ms=one_rule_ms,
        torch_peer_ms=peer_ms,
        summary=rows,
    )
    return 0
