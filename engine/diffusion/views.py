"""Pictures of a diffusion or flow-matching run's frames (:class:`engine.diffusion.task.DiffusionFrame`):
PNG images cheap enough for every live frame."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from engine import render
from engine.diffusion.task import DiffusionFrame

IMAGE_SIZE = 256
PATH_COLOR = (120, 120, 120)


def _faded_target(frame: DiffusionFrame) -> np.ndarray:
    target = render.colorize(frame.target_density, float(np.nanmax(frame.target_density)) or None)
    faded = 255 - (255 - target) // 6
    return np.asarray(Image.fromarray(faded).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR))


def samples_image(frame: DiffusionFrame) -> bytes:
    """The samples (orange) over the faded target density."""
    return render.png_bytes(render.scatter_image(frame.samples, frame.extent, IMAGE_SIZE, color=render.MODEL_COLOR, alpha=0.45,
                                                 background=_faded_target(frame)))  # fmt: skip


def paths_image(frame: DiffusionFrame) -> bytes:
    """Paths from noise (grey lines) to the samples they end at (orange dots), over the faded target:
    curved for DDPM, near-straight for flow matching."""
    image = Image.fromarray(_faded_target(frame))
    draw = ImageDraw.Draw(image)
    (x0, x1), (y0, y1) = frame.extent
    for path in frame.paths:
        pixels = np.stack([(path[:, 0] - x0) / (x1 - x0) * IMAGE_SIZE, (y1 - path[:, 1]) / (y1 - y0) * IMAGE_SIZE], axis=1)
        pixels = pixels[np.isfinite(pixels).all(axis=1)]
        if len(pixels) > 1:
            draw.line(pixels.ravel().tolist(), fill=PATH_COLOR, width=1)
            end_x, end_y = pixels[-1]
            draw.ellipse([end_x - 2, end_y - 2, end_x + 2, end_y + 2], fill=render.MODEL_COLOR)
    return render.png_bytes(np.asarray(image))


def loss_image(snapshot) -> bytes:
    """The training loss per step (a PNG chart; the y range skips the first steps' large losses)."""
    losses = snapshot.loss_values[:, 0]
    finite = losses[np.isfinite(losses)]
    low, high = (float(finite.min()), float(np.quantile(finite, 0.98))) if len(finite) else (0.0, 1.0)
    pad = 0.05 * max(high - low, 1e-3)
    return render.png_bytes(render.line_chart([(snapshot.loss_steps, losses, (31, 119, 180))], (low - pad, high + pad)))
