"""Turning a GAN run's snapshot into pictures: images for the live views, plotly when paused.

The main view follows GAN Lab (Kahng et al., 2018): the discriminator's output as a heatmap
(green where it says "real", purple where it says "fake"), real samples in green, generated
samples in purple, and arrows showing where the generator's gradient pushes each sample.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from engine import render
from engine.gans.losses import LOSSES
from engine.gans.task import GanCurvesFrame, GanFieldFrame

IMAGE_SIZE = 440
REAL_COLOR = (27, 120, 55)  # dark green
FAKE_COLOR = (118, 42, 131)  # dark purple
ARROW_COLOR = (60, 60, 60)
MANIFOLD_COLOR = (150, 110, 170)
OFF_MODE_COLOR = (225, 225, 225)
D_LOSS_COLOR = (31, 119, 180)
G_LOSS_COLOR = (230, 85, 13)

# ColorBrewer PRGn (purple -> white -> green), GAN Lab's discriminator colour scale.
_PRGN_STOPS = np.array(
    [
        [64, 0, 75],
        [118, 42, 131],
        [153, 112, 171],
        [194, 165, 207],
        [231, 212, 232],
        [247, 247, 247],
        [217, 240, 211],
        [166, 219, 160],
        [90, 174, 97],
        [27, 120, 55],
        [0, 68, 27],
    ],
    dtype=np.float64,
)
PRGN = np.stack(
    [np.interp(np.linspace(0, 10, 256), np.arange(11), _PRGN_STOPS[:, c]) for c in range(3)], axis=1
).astype(np.uint8)


def neutral_output(loss_key: str) -> float:
    """The output that says "can't tell": the optimal discriminator's value where p = q
    (1/2 for a probability, f'(1) for an f-GAN's T, 0 for a critic)."""
    loss = LOSSES[loss_key]
    if getattr(loss, "divergence", None) is not None:
        return float(loss.divergence.f_prime(np.array(1.0)))
    if loss.output_range is not None:
        return sum(loss.output_range) / 2
    return 0.0


def output_scale(loss_key: str, values: np.ndarray) -> tuple[float, float]:
    """(centre, half-width) of the heatmap's colour scale: centred on the neutral output, as
    wide as the loss's output range or, for an unbounded output, as its largest values on screen."""
    centre, output_range = neutral_output(loss_key), LOSSES[loss_key].output_range
    if output_range is not None:
        return centre, (output_range[1] - output_range[0]) / 2
    finite = np.abs(values[np.isfinite(values)] - centre)
    return centre, float(np.quantile(finite, 0.99)) if finite.size and finite.max() > 0 else 1.0


def discriminator_colors(values: np.ndarray, loss_key: str) -> np.ndarray:
    """RGB for the discriminator's output: purple (says fake) -> white -> green (says real)."""
    centre, half = output_scale(loss_key, values)
    scaled = np.clip((np.nan_to_num(values, nan=centre) - centre) / half * 0.5 + 0.5, 0, 1)
    return PRGN[(scaled * 255).astype(np.uint8)]


def _upsample(image: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))


def _dots(draw: ImageDraw.ImageDraw, pixels: np.ndarray, color, radius: float = 1.5) -> None:
    for x, y in pixels[np.isfinite(pixels).all(axis=1)]:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=color)


def field_image(
    visuals: GanFieldFrame,
    show_heatmap: bool = True,
    show_real: bool = True,
    show_fake: bool = True,
    show_arrows: bool = True,
    show_manifold: bool = False,
    size: int = IMAGE_SIZE,
) -> bytes:
    """GAN Lab's main view as a PNG: heatmap, real and generated samples, gradient arrows and
    (optionally) the generator manifold, a grid in noise space mapped through G."""
    extent = visuals.extent
    if show_heatmap:
        background = _upsample(discriminator_colors(visuals.discriminator, visuals.loss), size)
        image = Image.fromarray(background)
    else:
        image = Image.new("RGB", (size, size), render.WHITE)
    draw = ImageDraw.Draw(image)
    if show_manifold and visuals.manifold is not None:
        for line in visuals.manifold:
            pixels = render.to_pixels(line, extent, size)
            if np.isfinite(pixels).all():
                draw.line(pixels.ravel().tolist(), fill=MANIFOLD_COLOR, width=1)
    if show_real:
        _dots(draw, render.to_pixels(visuals.real, extent, size), REAL_COLOR)
    if show_fake:
        _dots(draw, render.to_pixels(visuals.fake, extent, size), FAKE_COLOR)
    if show_arrows:
        render.draw_arrows(draw, visuals.arrows, extent, size, color=ARROW_COLOR)
    draw.rectangle([0, 0, size - 1, size - 1], outline=(200, 200, 200))
    return render.png_bytes(np.asarray(image))


def manifold_image(visuals: GanFieldFrame, size: int = 240) -> bytes | None:
    """GAN Lab's generator manifold: a grid in noise space mapped through G (purple lines) over
    the real samples, or None when the noise has more than 2 dimensions."""
    if visuals.manifold is None:
        return None
    return field_image(visuals, show_heatmap=False, show_fake=False, show_arrows=False, show_manifold=True, size=size)


def mode_key_image(modes: np.ndarray, extent, size: int = 96) -> bytes:
    """The modes' positions in their timeline colours: the key to the per-mode timeline."""
    image = Image.new("RGB", (size, size), render.WHITE)
    draw = ImageDraw.Draw(image)
    for (x, y), color in zip(
        render.to_pixels(np.asarray(modes), extent, size), render.mode_colors(len(modes)), strict=True
    ):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=color)
    draw.rectangle([0, 0, size - 1, size - 1], outline=(200, 200, 200))
    return render.png_bytes(np.asarray(image))


def mode_shares(metric_history) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps, and per step the share of generated samples near each mode (the nearest mode,
    whatever the distance) and high-quality on it: (steps,), (steps, modes), (steps, modes)."""
    rows = [(step, m) for step, m in metric_history if "n_modes" in m]
    if not rows:
        return np.empty(0), np.empty((0, 0)), np.empty((0, 0))
    n_modes = int(rows[-1][1]["n_modes"])
    steps = np.array([step for step, _ in rows], dtype=float)
    nearest = np.array([[m.get(f"nearest_share_{k}", 0.0) for k in range(n_modes)] for _, m in rows])
    high = np.array([[m.get(f"mode_share_{k}", 0.0) for k in range(n_modes)] for _, m in rows])
    return steps, nearest, np.minimum(high, nearest)


def _tint(color, amount: float = 0.6) -> tuple[int, int, int]:
    return tuple(int(c + (255 - c) * amount) for c in color)


def mode_timeline_image(metric_history, size: tuple[int, int] = (400, 120)) -> bytes | None:
    """The per-mode timeline as a stacked-area PNG: at each step (x), the share of generated
    samples nearest to each mode, bottom up, in the mode's colour; the high-quality part (within
    3 std) in full colour, the rest in a pale tint. A collapsing generator fills the column with
    one colour and hops between colours."""
    steps, nearest, high = mode_shares(metric_history)
    if len(steps) < 2:
        return None
    width, height = size
    columns = np.interp(np.linspace(steps[0], steps[-1], width), steps, np.arange(len(steps)))
    index = np.clip(np.round(columns).astype(int), 0, len(steps) - 1)
    parts = np.stack([high[index], nearest[index] - high[index]], axis=2).reshape(width, -1)  # hq_0, rest_0, hq_1, ...
    cumulative = np.cumsum(parts, axis=1)  # (width, 2 * modes)
    level = (np.arange(height)[::-1, None] + 0.5) / height  # 0 at the bottom row
    which = (level[:, :, None] >= cumulative[None, :, :]).sum(axis=2)  # (height, width): part index, or 2K
    colors = render.mode_colors(nearest.shape[1])
    palette = np.array([c for color in colors for c in (color, _tint(color))] + [OFF_MODE_COLOR], dtype=np.uint8)
    return render.png_bytes(palette[which])


def loss_image(snapshot, size: tuple[int, int] = (360, 220)) -> bytes | None:
    """Discriminator and generator losses per step (both runs' when A/B) as a small PNG."""
    if snapshot.step == 0 or len(snapshot.loss_values) < 2:
        return None
    values = snapshot.loss_values
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    low, high = float(np.quantile(finite, 0.01)), float(np.quantile(finite, 0.99))
    pad = 0.08 * max(high - low, 0.05)
    colours = [D_LOSS_COLOR, G_LOSS_COLOR, (107, 174, 214), (253, 174, 107)]
    series = [(snapshot.loss_steps, values[:, k], colours[k % 4]) for k in range(values.shape[1])]
    return render.png_bytes(render.line_chart(series, (low - pad, high + pad), size=size))


def metrics_image(metric_history, size: tuple[int, int] = (360, 180)) -> bytes | None:
    """Over training (PNG): W1 (purple) and JS (green) between generated and held-out samples,
    and on mixtures the high-quality share (blue) and the share of modes captured (orange)."""
    curves = {
        FAKE_COLOR: lambda m: m.get("w1", math.nan),
        REAL_COLOR: lambda m: m.get("js", math.nan),
        D_LOSS_COLOR: lambda m: m.get("high_quality", math.nan),
        G_LOSS_COLOR: lambda m: m["modes_captured"] / m["n_modes"] if "n_modes" in m else math.nan,
    }
    series = []
    for colour, value in curves.items():
        points = [(step, value(m)) for step, m in metric_history if math.isfinite(value(m))]
        if len(points) > 1:
            steps, values = (np.array(v, dtype=float) for v in zip(*points, strict=True))
            series.append((steps, values, colour))
    if not series:
        return None
    top = max(float(np.quantile(values, 0.98)) for _, values, _ in series)
    return render.png_bytes(render.line_chart(series, (0.0, max(top * 1.08, 0.05)), size=size))


def one_d_figure(visuals: GanCurvesFrame) -> go.Figure:
    """1-D GAN: the data and generator densities, the discriminator's curve, and the optimal
    discriminator computed from the two densities (p_data / (p_data + p_g) for the log loss)."""
    x = visuals.x
    figure = go.Figure()
    figure.add_scatter(
        x=x,
        y=visuals.real_density,
        name="p_data(x)",
        line=dict(color="#1b7837", width=2.5),
        fill="tozeroy",
        fillcolor="rgba(27,120,55,0.12)",
    )
    figure.add_scatter(
        x=x,
        y=visuals.fake_density,
        name="p_g(x) (generated)",
        line=dict(color="#762a83", width=2.5),
        fill="tozeroy",
        fillcolor="rgba(118,42,131,0.12)",
    )
    loss = LOSSES[visuals.loss]
    figure.add_scatter(
        x=x, y=visuals.discriminator, name=loss.output_label, line=dict(color="#333333", width=2), yaxis="y2"
    )
    if visuals.optimal is not None:
        figure.add_scatter(
            x=x,
            y=visuals.optimal,
            name="optimal, estimated from the densities",
            yaxis="y2",
            line=dict(color="#e6550d", width=2, dash="dash"),
        )
    right_axis = dict(overlaying="y", side="right", title="discriminator", showgrid=False)
    if loss.output_range is not None:
        low, high = loss.output_range
        right_axis |= dict(
            range=[low - 0.02 * (high - low), high + 0.02 * (high - low)], tickvals=np.linspace(low, high, 5)
        )
    else:  # unbounded: frame the discriminator's own curve (the optimum can run off to extremes)
        curve = np.asarray(visuals.discriminator, dtype=float)
        curve = curve[np.isfinite(curve)]
        if curve.size:
            low, high = float(curve.min()), float(curve.max())
            pad = 0.25 * max(high - low, 0.5)
            right_axis["range"] = [low - pad, high + pad]
    figure.update_layout(
        height=360,
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(title="density"),
        yaxis2=right_axis,
        legend=dict(orientation="h", y=-0.15),
        xaxis_title="x",
    )
    return figure
