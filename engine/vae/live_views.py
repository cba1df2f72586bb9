"""Images of the VAE page's live-training view, drawn from a task's visuals and a snapshot."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from engine import render
from engine.vae.task import GRID_SPACING, VaeLatentFrame
from engine.vae.views import hex_to_rgb, latent_map_figure

NEGATIVE_ELBO_COLOR = (31, 119, 180)
HELD_OUT_COLOR = (230, 85, 13)
FONT = ImageFont.load_default(size=13)
SMALL_FONT = ImageFont.load_default(size=11)
AXIS_COLOR = (90, 90, 90)
LIGHT_GREY = (225, 225, 225)
MIN_HALF_EXTENT = 4.0  # the scatter shows at least [-4, 4]^2, and zooms out in whole units


def scatter_half_extent(means: np.ndarray) -> float:
    """Half the side of the square the scatter shows: at least 4, else the 99th percentile of
    |z| plus 10%, rounded up to a whole unit (so that the view does not jitter frame to frame)."""
    finite = np.abs(means[np.isfinite(means).all(axis=1)])
    reach = float(np.quantile(finite, 0.99)) * 1.1 if len(finite) else 0.0
    return max(MIN_HALF_EXTENT, float(math.ceil(reach)))


def latent_image(visuals: VaeLatentFrame, plot_size: int = 380) -> bytes:
    """The test digits' encodings mu(x) coloured by digit, over the prior's 1- and 2-sigma
    circles and the grid's latent points (grey +), with axes and a legend, as a PNG."""
    means, labels = visuals.means, visuals.labels
    half = scatter_half_extent(means)
    left, top, bottom, legend = 46, 10, 36, 64
    image = Image.new("RGB", (left + plot_size + legend, top + plot_size + bottom), render.WHITE)
    draw = ImageDraw.Draw(image)

    def to_px(z: np.ndarray) -> np.ndarray:
        z = np.clip(z, -half, half)  # points beyond the view sit on its edge
        return np.stack(
            [left + (z[:, 0] + half) / (2 * half) * plot_size, top + (half - z[:, 1]) / (2 * half) * plot_size], axis=1
        )

    step = 1 if half <= 5 else 2 if half <= 10 else 5 * math.ceil(half / 25)
    for tick in np.arange(-math.floor(half / step) * step, half + 1e-9, step):
        ((x, y),) = to_px(np.array([[tick, tick]]))
        draw.line([x, top, x, top + plot_size], fill=(242, 242, 242))
        draw.line([left, y, left + plot_size, y], fill=(242, 242, 242))
        draw.text((x, top + plot_size + 3), f"{tick:g}", fill=AXIS_COLOR, font=SMALL_FONT, anchor="mt")
        draw.text((left - 4, y), f"{tick:g}", fill=AXIS_COLOR, font=SMALL_FONT, anchor="rm")
    for x, y in to_px(visuals.grid_z):
        draw.line([x - 2, y, x + 2, y], fill=(185, 185, 185))
        draw.line([x, y - 2, x, y + 2], fill=(185, 185, 185))
    colors = [hex_to_rgb(c) for c in render.DIGIT_COLORS]
    finite = np.isfinite(means).all(axis=1)
    for (x, y), label in zip(to_px(means[finite]), labels[finite]):
        draw.ellipse([x - 2.2, y - 2.2, x + 2.2, y + 2.2], fill=colors[label])
    centre = to_px(np.zeros((1, 2)))[0]
    for radius in (1, 2):  # the prior N(0, I): 1 and 2 standard deviations, over the points
        r = radius / (2 * half) * plot_size
        draw.ellipse([centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r], outline=(110, 110, 110))
    draw.rectangle([left, top, left + plot_size, top + plot_size], outline=(200, 200, 200))
    _subscripted(draw, (left + plot_size / 2 - 5, top + plot_size + 17), "z", "1")
    _subscripted(draw, (3, top + plot_size / 2 - 8), "z", "2")
    x0 = left + plot_size + 14
    draw.text((x0, top + 4), "digit", fill=(40, 40, 40), font=FONT)
    for digit, color in enumerate(colors):
        y = top + 30 + digit * 20
        draw.ellipse([x0, y - 5, x0 + 10, y + 5], fill=color)
        draw.text((x0 + 16, y), str(digit), fill=(40, 40, 40), font=FONT, anchor="lm")
    return render.png_bytes(np.asarray(image))


def _subscripted(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, subscript: str) -> None:
    """``text`` with a lowered, smaller ``subscript`` (the default font has no subscript glyphs)."""
    draw.text(xy, text, fill=(40, 40, 40), font=FONT)
    draw.text((xy[0] + FONT.getlength(text) + 1, xy[1] + 5), subscript, fill=(40, 40, 40), font=SMALL_FONT)


def grid_image(visuals: VaeLatentFrame, scale: int = 1) -> bytes:
    """The decoded latent grid (white digits on black, as MNIST) as a PNG."""
    grid = visuals.grid
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    return render.png_bytes(grid)  # grayscale: a third of the bytes of RGB


def latent_figure(visuals: VaeLatentFrame) -> go.Figure:
    """The encodings over the decoded grid as the explore views draw them (for a paused run)."""
    return latent_map_figure(
        visuals.grid / 255.0, visuals.grid_size, GRID_SPACING, visuals.means, visuals.labels, height=480
    )


def _history(snapshot, key: str, sign: float) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(s, sign * m[key]) for s, m in snapshot.metric_history if math.isfinite(m.get(key, math.nan))]
    return (np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])) if pairs else (np.empty(0), np.empty(0))


def _y_range(values: np.ndarray) -> tuple[float, float]:
    """From the lowest value to the 95th percentile (the first steps' large losses fall off the
    top, so that the later progress stays visible)."""
    values = values[np.isfinite(values)]
    if not len(values):
        return 0.0, 1.0
    low, high = float(values.min()), float(np.quantile(values, 0.95))
    pad = 0.08 * max(high - low, 0.05)
    return max(0.0, low - pad), high + pad


def loss_image(snapshot, size: tuple[int, int] = (330, 220)) -> bytes | None:
    """Three small charts side by side, in nats per digit: the negative ELBO, the reconstruction
    error -E_q[log p(x|z)] and the KL; blue the training batches, orange the held-out digits.
    None before the first step."""
    if snapshot.step == 0:
        return None
    panels = []
    for column, (title, key, sign) in enumerate(
        [
            ("negative ELBO", "elbo", -1.0),
            ("reconstruction error", "reconstruction", -1.0),
            ("KL(q(z|x) || p(z))", "kl", 1.0),
        ]
    ):
        train = snapshot.loss_values[:, column]
        held_steps, held_values = _history(snapshot, key, sign)
        y_range = _y_range(np.concatenate([train, held_values]))
        chart = render.line_chart(
            [(snapshot.loss_steps, train, NEGATIVE_ELBO_COLOR), (held_steps, held_values, HELD_OUT_COLOR)],
            y_range,
            size=size,
        )
        header = Image.new("RGB", (size[0], 20), render.WHITE)
        ImageDraw.Draw(header).text((44, 3), f"{title} (nats)", fill=(40, 40, 40), font=FONT)
        panels.append(np.concatenate([np.asarray(header), chart]))
    return render.png_bytes(render.hstack_panels(panels, gap=10))
