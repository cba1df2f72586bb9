"""Diffusion and flow matching on 2-D data, live: noise eating the data, samples flowing back."""

import functools

import streamlit as st

from app_ui import data_input, diffusion_panels, live_page, session_runs, url_state
from engine.diffusion.samplers import SAMPLERS
from engine.diffusion.schedules import SCHEDULES
from engine.diffusion.task import KINDS, SAMPLERS_OF, DiffusionRunConfig, DiffusionTrainingTask

st.title("🌫️ Diffusion and flow matching")
st.caption(
    "A diffusion model learns to undo noise: x_t = √ᾱ(t) x₀ + √(1 − ᾱ(t)) ε, trained by ‖ε − ε_θ(x_t, t)‖². Flow matching "
    "learns the velocity of the straight path x_t = (1 − t) x₀ + t x₁ from noise x₀ to data x₁, trained by "
    "‖v_θ(x_t, t) − (x₁ − x₀)‖². Both sample by integrating from noise back to data."
)

# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("diffusion", DiffusionRunConfig)
target_key, target = data_input.target_picker("diffusion", dim=2)
with st.sidebar:
    st.header("Model")
    kind = st.radio("Model", list(KINDS), format_func=KINDS.get, key="diffusion_kind")
    schedule = st.radio("Noise schedule", SCHEDULES, key="diffusion_schedule", horizontal=True) if kind == "ddpm" else defaults.schedule
    hidden = url_state.select("Hidden width", "diffusion_hidden", [32, 64, 128, 256], defaults.hidden)
    layers = url_state.slider("Hidden layers", "diffusion_layers", 1, 6, defaults.layers)
    st.header("Sampling")
    options = list(SAMPLERS_OF[kind])
    if st.session_state.get("diffusion_sampler") not in options:  # the model changed
        st.session_state["diffusion_sampler"] = options[0]
    sampler = st.selectbox("Sampler", options, format_func=SAMPLERS.get, key="diffusion_sampler")
    sample_steps = url_state.select("Steps", "diffusion_sample_steps", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], defaults.sample_steps)
    st.header("Training")
    learning_rate = url_state.select("Learning rate", "diffusion_learning_rate", [3e-4, 1e-3, 2e-3, 5e-3, 1e-2], defaults.learning_rate)
    lr_half_life = url_state.select("Learning rate halves every … steps (0: constant)", "diffusion_lr_half_life",
                                    [0, 1000, 3000, 10000], defaults.lr_half_life)  # fmt: skip
    batch_size = url_state.select("Batch size", "diffusion_batch_size", [64, 128, 256, 512, 1024], defaults.batch_size)
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="diffusion_seed")

try:
    config = DiffusionRunConfig(target=target_key, kind=kind, schedule=schedule, hidden=int(hidden), layers=int(layers),
                                learning_rate=learning_rate, lr_half_life=int(lr_half_life), batch_size=int(batch_size),
                                sampler=sampler, sample_steps=int(sample_steps), seed=int(seed), max_steps=defaults.max_steps)  # fmt: skip
    run = session_runs.session_run("diffusion", config, target, functools.partial(DiffusionTrainingTask, config, target))
except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
    st.error(str(error))
    st.stop()
url_state.write_url("diffusion", config)

state, note = live_page.controls(run, config, "diffusion")
note.caption("The sampler and its steps apply live: change them while it trains.")
live_page.live_views(run, state, diffusion_panels.draw)

with st.expander("About these numbers"):
    st.markdown(
        "- **W₁** is exact for the two sample sets (optimal transport by POT); it measures the samples the chosen sampler draws.\n"
        "- **NLL and KL(p‖q)** are exact log-densities through the ODE (flow matching: its own ODE; diffusion: the "
        "probability-flow ODE), with the divergence of the field computed exactly (a 2 × 2 Jacobian trace), up to the "
        "solver's tolerance; KL = NLL − H(p) is then a Monte Carlo average over the held-out samples, as on the Flows "
        "page, whose held-out samples these are (same target and seed). The diffusion figure is the density of x at "
        "t = 0.001 (the data with a little noise).\n"
        f"- {target.density_note}"
    )
