"""Turning a flow run's frames (:mod:`engine.flows.task`) into pictures: images for live views, plotly for curves."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from engine import render
from engine.flows.task import FlowFrame1D, FlowStages
from engine.targets.held_out import DensityFrame

IMAGE_SIZE = 256  # pixels per live panel (density heatmaps are upsampled to it)


def _upsample(image: np.ndarray, size: int) -> np.ndarray:
    """Smoothly resize an RGB image to ``size x size`` pixels."""
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))


def _shared_scale(frame: DensityFrame) -> float | None:
    return float(np.nanmax(frame.target_density)) or None


def target_image(visuals: DensityFrame) -> bytes:
    """The target density as a PNG heatmap (fixed for a run: render it once)."""
    image = render.colorize(visuals.target_density, _shared_scale(visuals))
    return render.png_bytes(_upsample(image, IMAGE_SIZE))


def model_images(visuals: DensityFrame) -> dict[str, bytes]:
    """The learned density on the target's colour scale, and samples over a faded target (PNGs)."""
    vmax = _shared_scale(visuals)
    faded_target = 255 - (255 - render.colorize(visuals.target_density, vmax)) // 6
    samples = render.scatter_image(
        visuals.samples,
        visuals.extent,
        IMAGE_SIZE,
        color=render.MODEL_COLOR,
        alpha=0.45,
        background=_upsample(faded_target, IMAGE_SIZE),
    )
    model = _upsample(render.colorize(visuals.model_density, vmax), IMAGE_SIZE)
    return {"model": render.png_bytes(model), "samples": render.png_bytes(samples)}


def stage_strips(visuals: FlowStages, panel_size: int = 160) -> tuple[bytes, bytes]:
    """Two strips of panels (PNG): data pushed x -> z layer by layer, and noise pulled z -> x."""
    names = visuals.layer_names
    forward = [
        render.stage_panel(lines, points, "x (data)" if i == 0 else _two_lines(names[i - 1]), panel_size)
        for i, lines, points in visuals.forward_stages
    ]
    inverse_names = list(reversed(names))
    inverse = [
        render.stage_panel(
            lines,
            points,
            "z ~ N(0, I)" if i == 0 else "undo " + _two_lines(inverse_names[i - 1]),
            panel_size,
            data_color=render.MODEL_COLOR,
        )
        for i, lines, points in visuals.inverse_stages
    ]
    return render.png_bytes(render.hstack_panels(forward)), render.png_bytes(render.hstack_panels(inverse))


def _two_lines(name: str) -> str:
    """'3. affine coupling, updates x2 given x1' -> '3. affine coupling' / 'updates x2 given x1'."""
    head, _, tail = name.partition(", ")
    return f"{head}\n{tail}" if tail else head


def _loss_curves(snapshot, entropy: float | None):
    """Training NLL per step, held-out NLL, and a y-range that skips the first steps' large
    losses so the approach to the floor H(p) stays visible."""
    held_out = [(s, m["nll"]) for s, m in snapshot.metric_history if math.isfinite(m.get("nll", math.inf))]
    held_steps, held_values = (np.array(v) for v in zip(*held_out[-400:])) if held_out else (np.empty(0),) * 2
    losses = snapshot.loss_values[:, 0]
    values = losses[np.isfinite(losses)]
    y_range = None
    if len(values):
        low = min(float(np.min(values)), entropy if entropy is not None else math.inf)
        high = float(np.quantile(values, 0.95))
        pad = 0.08 * max(high - low, 0.05)
        y_range = (low - pad, high + pad)
    return (snapshot.loss_steps, losses), (held_steps, held_values), y_range


def loss_figure(snapshot, entropy: float | None) -> go.Figure:
    """The loss chart with plotly's interactivity (for a paused run)."""
    (steps, losses), (held_steps, held_values), y_range = _loss_curves(snapshot, entropy)
    figure = go.Figure()
    figure.add_scatter(
        x=steps, y=losses, mode="lines", name="training NLL (batch)", line=dict(color="#1f77b4", width=1.5)
    )
    if len(held_steps):
        figure.add_scatter(
            x=held_steps, y=held_values, mode="lines", name="held-out NLL", line=dict(color="#e6550d", width=2)
        )
    if entropy is not None:
        figure.add_hline(
            y=entropy,
            line=dict(color="#2ca02c", dash="dash"),
            annotation_text=f"floor H(p) = {entropy:.3f}",
            annotation_position="bottom right",
        )
    if y_range:
        figure.update_yaxes(range=list(y_range))
    figure.update_layout(
        height=300,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="step",
        yaxis_title="nats",
        legend=dict(orientation="h", y=1.12, x=0),
        uirevision="loss",
    )
    return figure


def loss_image(snapshot, entropy: float | None) -> bytes:
    """The same chart as a PNG (cheap to send and to draw while training)."""
    (steps, losses), (held_steps, held_values), y_range = _loss_curves(snapshot, entropy)
    if y_range is None:
        y_range = (entropy - 0.5, entropy + 2.0) if entropy is not None else (0.0, 1.0)
    image = render.line_chart(
        [(steps, losses, (31, 119, 180)), (held_steps, held_values, (230, 85, 13))], y_range, floor=entropy
    )
    return render.png_bytes(image)


def one_d_figure(visuals: FlowFrame1D) -> go.Figure:
    """The lecture's 1D change of variables: p_x(x) = p_z(f(x)) |df/dx|, panel by panel."""
    x = visuals.x
    figure = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=("the map z = f(x)", "p_z(f(x)) and |df/dx|", "p_x(x) = p_z(f(x)) · |df/dx|"),
    )
    figure.add_scatter(x=x, y=visuals.z, name="z = f(x)", line=dict(color="#6a3d9a"), row=1, col=1)
    figure.add_scatter(x=x, y=visuals.p_z_of_f, name="p_z(f(x))", line=dict(color="#2ca02c"), row=1, col=2)
    figure.add_scatter(x=x, y=visuals.abs_dfdx, name="|df/dx|", line=dict(color="#7f7f7f", dash="dot"), row=1, col=2)
    figure.add_histogram(
        x=visuals.samples,
        histnorm="probability density",
        nbinsx=60,
        name="model samples",
        marker_color="rgba(230,85,13,0.25)",
        row=1,
        col=3,
    )
    figure.add_scatter(
        x=x, y=visuals.target_density, name="target p(x)", line=dict(color="#1f77b4", width=2), row=1, col=3
    )
    figure.add_scatter(
        x=x, y=visuals.model_density, name="model p_x(x)", line=dict(color="#e6550d", width=2), row=1, col=3
    )
    top = float(np.nanmax(visuals.abs_dfdx)) if len(x) else 1.0
    figure.update_yaxes(range=[0, min(top, 10.0) * 1.05], row=1, col=2)
    figure.update_xaxes(range=[float(x[0]), float(x[-1])], row=1, col=3)
    figure.update_layout(
        height=330,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.15),
        uirevision="oned",
        bargap=0,
    )
    return figure
