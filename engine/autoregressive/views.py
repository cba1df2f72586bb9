"""Pictures of the Autoregressive page: sampling states, surprise and receptive-field maps, MADE's
masks (uint8 images), the likelihood chart (plotly), and the live digits' frames."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from engine import render
from engine.autoregressive.explore import SIDE, SamplingRecord
from engine.autoregressive.task import DigitsFrame

UNDRAWN = np.array([205, 210, 220], dtype=np.uint8)  # a pale blue-grey: not drawn yet
CURRENT = np.array([230, 40, 40], dtype=np.uint8)  # the pixel being drawn
SEEN = np.array([31, 119, 180], dtype=np.uint8)  # receptive fields: an input the pixel depends on
BLIND = np.array([255, 160, 60], dtype=np.uint8)  # earlier in the order, yet not seen (PixelCNN's blind spot)
EARLIER_SEEN_NOTHING = np.array([235, 235, 235], dtype=np.uint8)  # later in the order
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 50}}


def _tiles(tiles: list[np.ndarray], scale: int, gap: int = 4) -> np.ndarray:
    """RGB tiles (28, 28, 3) side by side, each upscaled ``scale`` times (nearest), white gaps."""
    size = SIDE * scale
    strip = np.full((size, len(tiles) * (size + gap) - gap, 3), 255, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        strip[:, i * (size + gap) : i * (size + gap) + size] = np.kron(tile, np.ones((scale, scale, 1), dtype=np.uint8))
    return strip


def _grey(image: np.ndarray) -> np.ndarray:
    return np.repeat(render.to_uint8(np.asarray(image, dtype=np.float32))[..., None], 3, axis=2)


def sampling_image(record: SamplingRecord, scale: int = 5) -> bytes:
    """Two rows of tiles (PNG): each digit as drawn so far (white ink on black, undrawn pale, the
    last drawn pixel red), and under it p(x_i = 1 | x_<i) of every drawn pixel (viridis, 0 to 1)."""
    drawn = record.place >= 0
    last = int(np.argmax(record.place)) if drawn.any() and not drawn.all() else -1
    digits, maps = [], []
    for image, probability in zip(record.images, record.probabilities):
        tile = _grey(image.reshape(SIDE, SIDE))
        heat = render.colorize(probability.reshape(SIDE, SIDE), 1.0)
        for picture in (tile, heat):
            picture[~drawn.reshape(SIDE, SIDE)] = UNDRAWN
            if last >= 0:
                picture[divmod(last, SIDE)] = CURRENT
        digits.append(tile)
        maps.append(heat)
    top, bottom = _tiles(digits, scale), _tiles(maps, scale)
    return render.png_bytes(np.concatenate([top, np.full((6, top.shape[1], 3), 255, np.uint8), bottom]))


def digits_image(images: np.ndarray, scale: int = 3) -> bytes:
    """Binary or grey digits (k, 28, 28) in [0, 1] side by side (PNG)."""
    return render.png_bytes(render.digit_strip(np.asarray(images, dtype=np.float32), scale=scale))


def surprise_image(surprise: np.ndarray, vmax: float, scale: int = 5) -> bytes:
    """-log p(x_i | x_<i) per pixel (28, 28) on a shared scale 0 .. ``vmax`` nats (PNG)."""
    return render.png_bytes(np.kron(render.colorize(surprise, vmax), np.ones((scale, scale, 1), dtype=np.uint8)))


def receptive_image(seen: np.ndarray, earlier: np.ndarray, pixel: int, scale: int = 5) -> bytes:
    """The output pixel (red), the inputs it depends on (blue), the earlier pixels it does not see
    (orange: a blind spot), and the rest (light grey) (PNG)."""
    tile = np.empty((SIDE, SIDE, 3), dtype=np.uint8)
    tile[:] = EARLIER_SEEN_NOTHING
    tile[earlier & ~seen] = BLIND
    tile[seen] = SEEN
    tile[divmod(pixel, SIDE)] = CURRENT
    big = np.kron(tile, np.ones((scale, scale, 1), dtype=np.uint8))
    big[::scale] = np.minimum(big[::scale], 250)  # faint grid lines between pixels
    big[:, ::scale] = np.minimum(big[:, ::scale], 250)
    return render.png_bytes(big)


def mask_image(mask: np.ndarray, height: int = 160) -> bytes:
    """A 0/1 mask matrix (rows: units out, columns: units in) as a dark-on-white picture, resized
    (area-averaged, so a pixel's shade is the share of ones) to ``height`` rows."""
    rows, columns = mask.shape
    width = max(1, round(height * columns / rows)) if rows > columns else height
    height = height if rows > columns else max(1, round(height * rows / columns))
    picture = Image.fromarray(((1 - mask) * 255).astype(np.uint8)).resize(
        (min(width, 480), height), Image.Resampling.BOX
    )
    return render.png_bytes(np.asarray(picture))


def likelihood_figure(rows: list[dict], height: int = 380) -> go.Figure:
    """Held-out -log p(x) (exact, or a bound's value) against sampling time per digit (log axis):
    the trade-off between exact likelihood and fast sampling."""
    figure = go.Figure()
    for kind, color, symbol, place in (
        ("exact", "#e15759", "circle", "middle left"),
        ("bound", "#4e79a7", "diamond", "middle right"),
    ):
        chosen = [row for row in rows if row["kind"] == kind]
        figure.add_scatter(
            x=[row["sample_ms"] for row in chosen],
            y=[row["nll"] for row in chosen],
            mode="markers+text",
            text=[row["label"] for row in chosen],
            textposition=place,
            name="exact −log p(x) (autoregressive)" if kind == "exact" else "−IWAE bound ≥ −log p(x) (VAE)",
            marker={"size": 12, "color": color, "symbol": symbol},
        )
    figure.update_layout(
        **LAYOUT, height=height, title="Held-out NLL against sampling time", legend={"orientation": "h", "y": -0.25}
    )
    figure.update_xaxes(title="sampling time per digit, ms (log)", type="log")
    figure.update_yaxes(title="nats per digit (lower is better)")
    return figure


def live_digits_image(frame: DigitsFrame, scale: int = 4) -> bytes:
    """The live run's samples in two rows; beside them a held-out digit over p(x_i = 1 | x<i) of each
    of its pixels (PNG)."""
    up = lambda tile: np.kron(tile, np.ones((scale, scale, 1), dtype=np.uint8))  # noqa: E731
    samples = render.hstack_panels([up(_grey(sample.astype(np.float32) / 255)) for sample in frame.samples], per_row=4)
    pair = render.hstack_panels(
        [up(_grey(frame.digit.astype(np.float32) / 255)), up(render.colorize(frame.conditionals, 1.0))], per_row=1
    )
    gap = np.full((samples.shape[0], 16, 3), 255, dtype=np.uint8)
    return render.png_bytes(np.concatenate([samples, gap, pair], axis=1))


def live_nll_image(snapshot) -> bytes:
    """The training NLL per step (blue) and the held-out NLL (orange), in nats per digit (PNG)."""
    held = [(step, m["held_out_nll"]) for step, m in snapshot.metric_history if "held_out_nll" in m]
    held_steps, held_values = (np.array(v) for v in zip(*held)) if held else (np.empty(0),) * 2
    losses = snapshot.loss_values[:, 0]
    finite = np.concatenate([losses[np.isfinite(losses)], held_values])
    low, high = (float(np.min(finite)), float(np.quantile(finite, 0.98))) if len(finite) else (0.0, 1.0)
    pad = 0.05 * max(high - low, 1.0)
    return render.png_bytes(
        render.line_chart(
            [(snapshot.loss_steps, losses, (31, 119, 180)), (held_steps, held_values, (230, 85, 13))],
            (low - pad, high + pad),
        )
    )
