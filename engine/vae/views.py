"""Figures and images of the VAE page, built from numpy (no Streamlit here): the shipped models'
explore views, then the live-training view's images (drawn from a task's frame and a snapshot).

The latent map is drawn in *map coordinates*: z itself for a linear grid, and u = Phi(z) for a
grid spaced by Gaussian quantiles, where that grid is even and every cell holds the same prior
mass (:func:`engine.vae.latent.to_map_coordinates`). Axis ticks are labelled in z either way.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from engine import render
from engine.vae.latent import LINEAR_EXTENT, from_map_coordinates, to_map_coordinates
from engine.vae.task import GRID_SPACING, VaeLatentFrame

SELECTED_COLOR = "#d62728"
Z_TICKS = [-2, -1, 0, 1, 2]


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def png_data_uri(image: np.ndarray) -> str:
    """A grey image in [0, 1] (h, w) as a PNG data URI (what plotly's layout images take)."""
    return "data:image/png;base64," + base64.b64encode(render.png_bytes(render.to_uint8(image))).decode()


def map_extent(n: int, spacing: str) -> tuple[float, float]:
    """The range of map coordinates the tiled grid image covers (cell edges, not centres)."""
    if spacing == "quantile":
        return 0.0, 1.0
    half_cell = LINEAR_EXTENT / (n - 1)
    return -LINEAR_EXTENT - half_cell, LINEAR_EXTENT + half_cell


def _axis(title: str, spacing: str, extent: tuple[float, float]) -> dict:
    axis = {"title": title, "range": list(extent), "showgrid": False, "zeroline": False, "constrain": "domain"}
    if spacing == "quantile":
        axis |= {
            "tickvals": to_map_coordinates(np.array(Z_TICKS), spacing).tolist(),
            "ticktext": [f"{z:g}" for z in Z_TICKS],
        }
    return axis


def latent_map_figure(
    grid_image: np.ndarray | None,
    n: int,
    spacing: str,
    encodings: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    selected: np.ndarray | None = None,
    ellipse: tuple[np.ndarray, np.ndarray] | None = None,
    path: np.ndarray | None = None,
    height: int = 600,
    dot_size: float = 6,
) -> go.Figure:
    """The decoded grid with test encodings over it (one trace per digit), an optional selected
    point, the encoder's q(z|x) as 1- and 2-sigma ellipses (``ellipse`` = (mu, sigma)), and a path.
    Encoding points carry their test index as ``customdata`` (a click on one selects that digit).
    """
    low, high = map_extent(n, spacing)
    figure = go.Figure()
    if grid_image is not None:
        figure.add_layout_image(
            source=png_data_uri(grid_image),
            xref="x",
            yref="y",
            x=low,
            y=high,
            sizex=high - low,
            sizey=high - low,
            sizing="stretch",
            layer="below",
            opacity=1.0,
        )
    if encodings is not None and labels is not None:
        shown = to_map_coordinates(encodings, spacing)
        for digit in range(10):
            rows = np.flatnonzero(labels == digit)
            figure.add_scatter(
                x=shown[rows, 0],
                y=shown[rows, 1],
                mode="markers",
                name=str(digit),
                customdata=rows,
                marker={
                    "size": dot_size,
                    "color": render.DIGIT_COLORS[digit],
                    "line": {"width": 0.5 if dot_size > 4 else 0, "color": "white"},
                },
                hovertemplate=f"test digit #%{{customdata}} (a {digit})<extra></extra>",
            )
    if ellipse is not None:
        for k, dash in ((1, "solid"), (2, "dash")):
            points = _ellipse_points(*ellipse, k)
            shown = to_map_coordinates(points, spacing)
            figure.add_scatter(
                x=shown[:, 0],
                y=shown[:, 1],
                mode="lines",
                name=f"q(z|x), {k}σ",
                hoverinfo="skip",
                line={"color": SELECTED_COLOR, "width": 2.5, "dash": dash},
            )
    if path is not None:
        shown = to_map_coordinates(path, spacing)
        figure.add_scatter(
            x=shown[:, 0],
            y=shown[:, 1],
            mode="lines+markers",
            name="path",
            hoverinfo="skip",
            line={"color": "black", "width": 2},
            marker={"size": 5, "color": "black"},
        )
    if selected is not None:
        shown = to_map_coordinates(np.asarray(selected).reshape(1, 2), spacing)
        figure.add_scatter(
            x=shown[:, 0],
            y=shown[:, 1],
            mode="markers",
            name="selected z",
            hoverinfo="skip",
            marker={"size": 16, "symbol": "x-thin", "line": {"width": 4, "color": SELECTED_COLOR}},
        )
    figure.update_layout(
        height=height,
        margin={"l": 50, "r": 10, "t": 10, "b": 45},
        plot_bgcolor="white",
        clickmode="event+select",
        dragmode=False,
        legend={"title": "test digit", "itemsizing": "constant"},
        xaxis=_axis("z₁", spacing, (low, high)),
        yaxis=_axis("z₂", spacing, (low, high)) | {"scaleanchor": "x"},
    )
    return figure


@dataclass(frozen=True)
class MapImage:
    """The latent map drawn as an RGB image, and where its square plot area lies in it."""

    image: np.ndarray
    left: int
    top: int
    size: int
    extent: tuple[float, float]  # map coordinates at the plot area's edges
    spacing: str

    def to_latent(self, x: float, y: float) -> np.ndarray | None:
        """The z under pixel (x, y) of the image, or None outside the plot area."""
        u = (x - self.left) / self.size, 1.0 - (y - self.top) / self.size
        if not (0.0 <= u[0] <= 1.0 and 0.0 <= u[1] <= 1.0):
            return None
        low, high = self.extent
        return from_map_coordinates(low + np.array(u) * (high - low), self.spacing)

    def to_pixels(self, z: np.ndarray) -> np.ndarray:
        low, high = self.extent
        u = (to_map_coordinates(np.asarray(z, dtype=float).reshape(-1, 2), self.spacing) - low) / (high - low)
        return np.stack([self.left + u[:, 0] * self.size, self.top + (1.0 - u[:, 1]) * self.size], axis=1)


MAP_FONT = ImageFont.load_default(size=13)
MAP_LEFT, MAP_TOP, MAP_SIZE = 42, 8, 560  # the plot area inside the map image (pixels)


def latent_map_image(
    grid_image: np.ndarray,
    n: int,
    spacing: str,
    encodings: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    selected: np.ndarray | None = None,
    size: int = MAP_SIZE,
) -> MapImage:
    """The latent map as a picture (what the map view shows; cheaper than a plotly chart to send
    and draw): the decoded grid, the test encodings coloured by digit, a digit key, ticks in z,
    and the selected point as a red cross."""
    left, top, bottom, legend = MAP_LEFT, MAP_TOP, 40, 64
    canvas = Image.new("RGB", (left + size + legend, top + size + bottom), "white")
    grid = Image.fromarray(render.to_uint8(grid_image)).resize((size, size), Image.Resampling.BILINEAR)
    canvas.paste(grid.convert("RGB"), (left, top))
    drawn = MapImage(np.empty(0), left, top, size, map_extent(n, spacing), spacing)
    draw = ImageDraw.Draw(canvas)
    colors = [hex_to_rgb(c) for c in render.DIGIT_COLORS]
    if encodings is not None and labels is not None:
        shown = to_map_coordinates(encodings[:, :2], spacing)
        inside = np.all((shown >= drawn.extent[0]) & (shown <= drawn.extent[1]), axis=1)  # linear spacing ends at +-3
        for (x, y), digit in zip(drawn.to_pixels(encodings[inside, :2]), labels[inside], strict=True):
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colors[digit], outline="white")
        for digit, color in enumerate(colors):
            y = top + 24 + digit * 20
            draw.ellipse([left + size + 14, y - 5, left + size + 24, y + 5], fill=color)
            draw.text((left + size + 30, y), str(digit), fill=(40, 40, 40), font=MAP_FONT, anchor="lm")
        draw.text((left + size + 10, top + 2), "digit", fill=(40, 40, 40), font=MAP_FONT)
    ticks = Z_TICKS if spacing == "quantile" else list(range(-3, 4))
    for tick in ticks:
        x, y = drawn.to_pixels(np.array([tick, tick]))[0]
        draw.line([x, top + size, x, top + size + 4], fill=(90, 90, 90))
        draw.text((x, top + size + 6), f"{tick:g}", fill=(90, 90, 90), font=MAP_FONT, anchor="mt")
        draw.line([left - 4, y, left, y], fill=(90, 90, 90))
        draw.text((left - 6, y), f"{tick:g}", fill=(90, 90, 90), font=MAP_FONT, anchor="rm")
    draw.text((left + size / 2, top + size + 24), "z1", fill=(40, 40, 40), font=MAP_FONT, anchor="mt")
    draw.text((4, top + size / 2), "z2", fill=(40, 40, 40), font=MAP_FONT, anchor="lm")
    if selected is not None:
        x, y = np.clip(drawn.to_pixels(selected)[0], [left, top], [left + size, top + size])
        for dx in (-1, 1):
            draw.line([x - 8, y - 8 * dx, x + 8, y + 8 * dx], fill=SELECTED_COLOR, width=4)
    return MapImage(np.asarray(canvas), left, top, size, drawn.extent, spacing)


def _ellipse_points(mu: np.ndarray, sigma: np.ndarray, k: float, points: int = 90) -> np.ndarray:
    angle = np.linspace(0, 2 * np.pi, points)
    return mu[:2] + k * sigma[:2] * np.stack([np.cos(angle), np.sin(angle)], -1)


def posterior_figure(
    posterior: np.ndarray, axes: tuple[np.ndarray, np.ndarray], mu: np.ndarray, sigma: np.ndarray, height: int = 320
) -> go.Figure:
    """The true posterior p(z|x) on a grid (rows: z_2 decreasing) with the encoder's q(z|x) ellipses."""
    axis_1, axis_2 = axes
    figure = go.Figure(
        go.Heatmap(
            x=axis_1,
            y=axis_2[::-1],
            z=posterior,
            colorscale="Blues",
            showscale=False,
            hovertemplate="z = (%{x:.2f}, %{y:.2f})<br>p(z|x)·cell = %{z:.2e}<extra></extra>",
        )
    )
    for k, dash in ((1, "solid"), (2, "dash")):
        points = _ellipse_points(mu, sigma, k)
        figure.add_scatter(
            x=points[:, 0],
            y=points[:, 1],
            mode="lines",
            name=f"q(z|x), {k}σ",
            line={"color": SELECTED_COLOR, "dash": dash},
        )
    figure.update_layout(
        height=height,
        margin={"l": 45, "r": 10, "t": 10, "b": 40},
        plot_bgcolor="white",
        showlegend=False,
        xaxis={"title": "z₁", "range": [axis_1[0], axis_1[-1]]},
        yaxis={"title": "z₂", "range": [axis_2[0], axis_2[-1]], "scaleanchor": "x"},
    )
    return figure


def posterior_dimensions_figure(mu: np.ndarray, sigma: np.ndarray, height: int = 320) -> go.Figure:
    """q(z|x) per latent dimension as mu_j +- sigma_j; collapsed units sit at 0 +- 1, the prior."""
    figure = go.Figure(
        go.Scatter(
            x=[f"z{j + 1}" for j in range(len(mu))],
            y=mu,
            mode="markers",
            marker={"size": 9, "color": SELECTED_COLOR},
            error_y={"type": "data", "array": sigma, "visible": True},
            hovertemplate="%{x}: μ = %{y:.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 55, "r": 10, "t": 10, "b": 40},
        xaxis={"title": "latent dimension"},
        yaxis={"title": "μ ± σ"},
    )
    return figure


def iwae_figure(
    ks: list[int], per_image: np.ndarray | None, average: np.ndarray | None, height: int = 320
) -> go.Figure:
    """IWAE bounds L_k against k (log axis): L_1 is the ELBO; L_k rises towards log p(x)."""
    figure = go.Figure()
    if per_image is not None:
        figure.add_scatter(x=ks, y=per_image, mode="lines+markers", name="this digit")
    if average is not None:
        figure.add_scatter(x=ks, y=average, mode="lines+markers", name="test average", yaxis="y2", line={"dash": "dot"})
    figure.update_layout(
        height=height,
        margin={"l": 55, "r": 55, "t": 10, "b": 40},
        legend={"orientation": "h", "y": 1.12},
        xaxis={"title": "importance samples k", "type": "log"},
        yaxis={"title": "L_k, this digit (nats)"},
        yaxis2={"title": "L_k, test average (nats)", "overlaying": "y", "side": "right", "showgrid": False},
    )
    return figure


def rate_distortion_figure(rows: list[dict], height: int = 360) -> go.Figure:
    """Rate KL(q(z|x) || p(z)) against distortion -E_q log p(x|z), one point per model (Alemi et al., 2018)."""
    figure = go.Figure()
    for row in rows:
        figure.add_scatter(
            x=[row["kl"]],
            y=[-row["reconstruction"]],
            mode="markers",
            name=row["label"],
            marker={"size": 12},
            hovertemplate=f"{row['label']}<br>KL %{{x:.2f}}, −E log p(x|z) %{{y:.1f}}<extra></extra>",
        )
    figure.update_layout(
        height=height,
        margin={"l": 55, "r": 10, "t": 10, "b": 45},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": "rate: KL(q(z|x) ‖ p(z)) (nats)"},
        yaxis={"title": "distortion: −E_q log p(x|z) (nats)"},
    )
    return figure


def kl_per_dimension_figure(kl: np.ndarray, variance: np.ndarray, threshold: float, height: int = 320) -> go.Figure:
    """Average KL per latent dimension, coloured by whether the unit is active (Cov E_q[z_j] > threshold)."""
    active = variance > threshold
    figure = go.Figure(
        go.Bar(
            x=[f"z{j + 1}" for j in range(len(kl))],
            y=kl,
            marker={"color": np.where(active, "#4e79a7", "#bab0ac")},
            customdata=variance,
            hovertemplate="%{x}: KL %{y:.2f} nats<br>Cov E_q[z] = %{customdata:.3f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 55, "r": 10, "t": 10, "b": 40},
        xaxis={"title": "latent dimension (grey: inactive, collapsed to the prior)"},
        yaxis={"title": "average KL (nats)"},
    )
    return figure


# The live-training view

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
