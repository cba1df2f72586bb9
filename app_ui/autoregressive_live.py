"""The Autoregressive page's live views (not a page itself): FVSBN, NADE or MADE trained on the
digits in the browser, and RNADE trained on a 2-D target beside its density. Widget keys start
with ``ar_live_`` / ``ar_rnade_``, URL keys with ``live_`` / ``rnade_``."""

from __future__ import annotations

import streamlit as st

from app_ui import data_input, flow_panels, live_frame, live_page, url_state
from engine import live
from engine.autoregressive.task import (
    HELD_OUT_DIGITS,
    HIDDEN_SIZES,
    LIVE_MODELS,
    NADE_MAX_HIDDEN,
    AutoregressiveRunConfig,
    AutoregressiveTrainingTask,
    RnadeRunConfig,
    RnadeTrainingTask,
)
from engine.autoregressive.views import live_digits_image, live_nll_image
from engine.flows import views as flow_views

DIGITS = live_page.LiveSection("ar_live", AutoregressiveRunConfig, url_prefix="live_", run_key="autoregressive_live")
RNADE = live_page.LiveSection("ar_rnade", RnadeRunConfig, url_prefix="rnade_", run_key="rnade_live")
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCH_SIZES = [16, 32, 64, 100, 128, 256, 512]


def digits_section() -> AutoregressiveRunConfig | None:
    """Settings (sidebar), controls and the live views of a model trained on the digits."""
    link = DIGITS.link()
    with st.sidebar:
        st.header("Train live")
        st.session_state.setdefault("ar_live_model", link.model)
        model = st.radio("Model", list(LIVE_MODELS), format_func=LIVE_MODELS.get, key="ar_live_model")
        hidden = st.session_state.get("ar_live_hidden", link.hidden)
        if model != "fvsbn":
            sizes = [size for size in HIDDEN_SIZES if model != "nade" or size <= NADE_MAX_HIDDEN]
            st.session_state["ar_live_hidden"] = min(hidden, sizes[-1])
            hidden = url_state.select("Hidden units", "ar_live_hidden", sizes, link.hidden)
        training = DIGITS.minibatch_inputs(LEARNING_RATES, BATCH_SIZES)
        seed = DIGITS.seed_input()
    return DIGITS.show(
        AutoregressiveTrainingTask,
        draw=_draw_digits,
        step_help="One minibatch.",
        caption=lambda config: (
            f"{LIVE_MODELS[config.model]}; Adam on minibatches of the 4,000 training digits "
            "binarized at 0.5, loss −log p(x) per digit (exact)."
        ),
        model=model,
        hidden=int(hidden),
        seed=seed,
        **training,
    )


def _draw_digits(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(4)
    live_frame.epoch_counters(snapshot, cols)
    cols[2].metric(
        "Held-out NLL",
        live_frame.nats(metrics.get("held_out_nll")),
        help=f"−log p(x) in nats per digit, exact, mean over {HELD_OUT_DIGITS} held-out digits.",
    )
    bits = metrics.get("bits_per_dim")
    cols[3].metric("Bits per dimension", "–" if bits is None else f"{bits:.4f}", help="The NLL / (784 ln 2).")
    left, right = st.columns([5, 6])
    live_frame.training_curves(
        left,
        snapshot,
        "ar_nll",
        live_nll_image,
        caption="NLL per digit (nats): blue the training minibatches, orange the held-out digits.",
        waiting="The NLL curve appears here once training starts.",
    )
    live_frame.frame_image(
        right,
        live_frame.cached_render(snapshot, "ar_digits", live_digits_image),
        width="stretch",
        caption="Fresh samples (the same random draws every frame), then a held-out digit and "
        "p(xᵢ = 1 | x<ᵢ) for each of its pixels.",
    )


def rnade_section() -> RnadeRunConfig | None:
    """RNADE on a 2-D target: the target's and the model's densities, samples, NLL and KL(p‖q)."""
    link = RNADE.link()
    target_key, target = data_input.target_picker(RNADE.prefix, dim=2)
    with st.sidebar:
        st.header("RNADE")
        components = url_state.slider("Mixture components K", "ar_rnade_components", 1, 32, link.components)
        hidden = url_state.select("Hidden units of q(x₂ | x₁)", "ar_rnade_hidden", [16, 32, 64, 128, 256], link.hidden)
        training = RNADE.minibatch_inputs(LEARNING_RATES, [64, 128, 256, 512, 1024])
        seed = RNADE.seed_input()
    config = RNADE.show(
        RnadeTrainingTask,
        target,
        draw=_draw_rnade,
        step_help="One batch of fresh samples.",
        caption=lambda config: (
            "q(x) = q(x₁) q(x₂ | x₁): q(x₁) a mixture of K Gaussians, q(x₂ | x₁) a mixture whose "
            "weights, means and widths an MLP computes from x₁. log q(x) is exact."
        ),
        target_object=target,
        target=target_key,
        components=int(components),
        hidden=int(hidden),
        seed=seed,
        **training,
    )
    if config is None:
        return None
    if target_key not in data_input.CUSTOM_TARGETS:
        st.caption(
            f"The held-out samples are those the [Flows page](/flows?target={target_key}&seed={config.seed}) scores "
            "its run with this target and seed on, so the NLL and KL here compare with a flow's there."
        )
    return config


def _draw_rnade(snapshot: live.Snapshot) -> None:
    flow_panels.metrics_row(snapshot)
    frame = snapshot.visuals
    images = live_frame.cached_render(snapshot, "rnade_model", flow_views.model_images, frame)
    cols = st.columns(4)
    live_frame.frame_image(
        cols[0],
        live_frame.cached_render(snapshot, "rnade_target", flow_views.target_image, frame, version=0),
        caption="Target density p(x)",
        width="stretch",
    )
    live_frame.frame_image(cols[1], images["model"], caption="RNADE's density q(x), same colour scale", width="stretch")
    live_frame.frame_image(
        cols[2], images["samples"], caption="Samples: x₁ ~ q(x₁), then x₂ ~ q(x₂ | x₁)", width="stretch"
    )
    with cols[3]:
        flow_panels.loss_chart(snapshot)


def hide_live_training(shown_run: str | None = None) -> None:
    """Pause this session's live runs but ``shown_run`` if they train (a trainer nobody watches
    would hold a slot of the machine)."""
    for section in (DIGITS, RNADE):
        if section.run_key != shown_run:
            section.pause_if_training()
