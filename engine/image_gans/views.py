"""Pictures of the live DCGAN's frames: the fixed-noise grid, and the two players' losses."""

from __future__ import annotations

import numpy as np

from engine import render
from engine.image_gans.explore import tile
from engine.image_gans.task import DcganFrame


def grid_image(frame: DcganFrame) -> bytes:
    """The 8 x 8 digits of the fixed noise (ink dark on white), 3x upscaled."""
    grey = (255 * tile(frame.grid)).astype(np.uint8)
    return render.png_bytes(np.kron(grey, np.ones((3, 3), dtype=np.uint8))[..., None].repeat(3, axis=2))


def losses_image(snapshot) -> bytes:
    """D's and G's losses per step (blue D, orange G)."""
    values = snapshot.loss_values
    finite = values[np.isfinite(values)]
    high = float(np.quantile(finite, 0.98)) if len(finite) else 1.0
    series = [(snapshot.loss_steps, values[:, 0], (31, 119, 180)), (snapshot.loss_steps, values[:, 1], (255, 127, 14))]
    return render.png_bytes(render.line_chart(series, (0.0, max(high, 1e-3) * 1.05)))
