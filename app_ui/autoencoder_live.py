"""The Autoencoders page's "Train live" view (not a page itself): an autoencoder trained on MNIST in
the browser, its held-out error falling towards PCA's line at the same r (and below it, if it is
not linear). Widget and session-state keys start with ``ae_live_``, URL keys with ``live_``.
"""

from __future__ import annotations

import streamlit as st

from app_ui import live_frame, live_page, url_state
from engine import live
from engine.autoencoders.models import KINDS
from engine.autoencoders.task import HELD_OUT_DIGITS, AutoencoderRunConfig, AutoencoderTrainingTask
from engine.autoencoders.views import live_error_image, live_reconstructions_image

SECTION = live_page.LiveSection("ae_live", AutoencoderRunConfig, url_prefix="live_", run_key="autoencoder_live")
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
KIND_LABELS = {"linear": "linear (can at best equal PCA)", "mlp": "MLP", "conv": "convolutional"}


def live_training_section() -> AutoencoderRunConfig | None:
    """Settings (sidebar), controls and the live views; returns the config in use (None when a
    setting was refused or the trainer could not start, after showing why)."""
    link = SECTION.link()
    with st.sidebar:
        st.header("Train live")
        st.session_state.setdefault("ae_live_kind", link.kind)
        kind = st.radio("Autoencoder", KINDS, format_func=KIND_LABELS.get, key="ae_live_kind")
        latent_dim = url_state.slider("Latent size r", "ae_live_latent_dim", 1, 64, link.latent_dim)
        training = SECTION.minibatch_inputs(LEARNING_RATES, BATCH_SIZES)
        seed = SECTION.seed_input()
    return SECTION.show(
        AutoencoderTrainingTask,
        draw=_draw_views,
        step_help="One minibatch.",
        caption=lambda config: (
            f"A {KIND_LABELS[config.kind]} autoencoder with r = {config.latent_dim}; Adam on "
            "minibatches of the 4,000 training digits, loss ‖x − D(E(x))‖² per digit."
        ),
        kind=kind,
        latent_dim=int(latent_dim),
        seed=seed,
        **training,
    )


def _draw_views(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(4)
    live_frame.epoch_counters(snapshot, cols)
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
    live_frame.training_curves(
        left,
        snapshot,
        "ae_error",
        live_error_image,
        caption="‖x − x̂‖² per digit: blue the training minibatches, "
        "orange the held-out digits, dashed green PCA's held-out error with the same r.",
        waiting="The error curve appears here once training starts.",
    )
    live_frame.frame_image(
        right,
        live_frame.cached_render(snapshot, "ae_digits", live_reconstructions_image),
        width="stretch",
        caption="Held-out digits, this AE's reconstructions and PCA's.",
    )


def hide_live_training() -> None:
    """Pause this session's live AE if it trains (a trainer nobody watches would hold a slot)."""
    SECTION.pause_if_training()
