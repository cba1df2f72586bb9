"""A target's density on a plotting grid, shared by the pages that draw it under a model.

Exact where the target has a closed-form density; otherwise a histogram of 200,000 samples
(the pages say which, through ``target.density_note``).
"""

from __future__ import annotations

import numpy as np
import torch

from engine import render
from engine.targets import Target

HISTOGRAM_SAMPLES = 200_000


def density_curve(target: Target, points: int) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D target's density at ``points`` evenly spaced x over its extent: (x, p(x))."""
    xs = torch.linspace(*target.extent, points).unsqueeze(1)
    if target.has_exact_density:
        return xs[:, 0].numpy(), target.log_prob(xs).exp().numpy()
    samples = target.sample(HISTOGRAM_SAMPLES, torch.Generator().manual_seed(7)).numpy()[:, 0]
    counts, _ = np.histogram(samples, bins=points, range=target.extent)
    width = (target.extent[1] - target.extent[0]) / points
    return xs[:, 0].numpy(), counts / (len(samples) * width)


def density_image(target: Target, size: int) -> np.ndarray:
    """A 2-D target's density on a ``size x size`` pixel grid over its extent (y up)."""
    if target.has_exact_density:
        grid = torch.from_numpy(render.grid_points(target.extent, size))
        return target.log_prob(grid).exp().reshape(size, size).numpy()
    samples = target.sample(HISTOGRAM_SAMPLES, torch.Generator().manual_seed(7)).numpy()
    return render.histogram_density(samples, target.extent, size)
