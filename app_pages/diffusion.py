"""Diffusion and flow matching on 2-D data, live: noise eating the data, samples flowing back."""

import functools

import streamlit as st

from app_ui import data_input, diffusion_panels, live_page, url_state
from engine.diffusion.explore import DiffusionViewConfig
from engine.diffusion.samplers import SAMPLERS
from engine.diffusion.schedules import SCHEDULES
from engine.diffusion.task import KINDS, NOISE_LEVELS, SAMPLERS_OF, DiffusionRunConfig, DiffusionTrainingTask

st.title("🌫️ Diffusion and flow matching")
st.caption(
    "A diffusion model learns to undo noise: x_t = √ᾱ(t) x₀ + √(1 − ᾱ(t)) ε, trained by ‖ε − ε_θ(x_t, t)‖². Flow matching "
    "learns the velocity of the straight path x_t = (1 − t) x₀ + t x₁ from noise x₀ to data x₁, trained by "
    "‖v_θ(x_t, t) − (x₁ − x₀)‖². Both sample by integrating from noise back to data."
)

# ----- settings: URL -> widgets -> validated config -----
section = live_page.LiveSection("diffusion", DiffusionRunConfig)
defaults = section.link()
view_defaults = url_state.init_from_url("diffusion_field", DiffusionViewConfig, url_prefix="field_")
target_key, target = data_input.target_picker("diffusion", dim=2)
with st.sidebar:
    st.header("Model")
    kind = st.radio("Model", list(KINDS), format_func=KINDS.get, key="diffusion_kind")
    schedule = (
        st.radio("Noise schedule", SCHEDULES, key="diffusion_schedule", horizontal=True)
        if kind == "ddpm"
        else defaults.schedule
    )
    hidden = url_state.select("Hidden width", "diffusion_hidden", [32, 64, 128, 256], defaults.hidden)
    layers = url_state.slider("Hidden layers", "diffusion_layers", 1, 6, defaults.layers)
    st.header("Sampling")
    options = list(SAMPLERS_OF[kind])
    if st.session_state.get("diffusion_sampler") not in options:  # the model changed
        st.session_state["diffusion_sampler"] = options[0]
    sampler = st.selectbox("Sampler", options, format_func=SAMPLERS.get, key="diffusion_sampler")
    sample_steps = url_state.select(
        "Steps", "diffusion_sample_steps", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], defaults.sample_steps
    )
    st.header("Classes")
    has_modes = target is not None and target.modes is not None
    if not has_modes:
        st.session_state["diffusion_conditional"] = False
    conditional = st.toggle(
        "Class-conditional (a class per mode)",
        key="diffusion_conditional",
        disabled=not has_modes,
        help="Trains f(x, t, c) with c the sample's mode, and without c on 20% of the rows, so that "
        "one network guides: (1 + w) f(x, t, c) − w f(x, t). Needs a target made of modes.",
    )
    guidance = defaults.guidance
    if conditional:
        guidance = url_state.select(
            "Guidance scale w",
            "diffusion_guidance",
            [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0],
            defaults.guidance,
            help="Classifier-free guidance: w = 0 samples the conditional model; larger w "
            "sharpens each class (and narrows it).",
        )
    st.header("Training")
    learning_rate = url_state.select(
        "Learning rate", "diffusion_learning_rate", [3e-4, 1e-3, 2e-3, 5e-3, 1e-2], defaults.learning_rate
    )
    lr_half_life = url_state.select(
        "Learning rate halves every … steps (0: constant)",
        "diffusion_lr_half_life",
        [0, 1000, 3000, 10000],
        defaults.lr_half_life,
    )
    batch_size = url_state.select("Batch size", "diffusion_batch_size", [64, 128, 256, 512, 1024], defaults.batch_size)
    seed = section.seed_input()

try:
    view = DiffusionViewConfig(
        noise_level=float(st.session_state.get("diffusion_field_noise_level", view_defaults.noise_level))
    )
except ValueError as error:
    st.error(str(error))
    st.stop()
started = section.start(
    DiffusionTrainingTask,
    target,
    target_object=target,
    target=target_key,
    kind=kind,
    schedule=schedule,
    hidden=int(hidden),
    layers=int(layers),
    learning_rate=learning_rate,
    lr_half_life=int(lr_half_life),
    batch_size=int(batch_size),
    sampler=sampler,
    sample_steps=int(sample_steps),
    conditional=bool(conditional),
    guidance=float(guidance),
    seed=seed,
)
if started is None:
    st.stop()
run, config = started
url_state.write_url("diffusion_field", view, url_prefix="field_")

state, note = live_page.controls(run, config, "diffusion")
note.caption("The sampler, its steps and the guidance apply live: change them while it trains.")
live_page.live_views(run, state, functools.partial(diffusion_panels.draw, config=config, noise_level=view.noise_level))
st.select_slider(
    "Noise level of the field view (0: data, 1: noise)", options=list(NOISE_LEVELS), key="diffusion_field_noise_level"
)
st.subheader("Measure the model, or straighten its paths")
diffusion_panels.measurements(run, config)

with st.expander("About these numbers"):
    st.markdown(
        "- **W₁** is exact for the two sample sets (optimal transport by POT); it measures the samples the chosen sampler draws.\n"
        "- **NLL and KL(p‖q)** are exact log-densities through the ODE (flow matching: its own ODE; diffusion: the "
        "probability-flow ODE), with the divergence of the field computed exactly (a 2 × 2 Jacobian trace), up to the "
        "solver's tolerance; KL = NLL − H(p) is then a Monte Carlo average over the held-out samples, as on the Flows "
        "page, whose held-out samples these are (same target and seed). The diffusion figure is the density of x at "
        "t = 0.001 (the data with a little noise). A class-conditional run's figures are its unconditional model's.\n"
        "- **Quality against steps** is W₁ (exact for the samples, as above) of each sampler at each number of steps; the "
        "**learned density** is exact through the ODE (tolerance 10⁻³) at each grid point.\n"
        "- **Class accuracy and spread** are counts and distances on the samples the chosen sampler draws.\n"
        f"- {target.density_note}"
    )
