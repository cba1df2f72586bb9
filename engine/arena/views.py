"""Pictures of a race (:class:`engine.arena.task.ArenaFrame`): each contender's samples over the
faded target, and a yardstick over training time, one line per contender."""

from __future__ import annotations

import numpy as np

from engine import render
from engine.arena.task import ArenaFrame, Checkpoint

IMAGE_SIZE = 200
COLORS = {
    "flow": (31, 119, 180),
    "gan": (214, 39, 40),
    "vae": (148, 103, 189),
    "ddpm": (140, 86, 75),
    "flow_matching": (255, 127, 14),
    "rnade": (44, 160, 44),
}
COLOR_NAMES = {
    "flow": "blue",
    "gan": "red",
    "vae": "purple",
    "ddpm": "brown",
    "flow_matching": "orange",
    "rnade": "green",
}


def samples_image(frame: ArenaFrame, checkpoint: Checkpoint, name: str) -> bytes:
    """A contender's kept samples at ``checkpoint``, in its colour, over the faded target density."""
    return render.png_bytes(
        render.scatter_image(
            checkpoint.samples[name],
            frame.extent,
            IMAGE_SIZE,
            color=COLORS[name],
            alpha=0.5,
            background=render.faded_density(frame.target_density, IMAGE_SIZE),
        )
    )


def curve_image(frame: ArenaFrame, key: str, until: int) -> bytes | None:
    """``key`` (e.g. "kl", "w1") against seconds of training, one line per contender that has it,
    over the first ``until + 1`` checkpoints; None when no contender has it."""
    record = frame.record[: until + 1]
    series = []
    for name in frame.names:
        values = np.array([c.scores[name].get(key, np.nan) for c in record], dtype=float)
        if np.isfinite(values).any():
            series.append((np.array([c.seconds for c in record]), values, COLORS[name]))
    if not series:
        return None
    finite = np.concatenate([y[np.isfinite(y)] for _, y, _ in series])
    high = min(float(finite.max()), 4 * float(np.quantile(finite, 0.5)) + 1e-3)
    low = min(0.0, float(finite.min()))
    return render.png_bytes(render.line_chart(series, (low, high * 1.05), x_label="seconds"))
