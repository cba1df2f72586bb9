"""The Autoregressive page's live views (not a page itself): FVSBN, NADE or MADE trained on the
digits in the browser, and RNADE trained on a 2-D target beside its density. Widget keys start
with ``ar_live_`` / ``ar_rnade_``, URL keys with ``live_`` / ``rnade_`` (the page sections' URL
prefixes, :data:`app_ui.url_state.SECTION_URL_PREFIXES`)."""

from __future__ import annotations

import functools

import streamlit as st

from app_ui import data_input, flow_panels, live_page, session_runs, url_state
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

DIGITS_PREFIX, DIGITS_URL_PREFIX, DIGITS_RUN = "ar_live", "live_", "autoregressive_live"
RNADE_PREFIX, RNADE_URL_PREFIX, RNADE_RUN = "ar_rnade", "rnade_", "rnade_live"
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
BATCH_SIZES = [16, 32, 64, 100, 128, 256, 512]


def digits_section() -> AutoregressiveRunConfig | None:
    """Settings (sidebar), controls and the live views of a model trained on the digits."""
    url_state.init_from_url(DIGITS_PREFIX, AutoregressiveRunConfig, url_prefix=DIGITS_URL_PREFIX)
    link = st.session_state.get(f"{DIGITS_PREFIX}_last_config", st.session_state[f"{DIGITS_PREFIX}_url_config"])
    with st.sidebar:
        st.header("Train live")
        st.session_state.setdefault(f"{DIGITS_PREFIX}_model", link.model)
        model = st.radio("Model", list(LIVE_MODELS), format_func=LIVE_MODELS.get, key=f"{DIGITS_PREFIX}_model")
        hidden = st.session_state.get(f"{DIGITS_PREFIX}_hidden", link.hidden)
        if model != "fvsbn":
            sizes = [size for size in HIDDEN_SIZES if model != "nade" or size <= NADE_MAX_HIDDEN]
            st.session_state[f"{DIGITS_PREFIX}_hidden"] = min(hidden, sizes[-1])
            hidden = url_state.select("Hidden units", f"{DIGITS_PREFIX}_hidden", sizes, link.hidden)
        learning_rate = url_state.select(
            "Learning rate", f"{DIGITS_PREFIX}_learning_rate", LEARNING_RATES, link.learning_rate
        )
        batch_size = url_state.select("Batch size", f"{DIGITS_PREFIX}_batch_size", BATCH_SIZES, link.batch_size)
        seed = _seed_input(DIGITS_PREFIX, link.seed)
    try:
        config = AutoregressiveRunConfig(
            model=model,
            hidden=int(hidden),
            learning_rate=learning_rate,
            batch_size=int(batch_size),
            seed=seed,
            max_steps=link.max_steps,
        )
        run = session_runs.session_run(DIGITS_RUN, config, None, functools.partial(AutoregressiveTrainingTask, config))
    except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
        st.error(str(error))
        return None
    st.session_state[f"{DIGITS_PREFIX}_last_config"] = config
    url_state.write_url(DIGITS_PREFIX, config, url_prefix=DIGITS_URL_PREFIX)
    state, note = live_page.controls(run, config, DIGITS_PREFIX, step_help="One minibatch.")
    note.caption(
        f"{LIVE_MODELS[config.model]}; Adam on minibatches of the 4,000 training digits binarized at 0.5, "
        "loss −log p(x) per digit (exact)."
    )
    live_page.live_views(run, state, _draw_digits)
    return config


def _draw_digits(snapshot: live.Snapshot) -> None:
    metrics = snapshot.metrics
    cols = st.columns(4)
    cols[0].metric(
        "Epoch",
        f"{snapshot.visuals.epochs:.1f}",
        help=f"Passes over the training digits; stops at {snapshot.max_steps:,} steps.",
    )
    cols[1].metric("Step", f"{snapshot.step:,}", help=f"{snapshot.steps_per_second:,.0f} steps per second.")
    cols[2].metric(
        "Held-out NLL",
        live_page.nats(metrics.get("held_out_nll")),
        help=f"−log p(x) in nats per digit, exact, mean over {HELD_OUT_DIGITS} held-out digits.",
    )
    bits = metrics.get("bits_per_dim")
    cols[3].metric("Bits per dimension", "–" if bits is None else f"{bits:.4f}", help="The NLL / (784 ln 2).")
    left, right = st.columns([5, 6])
    chart = live_page.cached_render(
        snapshot, "ar_nll", lambda _: live_nll_image(snapshot), version=live_page.history_version(snapshot)
    )
    if chart is None or snapshot.step == 0:
        left.caption("The NLL curve appears here once training starts.")
    else:
        live_page.frame_image(
            left,
            chart,
            width="stretch",
            caption="NLL per digit (nats): blue the training minibatches, orange the held-out digits.",
        )
    live_page.frame_image(
        right,
        live_page.cached_render(snapshot, "ar_digits", live_digits_image),
        width="stretch",
        caption="Fresh samples (the same random draws every frame), then a held-out digit and "
        "p(xᵢ = 1 | x<ᵢ) for each of its pixels.",
    )


def rnade_section() -> RnadeRunConfig | None:
    """RNADE on a 2-D target: the target's and the model's densities, samples, NLL and KL(p‖q)."""
    url_state.init_from_url(RNADE_PREFIX, RnadeRunConfig, url_prefix=RNADE_URL_PREFIX)
    link = st.session_state.get(f"{RNADE_PREFIX}_last_config", st.session_state[f"{RNADE_PREFIX}_url_config"])
    target_key, target = data_input.target_picker(RNADE_PREFIX, dim=2)
    with st.sidebar:
        st.header("RNADE")
        components = url_state.slider("Mixture components K", f"{RNADE_PREFIX}_components", 1, 32, link.components)
        hidden = url_state.select(
            "Hidden units of q(x₂ | x₁)", f"{RNADE_PREFIX}_hidden", [16, 32, 64, 128, 256], link.hidden
        )
        learning_rate = url_state.select(
            "Learning rate", f"{RNADE_PREFIX}_learning_rate", LEARNING_RATES, link.learning_rate
        )
        batch_size = url_state.select(
            "Batch size", f"{RNADE_PREFIX}_batch_size", [64, 128, 256, 512, 1024], link.batch_size
        )
        seed = _seed_input(RNADE_PREFIX, link.seed)
    try:
        config = RnadeRunConfig(
            target=target_key,
            components=int(components),
            hidden=int(hidden),
            learning_rate=learning_rate,
            batch_size=int(batch_size),
            seed=seed,
            max_steps=link.max_steps,
        )
        run = session_runs.session_run(RNADE_RUN, config, target, functools.partial(RnadeTrainingTask, config, target))
    except (ValueError, RuntimeError) as error:
        st.error(str(error))
        return None
    st.session_state[f"{RNADE_PREFIX}_last_config"] = config
    url_state.write_url(RNADE_PREFIX, config, url_prefix=RNADE_URL_PREFIX)
    state, note = live_page.controls(run, config, RNADE_PREFIX, step_help="One batch of fresh samples.")
    note.caption(
        "q(x) = q(x₁) q(x₂ | x₁): q(x₁) a mixture of K Gaussians, q(x₂ | x₁) a mixture whose weights, means and "
        "widths an MLP computes from x₁. log q(x) is exact."
    )
    live_page.live_views(run, state, _draw_rnade)
    if target_key not in data_input.CUSTOM_TARGETS:
        st.caption(
            f"The held-out samples are those the [Flows page](/flows?target={target_key}&seed={config.seed}) scores "
            "its run with this target and seed on, so the NLL and KL here compare with a flow's there."
        )
    return config


def _draw_rnade(snapshot: live.Snapshot) -> None:
    flow_panels.metrics_row(snapshot)
    frame = snapshot.visuals
    images = live_page.cached_render(snapshot, "rnade_model", flow_views.model_images, frame)
    cols = st.columns(4)
    live_page.frame_image(
        cols[0],
        live_page.cached_render(snapshot, "rnade_target", flow_views.target_image, frame, version=0),
        caption="Target density p(x)",
        width="stretch",
    )
    live_page.frame_image(cols[1], images["model"], caption="RNADE's density q(x), same colour scale", width="stretch")
    live_page.frame_image(
        cols[2], images["samples"], caption="Samples: x₁ ~ q(x₁), then x₂ ~ q(x₂ | x₁)", width="stretch"
    )
    with cols[3]:
        flow_panels.loss_chart(snapshot)


def _seed_input(prefix: str, default: int) -> int:
    st.session_state.setdefault(f"{prefix}_seed", default)
    return int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=f"{prefix}_seed"))


def hide_live_training(shown_run: str | None = None) -> None:
    """Pause this session's live runs but ``shown_run`` if they train (a trainer nobody watches
    would hold a slot of the machine)."""
    for run_key in (DIGITS_RUN, RNADE_RUN):
        if run_key != shown_run:
            session_runs.pause_if_training(run_key)
