"""Figures of the Style Mixing page, built from numpy (no Streamlit here); the images themselves
are tiled by :mod:`engine.stylegan.explore`."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def noise_spread_figure(spread: np.ndarray) -> go.Figure:
    """Where the per-pixel noise acts: each pixel's standard deviation over noise draws (same w)."""
    figure = go.Figure(go.Heatmap(z=spread[::-1], colorscale="Viridis", colorbar={"title": "std"}))
    figure.update_layout(
        height=360,
        width=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title="per-pixel std over 64 noise draws",
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
    )
    return figure


def interpolation_steps_figure(steps: np.ndarray) -> go.Figure:
    """Mean |Δ pixel| between consecutive images of an interpolation, in z (row 0) and in w (row 1)."""
    figure = go.Figure(
        [
            go.Scatter(y=steps[0], name="in z", mode="lines+markers"),
            go.Scatter(y=steps[1], name="in w", mode="lines+markers"),
        ]
    )
    figure.update_layout(
        height=300,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        xaxis={"title": "step"},
        yaxis={"title": "mean |Δ pixel|"},
    )
    return figure


def layer_influence_figure(layer_names: list[str], values: np.ndarray) -> go.Figure:
    """Each style layer's influence: mean |Δ pixel| when that layer alone takes another seed's style."""
    figure = go.Figure(go.Bar(x=[f"{i}: {n}" for i, n in enumerate(layer_names)], y=values))
    figure.update_layout(
        height=360, margin={"l": 40, "r": 10, "t": 10, "b": 60}, yaxis={"title": "mean |Δ pixel| when swapped"}
    )
    return figure
