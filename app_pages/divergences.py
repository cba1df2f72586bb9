"""Divergences side by side: what each one makes a model learn, and why Wasserstein helps GANs."""

import streamlit as st

from app_ui import data_input, url_state
from app_ui import divergence_panels as panels
from engine.divergences import explore
from engine.f_divergences import F_DIVERGENCES

st.title("📏 Divergences")
st.caption(
    "The divergence a model minimises decides what it learns: forward KL(p‖q) covers every mode of p, reverse "
    "KL(q‖p) locks onto one, JS saturates at log 2 when supports do not overlap, and Wasserstein keeps a gradient."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("div", explore.DivergenceLabConfig)
with st.sidebar:
    view = st.radio("View", list(explore.VIEWS), format_func=explore.VIEWS.get, key="div_view")
    if view == "fit":
        st.slider("Components of q", 1, 4, key="div_components")
        # the URL's comma-separated field is the source of truth; the multiselect edits it
        st.session_state["div_fitted_by_list"] = [k for k in st.session_state["div_fitted_by"].split(",") if k]
        st.multiselect(
            "Fit q by",
            list(panels.FIT_LABELS),
            format_func=panels.FIT_LABELS.get,
            key="div_fitted_by_list",
            on_change=lambda: st.session_state.update(div_fitted_by=",".join(st.session_state["div_fitted_by_list"])),
        )
    if view == "disjoint":
        st.slider("Offset θ", -2.0, 2.0, step=0.01, key="div_theta")
    if view == "fgan":
        st.selectbox("f", list(F_DIVERGENCES), format_func=lambda k: F_DIVERGENCES[k].label, key="div_f_key")
    if view == "samples":
        labels = {
            key: data_input.builtin_target(key).label
            for key in explore.SAMPLE_SOURCES
            if key not in explore.GENERATOR_SOURCES
        }
        st.selectbox(
            "p: samples of",
            [k for k in explore.SAMPLE_SOURCES if k in labels],
            format_func=labels.get,
            key="div_p_samples",
        )
        st.selectbox(
            "q: samples of",
            explore.SAMPLE_SOURCES,
            format_func=lambda k: labels.get(k) or explore.GENERATOR_SOURCES[k],
            key="div_q_samples",
        )
        st.slider("Shift q along x", -6.0, 6.0, step=0.1, key="div_q_shift")
        st.slider("Samples of each", 20, 1000, step=10, key="div_samples")
        st.radio(
            "Transport plan drawn",
            [2, 1],
            format_func=lambda k: f"W{'₁' if k == 1 else '₂'}",
            key="div_plan_order",
            horizontal=True,
        )
    if view in ("fit", "fgan", "samples"):
        st.number_input(
            "Seed", 0, 2**31 - 1, step=1, key="div_seed", help="q's starting point, the critic's, and the samples drawn"
        )
if view in explore.TARGET_VIEWS:
    panels.target_editor()

try:
    values = {name: st.session_state.get(f"div_{name}", value) for name, value in defaults.widget_values().items()}
    config = explore.DivergenceLabConfig(**values)
except (ValueError, TypeError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("div", config)

if view == "disjoint":
    panels.disjoint_supports(config)
elif view == "samples":
    panels.sample_comparison(config)
else:
    {"fit": panels.fitting_lab, "gan": panels.p_versus_q, "fgan": panels.f_divergences}[view](config)
