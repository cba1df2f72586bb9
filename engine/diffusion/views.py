"""Pictures of a diffusion or flow-matching run's frames (:class:`engine.diffusion.task.DiffusionFrame`):
PNG images cheap enough for every live frame."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from engine import render
from engine.diffusion.task import DiffusionFrame

IMAGE_SIZE = 256
PATH_COLOR = (120, 120, 120)


def samples_image(frame: DiffusionFrame) -> bytes:
    """The samples (orange; a conditional run's coloured by the class they were drawn for) over the
    faded target density."""
    image = render.faded_density(frame.target_density, IMAGE_SIZE)
    if frame.labels is None:
        return render.png_bytes(
            render.scatter_image(
                frame.samples, frame.extent, IMAGE_SIZE, color=render.MODEL_COLOR, alpha=0.45, background=image
            )
        )
    colors = render.mode_colors(int(frame.labels.max()) + 1)
    for label, color in enumerate(colors):
        image = render.scatter_image(
            frame.samples[frame.labels == label], frame.extent, IMAGE_SIZE, color=color, alpha=0.6, background=image
        )
    return render.png_bytes(image)


def field_image(frame: DiffusionFrame, level: int) -> bytes:
    """The density of the noised data x_t at ``NOISE_LEVELS[level]`` (its own colour scale) with
    the learned field's arrows (score or velocity; lengths relative to each other)."""
    density = frame.noised_density[level]
    background = render.colorize(density, float(np.nanmax(density)) or None)
    image = Image.fromarray(background).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
    render.draw_arrows(
        ImageDraw.Draw(image), frame.field[level], frame.extent, IMAGE_SIZE, color=(255, 255, 255), longest_px=14
    )
    return render.png_bytes(np.asarray(image))


def learned_density_image(density: np.ndarray, target_density: np.ndarray) -> bytes:
    """The learned density q(x) on the target's colour scale (as the Flows page shows it)."""
    image = render.colorize(density, float(np.nanmax(target_density)) or None)
    return render.png_bytes(
        np.asarray(Image.fromarray(image).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR))
    )


SAMPLER_COLORS = {
    "ddpm": (31, 119, 180),
    "ddim": (44, 160, 44),
    "langevin": (148, 103, 189),
    "euler": (255, 127, 14),
    "heun": (214, 39, 40),
}
SAMPLER_COLOR_NAMES = {"ddpm": "blue", "ddim": "green", "langevin": "purple", "euler": "orange", "heun": "red"}


def quality_image(curves: dict[str, list[tuple[int, float]]], floor: float | None = None) -> bytes:
    """W1 against log10(steps), one curve per sampler (y clipped to the interesting range)."""
    series, finite = [], []
    for sampler, points in curves.items():
        steps, w1 = np.array(points, dtype=float).T
        series.append((np.log10(steps), w1, SAMPLER_COLORS[sampler]))
        finite += [value for value in w1 if np.isfinite(value)]
    high = min(max(finite, default=1.0), 4 * min(finite, default=1.0) + 0.5)
    return render.png_bytes(render.line_chart(series, (0.0, high * 1.05), floor=floor, x_label="log10 steps"))


def paths_image(frame: DiffusionFrame) -> bytes:
    """Paths from noise (grey lines) to the samples they end at (orange dots), over the faded target:
    curved for DDPM, near-straight for flow matching."""
    image = Image.fromarray(render.faded_density(frame.target_density, IMAGE_SIZE))
    draw = ImageDraw.Draw(image)
    for path in frame.paths:
        pixels = render.to_pixels(path, frame.extent, IMAGE_SIZE)
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
