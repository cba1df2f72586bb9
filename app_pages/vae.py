"""VAEs on MNIST: explore the latent space of shipped models, draw a digit, see its posterior."""

import streamlit as st

from app_ui import url_state, vae_live, vae_panels
from engine.pretrained import ModelUnavailable
from engine.vae.explore import INTERPOLATIONS, VIEWS, VaeViewConfig
from engine.vae.latent import SPACINGS
from engine.vae.shipped import SHIPPED_VAES, TWO_D_VAES

st.title("🧬 Variational autoencoders")
st.caption(
    "An encoder q(z|x) maps a digit to a Gaussian over latent codes z; a decoder p(x|z) maps z back to a digit. "
    "Trained on the ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) ≤ log p(x), with p(z) = N(0, I)."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("vae", VaeViewConfig)
with st.sidebar:
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, key="vae_view")
    models = TWO_D_VAES if view == "map" else list(SHIPPED_VAES)
    if st.session_state.get("vae_model") not in models:
        st.session_state["vae_model"] = VaeViewConfig.model
    if view in ("map", "interpolate", "posterior"):
        st.selectbox("Model", models, format_func=lambda name: SHIPPED_VAES[name].label, key="vae_model")
    if view in ("map", "interpolate", "posterior", "beta"):
        st.header("Latent grid")
        url_state.slider("Cells a side", "vae_grid", 5, 30, defaults.grid)
        st.radio(
            "Spacing",
            SPACINGS,
            key="vae_spacing",
            horizontal=True,
            help="quantile: z = Φ⁻¹(u) at even u, so each cell holds the same prior mass; linear: even z on [−3, 3].",
        )
        st.checkbox("Show the test digits' encodings", key="vae_encodings")
    if view == "map":
        st.number_input("z₁", -4.0, 4.0, step=0.1, key="vae_z1")
        st.number_input("z₂", -4.0, 4.0, step=0.1, key="vae_z2")
    if view == "interpolate":
        st.header("Digits")
        with st.container(horizontal=True):
            vae_panels.test_digit_picker("vae_start", "From test digit")
            vae_panels.test_digit_picker("vae_end", "To test digit")
        url_state.slider("Steps", "vae_steps", 3, 16, defaults.steps)
        st.radio("Path drawn on the map", INTERPOLATIONS, key="vae_interpolation", horizontal=True)
        st.header("Latent arithmetic")
        st.selectbox("Away from the mean of digit", range(10), key="vae_from_digit")
        st.selectbox("Towards the mean of digit", range(10), key="vae_to_digit")
    if view == "posterior":
        st.radio(
            "Input",
            ["drawn", "test"],
            key="vae_source",
            format_func={"drawn": "✏️ draw a digit", "test": "a held-out digit"}.get,
            horizontal=True,
        )
        if st.session_state["vae_source"] == "test":
            vae_panels.test_digit_picker("vae_start", "Test digit")

try:
    values = {name: st.session_state.get(f"vae_{name}", value) for name, value in defaults.widget_values().items()}
    config = VaeViewConfig(**values)
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("vae", config)

try:
    if view == "map":
        vae_panels.map_view(config)
    elif view == "interpolate":
        vae_panels.interpolate_view(config)
    elif view == "posterior":
        vae_panels.posterior_view(config, vae_panels.drawn_or_test_digit(config))
    elif view == "beta":
        vae_panels.beta_view(config)
    else:
        vae_live.live_training_section()
except ModelUnavailable as error:
    st.error(str(error))
if view != "live":
    vae_live.hide_live_training()  # a trainer nobody watches would hold a slot of the machine
