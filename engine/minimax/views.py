"""Pictures of a game: the field of the continuous dynamics with the iterates' paths, the distance
to the equilibrium over the iterations, and the update's eigenvalues against the unit circle."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from engine import render
from engine.minimax.dynamics import distances
from engine.minimax.games import Game

COLORS = {
    "simultaneous": (214, 39, 40),
    "alternating": (31, 119, 180),
    "multi_ascent": (148, 103, 189),
    "optimistic": (44, 160, 44),
    "extragradient": (255, 127, 14),
}
COLOR_NAMES = {
    "simultaneous": "red",
    "alternating": "blue",
    "multi_ascent": "purple",
    "optimistic": "green",
    "extragradient": "orange",
}
FIELD_GRID = 15
ARROW_COLOR = (170, 170, 170)


def extent_for(paths: dict[str, np.ndarray]) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square around the equilibrium holding the paths, but at most 4 times as wide as the start's
    distance (a diverging path leaves the picture)."""
    start = float(np.abs(next(iter(paths.values()))[0]).max())
    reach = max((float(np.abs(p[np.isfinite(p).all(axis=1)]).max()) for p in paths.values()), default=start)
    half = max(1.5, 1.1 * min(reach, 4 * start), 1.3 * start)
    return (-half, half), (-half, half)


def paths_image(
    game: Game, paths: dict[str, np.ndarray], extent, upto: int | None = None, size: int = 420
) -> np.ndarray:
    """Arrows of (-dL/dtheta, dL/dphi) on a grid (grey), the equilibrium (black cross), and each
    rule's iterates up to ``upto`` (a line, the start hollow, the last iterate filled); theta across, phi up."""
    image = Image.new("RGB", (size, size), render.WHITE)
    draw = ImageDraw.Draw(image)
    (x0, x1), (y0, y1) = extent
    axis = np.linspace(x0, x1, FIELD_GRID + 2)[1:-1]
    arrows = np.array([(t, p, *game.field(t, p)) for p in np.linspace(y0, y1, FIELD_GRID + 2)[1:-1] for t in axis])
    render.draw_arrows(draw, arrows, extent, size, color=ARROW_COLOR, longest_px=18)
    cx, cy = render.to_pixels(np.zeros((1, 2)), extent, size)[0]
    draw.line([cx - 6, cy, cx + 6, cy], fill=(0, 0, 0), width=2)
    draw.line([cx, cy - 6, cx, cy + 6], fill=(0, 0, 0), width=2)
    for rule, path in paths.items():
        shown = path[: (len(path) if upto is None else upto + 1)]
        shown = shown[np.isfinite(shown).all(axis=1)]
        pixels = np.clip(render.to_pixels(shown, extent, size), -10 * size, 11 * size)
        color = COLORS[rule]
        if len(pixels) > 1:
            draw.line(pixels.ravel().tolist(), fill=color, width=2)
        (sx, sy), (ex, ey) = pixels[0], pixels[-1]
        draw.ellipse([sx - 5, sy - 5, sx + 5, sy + 5], outline=color, width=2)
        draw.ellipse([ex - 4, ey - 4, ex + 4, ey + 4], fill=color)
    draw.rectangle([0, 0, size - 1, size - 1], outline=(200, 200, 200))
    draw.text((size - 36, size - 16), "theta", fill=(90, 90, 90), font=render.FONT)
    draw.text((4, 2), "phi", fill=(90, 90, 90), font=render.FONT)
    return np.asarray(image)


def distance_image(paths: dict[str, np.ndarray], upto: int | None = None) -> np.ndarray:
    """log10 of the distance to the equilibrium against the iteration, one line per rule."""
    series = []
    for rule, path in paths.items():
        d = distances(path[: (len(path) if upto is None else upto + 1)])
        with np.errstate(divide="ignore"):
            series.append((np.arange(len(d), dtype=float), np.log10(np.maximum(d, 1e-300)), COLORS[rule]))
    finite = np.concatenate([y[np.isfinite(y)] for _, y, _ in series])
    low, high = max(float(finite.min()), -12.0), min(float(finite.max()), 12.0)
    pad = max(0.1 * (high - low), 0.1)
    return render.line_chart(series, (low - pad, high + pad), x_label="iter")


def eigen_image(values: np.ndarray | None, size: int = 220) -> np.ndarray:
    """The eigenvalues (dots) in the complex plane with the unit circle: inside it, convergence."""
    image = Image.new("RGB", (size, size), render.WHITE)
    draw = ImageDraw.Draw(image)
    radius = 1.4 if values is None else max(1.4, 1.15 * float(np.abs(values).max()))
    extent = ((-radius, radius), (-radius, radius))
    (cx, cy), (ux, _) = render.to_pixels(np.array([[0.0, 0.0], [1.0, 0.0]]), extent, size)
    unit = ux - cx
    draw.line([0, cy, size, cy], fill=(225, 225, 225))
    draw.line([cx, 0, cx, size], fill=(225, 225, 225))
    draw.ellipse([cx - unit, cy - unit, cx + unit, cy + unit], outline=(90, 90, 90), width=1)
    if values is not None:
        for x, y in render.to_pixels(np.stack([values.real, values.imag], axis=1), extent, size):
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(214, 39, 40))
    draw.text((cx + 4, 2), "Im", fill=(90, 90, 90), font=render.FONT)
    draw.text((size - 18, cy + 2), "Re", fill=(90, 90, 90), font=render.FONT)
    return np.asarray(image)
