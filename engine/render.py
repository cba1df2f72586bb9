"""Rendering to small RGB arrays: heatmaps, scatter plots and flow-stage panels.

Live views are drawn as images from numpy (a few milliseconds, a few kilobytes as PNG) rather
than as interactive charts, so that a frame is cheap to produce and to send.
"""

from __future__ import annotations

import colorsys
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Viridis at ten evenly spaced stops (the colour scale of matplotlib and plotly).
_VIRIDIS_STOPS = np.array(
    [
        [68, 1, 84],
        [72, 40, 120],
        [62, 73, 137],
        [49, 104, 142],
        [38, 130, 142],
        [31, 158, 137],
        [53, 183, 121],
        [110, 206, 88],
        [181, 222, 43],
        [253, 231, 37],
    ],
    dtype=np.float64,
)
VIRIDIS = np.stack(
    [np.interp(np.linspace(0, 9, 256), np.arange(10), _VIRIDIS_STOPS[:, c]) for c in range(3)],
    axis=1,
).astype(np.uint8)

TARGET_COLOR = (31, 119, 180)  # blue: data
MODEL_COLOR = (230, 85, 13)  # orange: model samples
GRID_COLOR = (150, 150, 150)
WHITE = (255, 255, 255)
# Tableau 10: one colour per digit (or class), readable on white and when projected.
DIGIT_COLORS = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
FONT = ImageFont.load_default(size=11)  # loaded once: loading it per label costs milliseconds
STAGE_HEADER = 28  # pixels above each stage panel for its two-line label


def grid_points(extent, size: int) -> np.ndarray:
    """Centres of a ``size x size`` pixel grid over a 2D extent, row-major from the top row.

    Returns ``(size*size, 2)`` float32 so that ``values.reshape(size, size)`` is an image with
    y pointing up.
    """
    (x0, x1), (y0, y1) = extent
    xs = x0 + (np.arange(size) + 0.5) * (x1 - x0) / size
    ys = y1 - (np.arange(size) + 0.5) * (y1 - y0) / size
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def pixel_area(extent, size: int) -> float:
    (x0, x1), (y0, y1) = extent
    return (x1 - x0) * (y1 - y0) / size**2


def colorize(values: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """Map a 2D array of non-negative values to viridis RGB (0 -> dark, ``vmax`` -> yellow)."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0)
    top = float(vmax) if vmax is not None else float(values.max(initial=0.0))
    scaled = np.clip(values / top, 0.0, 1.0) if top > 0 else np.zeros_like(values)
    return VIRIDIS[(scaled * 255).astype(np.uint8)]


def histogram_density(samples: np.ndarray, extent, size: int, blur_pixels: float = 1.0) -> np.ndarray:
    """A density estimate on the pixel grid: a 2D histogram, lightly Gaussian-blurred,
    normalised so that it integrates to the share of samples inside the extent."""
    (x0, x1), (y0, y1) = extent
    counts, _, _ = np.histogram2d(samples[:, 1], samples[:, 0], bins=size, range=[[y0, y1], [x0, x1]])
    counts = counts[::-1]  # y up
    if blur_pixels > 0:
        radius = int(3 * blur_pixels) + 1
        kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / blur_pixels) ** 2)
        kernel /= kernel.sum()
        counts = np.apply_along_axis(np.convolve, 0, counts, kernel, mode="same")
        counts = np.apply_along_axis(np.convolve, 1, counts, kernel, mode="same")
    return counts / (len(samples) * pixel_area(extent, size))


def scatter_image(
    points: np.ndarray,
    extent,
    size: int = 256,
    color=MODEL_COLOR,
    alpha: float = 0.3,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Points splatted as 2x2 dots with opacity accumulating where they pile up."""
    image = (
        np.full((size, size, 3), 255, dtype=np.float64) if background is None else background.astype(np.float64).copy()
    )
    (x0, x1), (y0, y1) = extent
    points = np.asarray(points, dtype=np.float64)
    cols = np.floor((points[:, 0] - x0) / (x1 - x0) * size).astype(np.int64)
    rows = np.floor((y1 - points[:, 1]) / (y1 - y0) * size).astype(np.int64)
    counts = np.zeros((size + 1, size + 1))
    inside = (cols >= 0) & (cols < size) & (rows >= 0) & (rows < size)
    np.add.at(counts, (rows[inside], cols[inside]), 1.0)
    counts = counts[:-1, :-1] + counts[1:, :-1] + counts[:-1, 1:] + counts[1:, 1:]
    opacity = 1.0 - (1.0 - alpha) ** counts
    image = image * (1 - opacity[..., None]) + np.array(color, dtype=np.float64) * opacity[..., None]
    return image.astype(np.uint8)


def robust_extent(points: np.ndarray, margin: float = 0.1, quantile: float = 0.005):
    """A square extent holding all but the outermost ``quantile`` of points, plus a margin."""
    finite = points[np.isfinite(points).all(axis=1)]
    if len(finite) == 0:
        return ((-1.0, 1.0), (-1.0, 1.0))
    lo = np.quantile(finite, quantile, axis=0)
    hi = np.quantile(finite, 1 - quantile, axis=0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * (1 + margin), 1e-3)
    return tuple((float(c - half), float(c + half)) for c in centre)


def to_pixels(points: np.ndarray, extent, size: int) -> np.ndarray:
    """Points (n, 2) in data coordinates -> pixel coordinates of a ``size``-pixel image of ``extent``
    (y down); non-finite points stay non-finite."""
    (x0, x1), (y0, y1) = extent
    return np.stack([(points[:, 0] - x0) / (x1 - x0) * size, (y1 - points[:, 1]) / (y1 - y0) * size], axis=1)


def stage_panel(
    grid_lines: np.ndarray,
    data: np.ndarray,
    label: str,
    size: int = 200,
    data_color=TARGET_COLOR,
) -> np.ndarray:
    """One panel of "how the flow moves space": deformed grid lines and the data points.

    ``grid_lines`` has shape ``(n_lines, points_per_line, 2)``; the panel frames the data.
    """
    extent = robust_extent(np.concatenate([data, grid_lines.reshape(-1, 2)]), quantile=0.01)
    image = Image.new("RGB", (size, size + STAGE_HEADER), WHITE)
    draw = ImageDraw.Draw(image)
    offset = np.array([0.0, STAGE_HEADER])
    for line in grid_lines:
        pixels = to_pixels(line[np.isfinite(line).all(axis=1)], extent, size) + offset
        if len(pixels) > 1:
            draw.line(pixels.ravel().tolist(), fill=GRID_COLOR, width=1)
    pixels = to_pixels(data[np.isfinite(data).all(axis=1)], extent, size) + offset
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):  # 2x2 dots
        draw.point((pixels + (dx, dy)).ravel().tolist(), fill=data_color)
    draw.rectangle([0, 0, size - 1, STAGE_HEADER - 1], fill=WHITE)  # points past the top edge
    draw.rectangle([0, STAGE_HEADER, size - 1, size + STAGE_HEADER - 1], outline=(200, 200, 200))
    draw.multiline_text((2, 1), label, fill=(20, 20, 20), spacing=1, font=FONT)
    return np.asarray(image)


def line_chart(
    series: list[tuple[np.ndarray, np.ndarray, tuple[int, int, int]]],
    y_range: tuple[float, float],
    floor: float | None = None,
    size: tuple[int, int] = (360, 260),
    x_label: str = "step",
) -> np.ndarray:
    """A small line chart as an image (the live loss curve; plotly takes over when paused).

    ``series`` holds (x, y, colour) triples; ``floor`` is drawn as a dashed green line.
    """
    width, height = size
    left, right, top, bottom = 44, 10, 8, 24
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    x_max = max((float(x[-1]) for x, _, _ in series if len(x)), default=1.0) or 1.0
    y0, y1 = y_range

    def to_px(x, y):
        px = left + np.asarray(x, dtype=float) / x_max * (width - left - right)
        py = top + (y1 - np.clip(np.asarray(y, dtype=float), y0, y1)) / (y1 - y0) * (height - top - bottom)
        return px, py

    for tick in np.linspace(y0, y1, 5):
        _, py = to_px(0, tick)
        draw.line([left, float(py), width - right, float(py)], fill=(235, 235, 235))
        draw.text((2, float(py) - 6), f"{tick:.2f}", fill=(90, 90, 90), font=FONT)
    for tick in np.linspace(0, x_max, 5):
        px, _ = to_px(tick, y0)
        draw.text((float(px) - 10, height - bottom + 6), f"{tick:,.0f}", fill=(90, 90, 90), font=FONT)
    draw.text((width - right - 30, height - 12), x_label, fill=(90, 90, 90), font=FONT)
    if floor is not None and y0 <= floor <= y1:
        _, py = to_px(0, floor)
        for start in range(left, width - right, 8):
            draw.line([start, float(py), min(start + 4, width - right), float(py)], fill=(44, 160, 44), width=2)
    for x, y, colour in series:
        ok = np.isfinite(np.asarray(y, dtype=float))
        if ok.sum() > 1:
            px, py = to_px(np.asarray(x)[ok], np.asarray(y)[ok])
            draw.line(np.stack([px, py], axis=1).ravel().tolist(), fill=colour, width=2)
    draw.rectangle([left, top, width - right, height - bottom], outline=(200, 200, 200))
    return np.asarray(image)


def png_bytes(image: np.ndarray) -> bytes:
    """Encode an RGB array as PNG (what the page sends; flat colours compress well)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)  # fast; ~25% larger than 6
    return buffer.getvalue()


def hstack_panels(panels: list[np.ndarray], gap: int = 6, per_row: int = 5) -> np.ndarray:
    """Tile equally sized panels left to right, wrapping after ``per_row``."""
    height, width, _ = panels[0].shape
    rows = [panels[i : i + per_row] for i in range(0, len(panels), per_row)]
    n_cols = min(per_row, len(panels))
    out = np.full((len(rows) * (height + gap) - gap, n_cols * (width + gap) - gap, 3), 255, dtype=np.uint8)
    for r, row in enumerate(rows):
        for c, panel in enumerate(row):
            out[r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width] = panel
    return out


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A grey image in [0, 1] as uint8 (clipped)."""
    return (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8)


def digit_strip(images: np.ndarray, scale: int = 3, gap: int = 2) -> np.ndarray:
    """Digits (k, 28, 28) in [0, 1] side by side, upscaled (nearest) ``scale`` times, on a white gap: uint8."""
    k = len(images)
    size = 28 * scale
    strip = np.full((size, k * (size + gap) - gap), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        strip[:, i * (size + gap) : i * (size + gap) + size] = to_uint8(np.kron(image, np.ones((scale, scale))))
    return strip


def draw_arrows(draw, arrows: np.ndarray, extent, size: int, color=(60, 60, 60), longest_px: float = 22.0) -> None:
    """Arrows (rows x, y, dx, dy) drawn on a PIL ``draw`` of a ``size``-pixel image of ``extent``,
    the longest ``longest_px`` pixels long (lengths relative to each other, as in GAN Lab)."""
    start = to_pixels(arrows[:, :2], extent, size)
    direction = arrows[:, 2:] * np.array([1.0, -1.0])  # y grows downwards in pixels
    norms = np.linalg.norm(direction, axis=1)
    finite = np.isfinite(norms) & np.isfinite(start).all(axis=1)
    if not finite.any() or norms[finite].max() <= 0:
        return
    scale = longest_px / norms[finite].max()
    for (x, y), (dx, dy), ok in zip(start, direction * scale, finite, strict=True):
        if not ok or math.hypot(dx, dy) < 1.0:
            continue
        end = (x + dx, y + dy)
        draw.line([x, y, *end], fill=color, width=1)
        angle = math.atan2(dy, dx)
        for side in (2.6, -2.6):
            draw.line([*end, end[0] + 4 * math.cos(angle + side), end[1] + 4 * math.sin(angle + side)], fill=color)


def mode_colors(n_modes: int) -> list[tuple[int, int, int]]:
    """Distinct colours around the hue wheel, one per mode."""
    return [tuple(int(255 * c) for c in colorsys.hsv_to_rgb(k / n_modes, 0.65, 0.85)) for k in range(n_modes)]


def faded_density(density: np.ndarray, size: int) -> np.ndarray:
    """A density image (viridis) faded to a pale background for samples drawn over it, ``size`` pixels square."""
    faded = 255 - (255 - colorize(density, float(np.nanmax(density)) or None)) // 6
    return np.asarray(Image.fromarray(faded).resize((size, size), Image.Resampling.BILINEAR))
