"""The Autoencoders page's "Train live" view (not a page itself): an autoencoder trained on MNIST in
the browser, its held-out error falling towards PCA's line at the same r (and below it, if it is
not linear). Widget and session-state keys start with ``ae_live_``, URL keys with ``live_`` (the
page sections' URL prefix, :data:`app_ui.url_state.SECTION_URL_PREFIXES`).
"""

from __future__ import annotations

import functools

import streamlit as st

from app_ui import live_page, session_runs, url_state
from engine import live
from engine.autoencoders.models import KINDS
from engine.autoencoders.task import HELD_OUT_DIGITS, AutoencoderRunConfig, AutoencoderTrainingTask
from engine.autoencoders.views import live_error_image, live_reconstructions_image

PREFIX = "ae_live"
URL_PREFIX = "live_"
RUN_KEY = "autoencoder_live"
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
KIND_LABELS = {"linear": "linear (can at best equal PCA)", "mlp": "MLP", "conv": "convolutional"}


def live_training_section() -> AutoencoderRunConfig | None:
    """Settings (sidebar), controls and the live views; returns the config in use (None when a
    setting was refused or the trainer could not start, after showing why)."""
    url_state.init_from_url(PREFIX, AutoencoderRunConfig, url_prefix=URL_PREFIX)
    link = st.session_state.get(f"{PREFIX}_last_config", st.session_state[f"{PREFIX}_url_config"])
    with st.sidebar:
        st.header("Train live")
        st.session_state.setdefault(f"{PREFIX}_kind", link.kind)
        kind = st.radio("Autoencoder", KINDS, format_func=KIND_LABELS.get, key=f"{PREFIX}_kind")
        latent_dim = url_state.slider("Latent size r", f"{PREFIX}_latent_dim", 1, 64, link.latent_dim)
        learning_rate = url_state.select("Learning rate", f"{PREFIX}_learning_rate", LEARNING_RATES, link.learning_rate)
        batch_size = url_state.select("Batch size", f"{PREFIX}_batch_size", BATCH_SIZES, link.batch_size)
        st.session_state.setdefault(f"{PREFIX}_seed", link.seed)
        seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=f"{PREFIX}_seed")
    try:
        config = AutoencoderRunConfig(
            kind=kind,
            latent_dim=int(latent_dim),
            learning_rate=learning_rate,
            batch_size=int(batch_size),
            seed=int(seed),
            max_steps=link.max_steps,
        )
        run = session_runs.session_run(RUN_KEY, config, None, functools.partial(AutoencoderTrainingTask, config))
    except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
        st.error(str(error))
        return None
    st.session_state[f"{PREFIX}_last_config"] = config
    url_state.write_url(PREFIX, config, url_prefix=URL_PREFIX)

    state, note = live_page.controls(run, config, PREFIX, step_help="One minibatch.")
    note.caption(
        f"A {KIND_LABELS[config.kind]} autoencoder with r = {config.latent_dim}; Adam on minibatches of the "
        "4,000 training digits, loss ‖x − D(E(x))‖² per digit."
    )
    live_page.live_views(run, state, _draw_views)
    return config


def _draw_views(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(4)
    cols[0].metric(
        "Epoch",
        f"{snapshot.visuals.epochs:.1f}",
        help=f"Passes over the training digits; stops at {snapshot.max_steps:,} steps.",
    )
    cols[1].metric("Step", f"{snapshot.step:,}", help=f"{snapshot.steps_per_second:,.0f} steps per second.")
    error, pca = metrics.get("held_out_error"), metrics.get("pca_error")
    cols[2].metric(
        "Held-out error",
        "–" if error is None else f"{error:.2f}",
        help=f"‖x − D(E(x))‖² per digit, mean over {HELD_OUT_DIGITS} held-out digits.",
    )
    cols[3].metric(
        "PCA, same r",
        "–" if pca is None else f"{pca:.2f}",
        delta=None if error is None or pca is None else f"{error - pca:+.2f} for this AE",
        delta_color="inverse",
        help="The best any linear map of rank r can do (Eckart–Young), on the same held-out digits.",
    )
    left, right = st.columns([6, 5])
    chart = live_page.cached_render(
        snapshot, "ae_error", lambda _: live_error_image(snapshot), version=live_page.history_version(snapshot)
    )
    if chart is None:
        left.caption("The error curve appears here once training starts.")
    else:
        live_page.frame_image(
            left,
            chart,
            width="stretch",
            caption="‖x − x̂‖² per digit: blue the training minibatches, "
            "orange the held-out digits, dashed green PCA's held-out error with the same r.",
        )
    live_page.frame_image(
        right,
        live_page.cached_render(snapshot, "ae_digits", live_reconstructions_image),
        width="stretch",
        caption="Held-out digits, this AE's reconstructions and PCA's.",
    )


def hide_live_training() -> None:
    """Pause this session's live AE if it trains (a trainer nobody watches would hold a slot)."""
    session_runs.pause_if_training(RUN_KEY)
