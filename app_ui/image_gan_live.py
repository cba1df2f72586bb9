"""The Image GANs page's live view (not a page itself): a small DCGAN trained on the digits in the
browser. Widget keys start with ``ig_live_``, URL keys with ``live_``."""

from __future__ import annotations

import streamlit as st

from app_ui import live_frame, live_page, url_state
from engine import live
from engine.device import describe_device, get_device
from engine.image_gans.task import FID_SAMPLES, LiveDcganConfig, LiveDcganTask
from engine.image_gans.views import grid_image, losses_image

SECTION = live_page.LiveSection("ig_live", LiveDcganConfig, url_prefix="live_", run_key="image_gans_live")


def section() -> None:
    """Settings (sidebar), controls and the live views."""
    link = SECTION.link()
    with st.sidebar:
        st.header("Train live")
        width = url_state.select("Width (channels)", "ig_live_width", [16, 32, 64], link.width)
        z_dim = url_state.select(
            "Noise z (numbers)",
            "ig_live_z_dim",
            [16, 64, 100],
            link.z_dim,
            help="The DCGAN paper's z has 100 numbers; 16 reaches digits sooner here.",
        )
        g_learning_rate = url_state.select(
            "G's learning rate",
            "ig_live_g_learning_rate",
            [1e-4, 2e-4, 5e-4, 1e-3, 2e-3],
            link.g_learning_rate,
            help="The DCGAN paper: 2e-4 for both; InfoGAN's: 1e-3 for G.",
        )
        d_learning_rate = url_state.select(
            "D's learning rate", "ig_live_d_learning_rate", [5e-5, 1e-4, 2e-4, 5e-4, 1e-3], link.d_learning_rate
        )
        batch_size = url_state.select("Batch size", "ig_live_batch_size", [16, 32, 64, 128], link.batch_size)
        seed = SECTION.seed_input()
    SECTION.show(
        LiveDcganTask,
        draw=_draw,
        step_help="One D step and one G step.",
        caption=lambda config: (
            f"DCGAN, width {config.width}, z of {config.z_dim}, on the 4,000 training digits; "
            f"on {describe_device(get_device())}."
        ),
        width=int(width),
        z_dim=int(z_dim),
        g_learning_rate=g_learning_rate,
        d_learning_rate=d_learning_rate,
        batch_size=int(batch_size),
        seed=seed,
    )


def _draw(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(6)
    live_frame.step_counters(snapshot, cols, "One D step and one G step each.")
    cols[5].metric("Epoch", f"{snapshot.visuals.epochs:.1f}", help="Passes over the 4,000 training digits.")
    cols[2].metric(
        "D(real)", f"{metrics.get('d_real', float('nan')):.2f}", help="D's mean probability that a real digit is real."
    )
    cols[3].metric(
        "D(fake)",
        f"{metrics.get('d_fake', float('nan')):.2f}",
        help="…and that a generated one is: 0.5 at the game's equilibrium.",
    )
    fid = metrics.get("fid")
    cols[4].metric(
        "FID (classifier)",
        "–" if fid is None else f"{fid:.0f}",
        help=f"{FID_SAMPLES} samples against the 1,000 held-out digits, in the MNIST classifier's features; "
        f"measured every few seconds (last at step {metrics.get('fid_step', 0):,.0f}).",
    )
    left, right = st.columns([3, 2])
    live_frame.frame_image(
        left,
        live_frame.cached_render(snapshot, "ig_grid", grid_image, snapshot.visuals),
        width="stretch",
        caption="64 digits from the same noise every frame",
    )
    live_frame.training_curves(
        right,
        snapshot,
        "ig_losses",
        losses_image,
        caption="Losses per step: blue D, orange G (non-saturating)",
        waiting="The losses appear here once training starts.",
    )
