"""Autoregressive models on binarized MNIST: p(x) = ∏ᵢ p(xᵢ | x<ᵢ), exact; sampling pixel by pixel,
completion, per-pixel surprise, receptive fields, the likelihood table, and training live."""

import streamlit as st

from app_ui import autoregressive_live, autoregressive_panels, url_state
from engine.autoregressive.explore import (
    DIGIT_SOURCES,
    HELD_OUT,
    MAX_SAMPLES,
    PIXELS,
    SIDE,
    VIEWS,
    AutoregressiveViewConfig,
)
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from engine.pretrained import ModelUnavailable

st.title("🧵 Autoregressive models")
st.caption(
    "The chain rule p(x) = ∏ᵢ p(xᵢ | x₁, …, xᵢ₋₁): one conditional per pixel, in a fixed order. The likelihood is exact "
    "(a sum of 784 log-probabilities), and sampling takes 784 steps, one pixel at a time."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("ar", AutoregressiveViewConfig)
with st.sidebar:
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, key="ar_view")
    if view == "sample":
        new_sampling = autoregressive_panels.show_finished_sampling
        st.selectbox(
            "Model",
            list(SHIPPED_AUTOREGRESSIVE),
            format_func=lambda name: SHIPPED_AUTOREGRESSIVE[name].label,
            key="ar_model",
            on_change=new_sampling,
        )
        st.slider("Digits at once", 1, MAX_SAMPLES, key="ar_samples", on_change=new_sampling)
        st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="ar_seed", on_change=new_sampling)
    if view in ("sample", "receptive"):
        orderings = autoregressive_panels.models_with_orderings()
        if view == "receptive" or orderings[st.session_state["ar_model"]] > 1:
            st.slider(
                "MADE's ordering (0: raster, 1–7: random)",
                0,
                max(orderings.values()) - 1,
                key="ar_ordering",
                on_change=autoregressive_panels.show_finished_sampling,
                help="The order-agnostic MADE was trained on 8 orderings; any of them samples and scores.",
            )
    if view == "sample":
        st.slider(
            "Show the sampling after … pixels", 0, PIXELS, key="ar_step", help="Replay any moment of the last sampling."
        )
    if view in ("complete", "surprise"):
        st.radio("Digit", list(DIGIT_SOURCES), format_func=DIGIT_SOURCES.get, key="ar_source", horizontal=True)
        if st.session_state["ar_source"] == "held_out":
            st.number_input(
                f"Held-out digit (0–{HELD_OUT - 1})", min_value=0, max_value=HELD_OUT - 1, step=1, key="ar_digit"
            )
    if view == "complete":
        st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="ar_seed")
    if view == "receptive":
        st.slider("Output pixel: row", 0, SIDE - 1, key="ar_row")
        st.slider("Output pixel: column", 0, SIDE - 1, key="ar_column")

try:
    values = {name: st.session_state.get(f"ar_{name}", value) for name, value in defaults.widget_values().items()}
    config = AutoregressiveViewConfig(**values)
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("ar", config)

try:
    if view == "live":
        autoregressive_live.digits_section()
    elif view == "rnade":
        autoregressive_live.rnade_section()
    else:
        {
            "sample": autoregressive_panels.sample_view,
            "complete": autoregressive_panels.complete_view,
            "surprise": autoregressive_panels.surprise_view,
            "receptive": autoregressive_panels.receptive_view,
            "table": autoregressive_panels.table_view,
        }[view](config)
except ModelUnavailable as error:
    st.error(str(error))
autoregressive_live.hide_live_training(
    {"live": autoregressive_live.DIGITS.run_key, "rnade": autoregressive_live.RNADE.run_key}.get(view)
)
