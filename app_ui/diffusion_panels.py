"""Streamlit pieces of the Diffusion page (not a page itself): its metrics row and live views."""

from __future__ import annotations

import streamlit as st

from app_ui.live_page import cached_render, frame_image, history_version, nats, step_counters
from engine import live
from engine.diffusion import views
from engine.diffusion.task import KL_POINTS, W1_POINTS
from engine.flows import views as flow_views


def metrics_row(snapshot: live.Snapshot) -> None:
    """Step, speed, W1 (every metrics call) and the exact figures through the ODE (costly frames)."""
    metrics = snapshot.metrics
    cols = st.columns(6)
    step_counters(snapshot, cols, f"Learning rate now {metrics.get('learning_rate', float('nan')):.2g}.")
    w1 = metrics.get("w1")
    cols[2].metric("W₁", "–" if w1 is None else f"{w1:.3f}",
                   help=f"Exact Wasserstein-1 (POT) between {W1_POINTS} samples (the chosen sampler and steps) and "
                        f"{W1_POINTS} held-out target samples; ~0.2 is the floor at this sample size.")  # fmt: skip
    at = metrics.get("likelihood_step")
    when = "" if at is None else f" Measured at step {at:,.0f} (the ODE takes ~0.5 s: every few seconds)."
    cols[3].metric("Held-out NLL", nats(metrics.get("nll")),
                   help=f"−mean log q(x) on {KL_POINTS} held-out samples, exact through the ODE (dopri5, tolerance 1e-4)." + when)  # fmt: skip
    if "entropy" in metrics:
        cols[4].metric("KL(p‖q)", nats(metrics.get("kl")), help="NLL − H(p) on the same held-out samples, exact up to the ODE's "
                       "tolerance and Monte Carlo over the samples." + when)  # fmt: skip
        cols[5].metric("Floor H(p)", nats(metrics["entropy"]), help="−mean log p(x) on the same samples: the lowest NLL possible.")


def draw(snapshot: live.Snapshot) -> None:
    metrics_row(snapshot)
    frame = snapshot.visuals
    cols = st.columns(4)
    frame_image(cols[0], cached_render(snapshot, "diffusion_target", lambda f: flow_views.target_image(f), frame, version=0),
                caption="Target density p(x)", width="stretch")  # fmt: skip
    frame_image(cols[1], cached_render(snapshot, "diffusion_samples", views.samples_image, frame), width="stretch",
                caption="Samples (the same noise every frame)")  # fmt: skip
    frame_image(cols[2], cached_render(snapshot, "diffusion_paths", views.paths_image, frame), width="stretch",
                caption="Paths from noise to samples")  # fmt: skip
    if snapshot.step == 0:
        cols[3].caption("The loss curve appears here once training starts.")
    else:
        chart = cached_render(snapshot, "diffusion_loss", lambda _: views.loss_image(snapshot), version=history_version(snapshot))
        frame_image(cols[3], chart, width="stretch", caption="Training loss per step")
