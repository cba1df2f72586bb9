"""The Image GANs page's live view (not a page itself): a small DCGAN trained on the digits in the
browser. Widget keys start with ``ig_live_``, URL keys with ``live_`` (a page section's prefix,
:data:`app_ui.url_state.SECTION_URL_PREFIXES`)."""

from __future__ import annotations

import functools

import streamlit as st

from app_ui import live_page, session_runs, url_state
from engine import live
from engine.device import describe_device, get_device
from engine.image_gans.task import FID_SAMPLES, LiveDcganConfig, LiveDcganTask
from engine.image_gans.views import grid_image, losses_image

PREFIX, URL_PREFIX, RUN = "ig_live", "live_", "image_gans_live"


def section() -> None:
    """Settings (sidebar), controls and the live views."""
    link = url_state.init_from_url(PREFIX, LiveDcganConfig, url_prefix=URL_PREFIX)
    with st.sidebar:
        st.header("Train live")
        width = url_state.select("Width (channels)", f"{PREFIX}_width", [16, 32, 64], link.width)
        z_dim = url_state.select(
            "Noise z (numbers)",
            f"{PREFIX}_z_dim",
            [16, 64, 100],
            link.z_dim,
            help="The DCGAN paper's z has 100 numbers; 16 reaches digits sooner here.",
        )
        g_learning_rate = url_state.select(
            "G's learning rate",
            f"{PREFIX}_g_learning_rate",
            [1e-4, 2e-4, 5e-4, 1e-3, 2e-3],
            link.g_learning_rate,
            help="The DCGAN paper: 2e-4 for both; InfoGAN's: 1e-3 for G.",
        )
        d_learning_rate = url_state.select(
            "D's learning rate", f"{PREFIX}_d_learning_rate", [5e-5, 1e-4, 2e-4, 5e-4, 1e-3], link.d_learning_rate
        )
        batch_size = url_state.select("Batch size", f"{PREFIX}_batch_size", [16, 32, 64, 128], link.batch_size)
        seed = st.number_input("Seed", 0, 2**31 - 1, step=1, key=f"{PREFIX}_seed")
    try:
        config = LiveDcganConfig(
            width=int(width),
            z_dim=int(z_dim),
            g_learning_rate=g_learning_rate,
            d_learning_rate=d_learning_rate,
            batch_size=int(batch_size),
            seed=int(seed),
            max_steps=link.max_steps,
        )
        run = session_runs.session_run(RUN, config, None, functools.partial(LiveDcganTask, config))
    except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
        st.error(str(error))
        return
    url_state.write_url(PREFIX, config, url_prefix=URL_PREFIX)
    state, note = live_page.controls(run, config, PREFIX, step_help="One D step and one G step.")
    note.caption(
        f"DCGAN, width {config.width}, z of {config.z_dim}, on the 4,000 training digits; on {describe_device(get_device())}."
    )
    live_page.live_views(run, state, _draw)


def _draw(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(6)
    live_page.step_counters(snapshot, cols, "One D step and one G step each.")
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
    live_page.frame_image(
        left,
        live_page.cached_render(snapshot, "ig_grid", grid_image, snapshot.visuals),
        width="stretch",
        caption="64 digits from the same noise every frame",
    )
    if snapshot.step:
        chart = live_page.cached_render(
            snapshot, "ig_losses", lambda _: losses_image(snapshot), version=live_page.history_version(snapshot)
        )
        live_page.frame_image(
            right, chart, width="stretch", caption="Losses per step: blue D, orange G (non-saturating)"
        )
    else:
        right.caption("The losses appear here once training starts.")
