"""A target's density on a plotting grid, and grid lines to push through a model; shared by the
pages that draw them.

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


def grid_lines(extent, n_lines: int, points_per_line: int) -> torch.Tensor:
    """``n_lines`` horizontal and ``n_lines`` vertical lines spanning a 2-D ``extent`` (to push
    through a flow or a generator): shape (2 * n_lines, points_per_line, 2), interleaved."""
    (x0, x1), (y0, y1) = extent
    t = torch.linspace(0, 1, points_per_line)
    lines = []
    for u in torch.linspace(0, 1, n_lines):
        lines.append(torch.stack([x0 + t * (x1 - x0), torch.full_like(t, y0 + float(u) * (y1 - y0))], 1))
        lines.append(torch.stack([torch.full_like(t, x0 + float(u) * (x1 - x0)), y0 + t * (y1 - y0)], 1))
    return torch.stack(lines)
