"""The Divergences page's figures and tables (plotly and pandas; no Streamlit)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from engine.divergences.explore import density, view_range
from engine.divergences.fitting import FitResult, Mixture1D

DISPLAY_POINTS = 601  # x points per drawn curve (and per animation frame)
TARGET_STYLE = {"line": {"width": 3, "color": "#444"}, "fill": "tozeroy", "fillcolor": "rgba(120, 120, 120, 0.25)"}
DASHES = ("solid", "dash", "dot", "dashdot")  # overlapping fits stay visible
MARGIN = {"l": 40, "r": 10, "t": 10, "b": 40}


def shown(value: float) -> str:
    """A divergence as text: ∞ where infinite, never NaN."""
    return "∞" if math.isinf(value) else "undefined" if math.isnan(value) else f"{value:.4g}"


def fit_animation(x: np.ndarray, p: np.ndarray, fits: dict[str, FitResult], labels: dict[str, str]) -> go.Figure:
    """p and each fit q, showing the final fits, with ▶ to replay the fits from step 0 (plotly
    frames: the animation runs in the browser, the server sends it once)."""
    every = max(1, len(x) // DISPLAY_POINTS)
    x, p = x[::every], p[::every]
    keys = list(fits)
    steps = sorted({step for result in fits.values() for step, *_ in result.history})

    def curves_at(step: int) -> list[go.Scatter]:
        traces = []
        for i, key in enumerate(keys):
            mixture = [m for s, _, m in fits[key].history if s <= step][-1]
            traces.append(
                go.Scatter(
                    y=density(mixture, x).astype(np.float32),
                    name=f"q by {labels[key]}",
                    mode="lines",
                    line={"width": 2.5, "dash": DASHES[i % len(DASHES)]},
                )
            )
        return traces

    # Frames carry only y, in float32 (a frame's trace keeps the figure's x): the page sends a
    # quarter of the bytes (0.45 instead of 1.8 MB for four fits), which a first view waits for.
    final = curves_at(steps[-1])
    for trace in final:
        trace.x = x
    figure = go.Figure([go.Scatter(x=x, y=p, name="target p", mode="lines", **TARGET_STYLE), *final])
    figure.frames = [
        go.Frame(data=curves_at(step), traces=list(range(1, len(keys) + 1)), name=str(step)) for step in steps
    ]
    top = max(float(p.max()), *(float(trace.y.max()) for trace in figure.data[1:]))
    play = {
        "frame": {"duration": 80, "redraw": False},
        "transition": {"duration": 0},
        "fromcurrent": False,
        "mode": "immediate",
    }
    figure.update_layout(
        height=420,
        margin={**MARGIN, "t": 60},
        xaxis={"title": "x"},
        yaxis={"title": "density", "range": [0, min(top, 6 * float(p.max())) * 1.05]},
        legend={"orientation": "h", "y": -0.25},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": 1.12,
                "xanchor": "left",
                "showactive": False,
                "buttons": [
                    {"label": "▶ Replay the fit", "method": "animate", "args": [None, play]},
                    {
                        "label": "⏸",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": len(steps) - 1,
                "x": 0.25,
                "len": 0.75,
                "y": 1.17,
                "yanchor": "top",
                "currentvalue": {"prefix": "step "},
                "pad": {"t": 0},
                "steps": [
                    {
                        "label": str(s),
                        "method": "animate",
                        "args": [[str(s)], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
                    }
                    for s in steps
                ],
            }
        ],
    )
    return figure


def matrix_table(matrix: dict[str, dict[str, float]], row_labels: dict[str, str], column_labels: dict[str, str]):
    """The fitted-by x measured-by matrix as a styled table: ∞ shown as such, and in each column
    the fit that measure likes best highlighted (a fit wins its own column)."""
    frame = pd.DataFrame({row_labels[k]: {column_labels[m]: v for m, v in row.items()} for k, row in matrix.items()}).T
    best = frame.eq(frame.min(axis=0), axis=1) & (frame.count(axis=0) > 1)
    return frame.map(shown).style.apply(
        lambda _: np.where(best, "background-color: rgba(46, 160, 67, 0.25)", ""), axis=None
    )


def measures_markdown(measures: dict[str, float], labels: dict[str, str], per_row: int = 6) -> str:
    """Divergences as a Markdown table, ``per_row`` to a row: labels over values (∞ as such)."""
    keys = list(labels)
    blocks = []
    for start in range(0, len(keys), per_row):
        row = keys[start : start + per_row]
        blocks.append(
            "\n".join(
                [
                    "| " + " | ".join(labels[k] for k in row) + " |",
                    "|" + "---|" * len(row),
                    "| " + " | ".join(f"**{shown(measures[k])}**" for k in row) + " |",
                ]
            )
        )
    return "\n\n".join(blocks)


def pq_figure(p: Mixture1D, q: Mixture1D, points: int = 400) -> go.Figure:
    """p and q (densities, left axis) and the optimal discriminator D*(x) = p/(p + q) (right axis,
    0 to 1, from log densities: 1/(1 + exp(log q - log p)) never divides 0 by 0), over the x range
    where either has mass."""
    x = np.linspace(*view_range(p, q), points)
    log_p, log_q = (m.log_density(torch.as_tensor(x, dtype=torch.float64)).numpy() for m in (p, q))
    p_density, q_density = np.exp(log_p), np.exp(log_q)
    optimal = 1 / (1 + np.exp(np.clip(log_q - log_p, -700, 700)))
    return go.Figure(
        data=[
            go.Scatter(x=x, y=p_density, name="p", mode="lines", **TARGET_STYLE),
            go.Scatter(x=x, y=q_density, name="q", mode="lines", line={"width": 2.5, "color": "#e45756"}),
            go.Scatter(
                x=x,
                y=optimal,
                name="D*(x) = p/(p+q), right axis",
                mode="lines",
                yaxis="y2",
                line={"width": 2, "dash": "dot", "color": "#4c78a8"},
            ),
        ],
        layout={
            "height": 360,
            "margin": {**MARGIN, "r": 50},
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"title": "x"},
            "yaxis": {"title": "density", "range": [0, 1.05 * max(float(p_density.max()), float(q_density.max()))]},
            "yaxis2": {
                "title": "D*(x)",
                "range": [0, 1.05],
                "tickvals": [0, 0.25, 0.5, 0.75, 1],
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
            },
        },
    )


def disjoint_figure(thetas: np.ndarray, curves: dict[str, np.ndarray], theta: float) -> go.Figure:
    figure = go.Figure()
    for key, label in (("js", "JS"), ("tv", "TV"), ("w1", "W₁")):
        figure.add_scatter(x=thetas, y=curves[key], name=label, mode="lines")
    figure.add_vline(x=theta, line_dash="dash")
    figure.update_layout(height=380, margin=MARGIN, xaxis={"title": "θ"}, yaxis={"title": "divergence"})
    return figure


def estimate_figure(steps: list[int], estimates: list[float], exact: float) -> go.Figure:
    figure = go.Figure(go.Scatter(x=steps, y=estimates, name="estimate"))
    if math.isfinite(exact):
        figure.add_hline(y=exact, line_dash="dash", annotation_text="exact")
    figure.update_layout(
        height=320, margin=MARGIN, xaxis={"title": "critic step"}, yaxis={"title": "E_p[T] − E_q[f*(T)]"}
    )
    return figure


def samples_figure(
    a: np.ndarray, b: np.ndarray, segments: tuple[np.ndarray, np.ndarray], names: tuple[str, str], plan_label: str
) -> go.Figure:
    """Two sample sets and the optimal transport plan between them as grey segments; equal axes."""
    figure = go.Figure()
    figure.add_scatter(
        x=segments[0],
        y=segments[1],
        mode="lines",
        name=plan_label,
        line={"width": 1, "color": "rgba(90, 90, 90, 0.35)"},
    )
    figure.add_scatter(x=a[:, 0], y=a[:, 1], mode="markers", name=names[0], marker={"size": 5, "color": "#4c78a8"})
    figure.add_scatter(x=b[:, 0], y=b[:, 1], mode="markers", name=names[1], marker={"size": 5, "color": "#f58518"})
    figure.update_layout(
        height=520, margin=MARGIN, legend={"orientation": "h", "y": -0.08}, yaxis={"scaleanchor": "x", "scaleratio": 1}
    )
    return figure
