"""Autoencoders on MNIST: AE as non-linear PCA, denoising, compression (with a VQ-VAE), clustering,
anomaly detection, and an AE trained live."""

import streamlit as st

from app_ui import autoencoder_live, autoencoder_panels, url_state
from engine.autoencoders.denoising import CORRUPTION_LABELS, CORRUPTIONS
from engine.autoencoders.explore import CODEBOOK_SIZES, COMPRESSORS, MAX_LEVELS, SPACES, VIEWS, AutoencoderViewConfig
from engine.autoencoders.shipped import ANOMALY_LEFT_OUT_DIGITS, SHIPPED_LATENT_DIMS
from engine.pretrained import ModelUnavailable

st.title("🗜️ Autoencoders")
st.caption(
    "An encoder E: ℝⁿ → ℝʳ and a decoder D: ℝʳ → ℝⁿ (r ≪ n) trained on Σᵢ ‖xᵢ − D(E(xᵢ))‖²: a non-linear "
    "generalisation of PCA, and a tool for denoising, compression, clustering and anomaly detection."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("ae", AutoencoderViewConfig)
with st.sidebar:
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, key="ae_view")
    if view in ("pca", "cluster") or (view == "compress" and st.session_state.get("ae_compressor") in ("ae", "pca")):
        st.select_slider("Latent size r of the shipped AEs", SHIPPED_LATENT_DIMS, key="ae_r")
    if view == "denoise":
        st.radio("Corruption", CORRUPTIONS, format_func=CORRUPTION_LABELS.get, key="ae_corruption")
        top = MAX_LEVELS[st.session_state["ae_corruption"]]
        st.session_state["ae_level"] = min(st.session_state["ae_level"], top)
        st.slider(
            "Level",
            0.0,
            top,
            step=0.05,
            key="ae_level",
            help="Gaussian: σ; salt and pepper: the share of pixels hit; block: the square's side as a share of 28 px.",
        )
        st.selectbox("Digit to scribble over", range(10), key="ae_scribble_digit")
    if view == "compress":
        st.radio("Compressor", list(COMPRESSORS), format_func=COMPRESSORS.get, key="ae_compressor")
        compressor = st.session_state["ae_compressor"]
        if compressor in ("ae", "pca"):
            st.slider("Bits per latent dimension", 1, 12, key="ae_bits")
        elif compressor == "jpeg":
            st.slider("JPEG quality", 1, 95, key="ae_quality")
        else:
            st.radio("Codebook size K", CODEBOOK_SIZES, key="ae_codebook", horizontal=True)
    if view == "cluster":
        st.radio("Show the clusters of", list(SPACES), format_func=SPACES.get, key="ae_space")
    if view == "anomaly":
        st.radio("Digit left out of training", ANOMALY_LEFT_OUT_DIGITS, key="ae_left_out", horizontal=True)

try:
    values = {name: st.session_state.get(f"ae_{name}", value) for name, value in defaults.widget_values().items()}
    config = AutoencoderViewConfig(**values)
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("ae", config)

try:
    if view == "live":
        autoencoder_live.live_training_section()
    else:
        {
            "pca": autoencoder_panels.pca_view,
            "denoise": autoencoder_panels.denoise_view,
            "compress": autoencoder_panels.compress_view,
            "cluster": autoencoder_panels.cluster_view,
            "anomaly": autoencoder_panels.anomaly_view,
        }[view](config)
except ModelUnavailable as error:
    st.error(str(error))
if view != "live":
    autoencoder_live.hide_live_training()  # a trainer nobody watches would hold a slot of the machine
