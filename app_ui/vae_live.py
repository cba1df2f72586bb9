"""The VAE page's "Train live" view (not a page itself): a small 2-D VAE trained on MNIST in the
browser, its test digits' encodings and decoded latent grid redrawn as it learns.

Its widgets, its session run and its URL keys all start with ``live_`` (``url_state.init_from_url``
and ``write_url`` keep them apart from the rest of the VAE page's). The page draws
:func:`live_training_section`, or, when it shows another view, calls :func:`hide_live_training`.
"""

from __future__ import annotations

import streamlit as st

from app_ui import live_frame, live_page, url_state
from engine import live
from engine.vae.task import (
    GRID_SIZE,
    HELD_OUT_DIGITS,
    KNN_TRAIN_DIGITS,
    VaeRunConfig,
    VaeTrainingTask,
)
from engine.vae.views import grid_image, latent_figure, latent_image, loss_image

SECTION = live_page.LiveSection("live", VaeRunConfig, url_prefix="live_", run_key="vae_live")
HIDDEN_WIDTHS = [32, 64, 128, 256, 512, 1024]
BETAS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCH_SIZES = [16, 32, 64, 100, 200, 500, 1000]
WARMUPS = [0, 1, 2, 5, 10, 20]


def live_training_section() -> VaeRunConfig | None:
    """Settings (sidebar), controls and the live views; returns the config in use (None when a
    setting was refused or the trainer could not start, after showing why)."""
    link = SECTION.link()
    with st.sidebar:
        st.header("Train live")
        values = dict(
            hidden=url_state.select("Hidden width", "live_hidden", HIDDEN_WIDTHS, link.hidden),
            hidden_layers=url_state.slider("Hidden layers", "live_hidden_layers", 1, 3, link.hidden_layers),
            beta=url_state.select(
                "β (weight of the KL term)",
                "live_beta",
                BETAS,
                link.beta,
                help="1 trains on the ELBO; other values give a β-VAE. Applies while training.",
            ),
            **SECTION.minibatch_inputs(LEARNING_RATES, BATCH_SIZES),
            kl_warmup_epochs=url_state.select(
                "KL warm-up (epochs)",
                "live_kl_warmup_epochs",
                WARMUPS,
                link.kl_warmup_epochs,
                help="The KL weight rises linearly from 0 to β over this many epochs (0: none).",
            ),
        )
        seed = SECTION.seed_input()
    return SECTION.show(
        VaeTrainingTask,
        draw=_draw_views,
        step_help="One minibatch.",
        caption=lambda config: (
            f"{config.hidden_layers} hidden layer(s) of {config.hidden} units, 2-D latent; Adam on "
            "minibatches of the 4,000 binarized training digits."
        ),
        seed=seed,
        **values,
    )


def _draw_views(snapshot: live.Snapshot) -> None:
    """Counters, the latent scatter beside the decoded grid, and the loss charts."""
    metrics = snapshot.metrics
    cols = st.columns(5)
    live_frame.epoch_counters(snapshot, cols)
    cols[2].metric(
        "Held-out ELBO",
        live_frame.nats(metrics.get("elbo")),
        help=f"E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) in nats per digit, on {HELD_OUT_DIGITS} test digits "
        "(one posterior sample each): a lower bound on log p(x), higher is better.",
    )
    cols[3].metric(
        "Held-out KL",
        live_frame.nats(metrics.get("kl")),
        help=f"KL(q(z|x) ‖ p(z)) in nats; the KL weight is now {metrics.get('kl_weight', 0.0):.2f}.",
    )
    cols[4].metric(
        "5-NN accuracy",
        f"{100 * metrics.get('knn_accuracy', 0.0):.0f}%",
        help=f"Share of {HELD_OUT_DIGITS} test encodings whose 5 nearest of {KNN_TRAIN_DIGITS:,} training "
        "encodings vote their digit: how well the 2-D latent separates the digits.",
    )
    scatter, grid = st.columns([7, 5])
    live_frame.frame_image(
        scatter,
        live_frame.cached_render(snapshot, "vae_latent", latent_image),
        width="stretch",
        caption="Encoder means μ(x) of the 1,000 test digits, coloured by digit. Circles: the prior N(0, I) at 1 and "
        "2 σ; grey +: the latent points decoded on the right.",
    )
    live_frame.frame_image(
        grid,
        live_frame.cached_render(snapshot, "vae_grid", grid_image),
        width="stretch",
        caption=f"The decoder's mean image at a {GRID_SIZE}×{GRID_SIZE} grid of z at Gaussian quantiles "
        "(each cell holds the same prior mass).",
    )
    if snapshot.state not in live.LIVE_STATES and snapshot.step > 0:
        with grid.popover("Explore the encodings", icon="🔍"):
            st.plotly_chart(
                live_frame.cached_render(snapshot, "vae_latent_figure", latent_figure),
                key="live_latent",
                width="content",
            )
    live_frame.training_curves(
        st,
        snapshot,
        "vae_losses",
        loss_image,
        caption="Per digit: blue the training minibatches, orange the held-out digits.",
        waiting="The loss curves appear here once training starts.",
    )


def hide_live_training() -> None:
    """Pause this session's live VAE if it trains: for the page to call on each run that shows
    another view (a trainer nobody watches would hold a slot of the machine)."""
    SECTION.pause_if_training()
