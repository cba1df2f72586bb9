"""Streamlit pieces of the Diffusion page (not a page itself): its metrics row and live views."""

from __future__ import annotations

import streamlit as st

from app_ui.live_frame import cached_render, frame_image, nats, step_counters, training_curves
from engine import live
from engine.diffusion import views
from engine.diffusion.samplers import SAMPLERS
from engine.diffusion.schedules import NoiseSchedule
from engine.diffusion.task import (
    KL_POINTS,
    NOISE_LEVELS,
    REFLOW_PAIRS,
    STEP_COUNTS,
    W1_POINTS,
    DiffusionRunConfig,
    DiffusionTrainingTask,
)
from engine.flows import views as flow_views
from engine.live import OnDemandRun, TrainerGone


def metrics_row(snapshot: live.Snapshot) -> None:
    """Step, speed, W1 (every metrics call) and the exact figures through the ODE (costly frames)."""
    metrics = snapshot.metrics
    cols = st.columns(6)
    step_counters(snapshot, cols, f"Learning rate now {metrics.get('learning_rate', float('nan')):.2g}.")
    w1 = metrics.get("w1")
    cols[2].metric(
        "W₁",
        "–" if w1 is None else f"{w1:.3f}",
        help=f"Exact Wasserstein-1 (POT) between {W1_POINTS} samples (the chosen sampler and steps) and "
        f"{W1_POINTS} held-out target samples; ~0.2 is the floor at this sample size.",
    )
    at = metrics.get("likelihood_step")
    when = "" if at is None else f" Measured at step {at:,.0f} (the ODE takes ~0.5 s: every few seconds)."
    cols[3].metric(
        "Held-out NLL",
        nats(metrics.get("nll")),
        help=f"−mean log q(x) on {KL_POINTS} held-out samples, exact through the ODE (dopri5, tolerance 1e-4)." + when,
    )
    if "entropy" in metrics:
        cols[4].metric(
            "KL(p‖q)",
            nats(metrics.get("kl")),
            help="NLL − H(p) on the same held-out samples, exact up to the ODE's "
            "tolerance and Monte Carlo over the samples." + when,
        )
        cols[5].metric(
            "Floor H(p)", nats(metrics["entropy"]), help="−mean log p(x) on the same samples: the lowest NLL possible."
        )
    if "class_accuracy" in metrics:
        cols = st.columns(6)
        cols[0].metric(
            "Class accuracy",
            f"{metrics['class_accuracy']:.1%}",
            help="The share of samples whose nearest mode is the class they were drawn for.",
        )
        cols[1].metric(
            "Spread",
            f"{metrics['spread']:.2f}",
            help="Mean distance of a class's samples to their own centre, over the target's (s√(π/2)), "
            "averaged over the classes: 1 is the target's width; below 1, guidance has sharpened them.",
        )
        cols[2].metric(
            "Drift",
            f"{metrics['drift']:.2f}",
            help="Distance of each class's centre from its mode, in units of the mode's std s: guidance "
            "pushes a class to where it is least like the others.",
        )


def draw(snapshot: live.Snapshot, config: DiffusionRunConfig, noise_level: float) -> None:
    metrics_row(snapshot)
    frame = snapshot.visuals
    cols = st.columns(4)
    frame_image(
        cols[0],
        cached_render(snapshot, "diffusion_target", lambda f: flow_views.target_image(f), frame, version=0),
        caption="Target density p(x)",
        width="stretch",
    )
    samples_caption = "Samples (the same noise every frame)"
    if frame.labels is not None:
        samples_caption = f"Samples, coloured by the mode asked for, guidance w = {config.guidance:g}"
    frame_image(
        cols[1],
        cached_render(snapshot, "diffusion_samples", views.samples_image, frame),
        width="stretch",
        caption=samples_caption,
    )
    frame_image(
        cols[2],
        cached_render(snapshot, "diffusion_paths", views.paths_image, frame),
        width="stretch",
        caption="Paths from noise to samples",
    )
    training_curves(
        cols[3],
        snapshot,
        "diffusion_loss",
        views.loss_image,
        "Training loss per step",
        waiting="The loss curve appears here once training starts.",
    )
    field_view(snapshot, config, noise_level)


def field_view(snapshot: live.Snapshot, config: DiffusionRunConfig, noise_level: float) -> None:
    """The noised data at the chosen level with the learned field over it, and the schedule's numbers there."""
    level = NOISE_LEVELS.index(noise_level)
    st.markdown(
        f"**The forward process and the learned field at noise level {noise_level:g}** (pick it under the chart)"
    )
    cols = st.columns([1, 1, 2])
    image = cached_render(snapshot, f"diffusion_field_{level}", lambda f: views.field_image(f, level), snapshot.visuals)
    frame_image(
        cols[0],
        image,
        width="stretch",
        caption="Density of x_t (its own colour scale) and the learned "
        + ("score −ε_θ(x, t)/σ(t)" if config.kind == "ddpm" else "velocity v_θ(x, t)"),
    )
    if config.kind == "ddpm":
        t = max(noise_level, 1e-3)
        abar = float(NoiseSchedule(config.schedule).alpha_bar(t))
        cols[1].markdown(f"t = {t:g}, ᾱ(t) = {abar:.3g}:\n\nx_t = {abar**0.5:.3f} x₀ + {(1 - abar) ** 0.5:.3f} ε")
    else:
        t = 1 - noise_level
        cols[1].markdown(f"t = {t:g} (0: noise, 1: data):\n\nx_t = {1 - t:.2f} x₀ + {t:.2f} x₁, x₀ noise, x₁ data")
    cols[1].caption(
        "The arrows point where the model would move a point at this noise level: towards the data. "
        "Lengths are relative to each other at this level."
    )


def measurements(run: OnDemandRun, config: DiffusionRunConfig) -> None:
    """On request (they take seconds): W1 against the number of sampling steps for every sampler,
    and the learned density on a grid, exact through the ODE; kept with the run's step they
    measured. For unconditional flow matching, a Reflow button."""
    if st.session_state.get("diffusion_measured", {"run": run.run_id})["run"] != run.run_id:
        del st.session_state["diffusion_measured"]  # another run's (settings changed, reset)
    cols = st.columns([1, 1, 1, 1])
    if config.kind == "flow_matching" and not config.conditional:
        if cols[2].button(
            "↪ Reflow",
            help=f"Rectified flow: couple {REFLOW_PAIRS:,} noise points with where the model "
            "takes them now, and train on those couples from here on: the paths straighten, and fewer "
            "Euler steps sample as well. Reset undoes it.",
        ):
            with st.spinner("Integrating the ODE from every noise point…"):
                try:
                    count = run.call(DiffusionTrainingTask.reflow)
                    st.success(
                        f"Reflow {count}: training now on {REFLOW_PAIRS:,} (noise, sample) couples. Train on, then "
                        "measure quality against steps: one Euler step gets much better.",
                        icon="↪",
                    )
                except TrainerGone:
                    st.warning(TrainerGone.MESSAGE, icon="⚠️")
        if reflows := run.snapshot.metrics.get("reflows"):
            cols[3].caption(f"Reflowed {reflows:.0f} time(s): the model now learns its own couples, not the target.")
    asked = {}
    if cols[0].button(
        "Measure quality against steps",
        help=f"W₁ at {', '.join(map(str, STEP_COUNTS))} steps for every "
        f"sampler of this model ({W1_POINTS} samples each; a few seconds).",
    ):
        asked["quality"] = ("Sampling at every number of steps…", DiffusionTrainingTask.quality_by_steps)
    if cols[1].button(
        "Compute the learned density", help="q(x) on a 40 × 40 grid, exact through the ODE (a few seconds)."
    ):
        asked["density"] = ("Integrating the ODE from every grid point…", DiffusionTrainingTask.learned_density)
    for name, (doing, method) in asked.items():
        step = run.snapshot.step
        with st.spinner(doing):
            try:
                _store(run.run_id, step, name, run.call(method))
            except TrainerGone:
                st.warning(TrainerGone.MESSAGE, icon="⚠️")
    measured = st.session_state.get("diffusion_measured")
    if measured is None:
        cols[3].caption("The measurements take the model as it is now (pause first to hold it still).")
        return
    cols = st.columns([3, 2, 1])
    if "quality" in measured:
        step, curves = measured["quality"]
        legend = " · ".join(f"{views.SAMPLER_COLOR_NAMES[name]}: {SAMPLERS[name]}" for name in curves)
        cols[0].image(
            views.quality_image(curves),
            width="stretch",
            caption=f"W₁ against log₁₀ steps, measured at step {step:,} (lower is better). {legend}",
        )
    if "density" in measured:
        step, density = measured["density"]
        cols[1].image(
            views.learned_density_image(density, run.snapshot.visuals.target_density),
            width="stretch",
            caption=f"Learned density q(x) at step {step:,}, exact through the ODE, on the target's colour scale",
        )


def _store(run_id: int, step: int, name: str, value) -> None:
    measured = st.session_state.get("diffusion_measured") or {"run": run_id}
    st.session_state["diffusion_measured"] = measured | {name: (step, value)}
