"""The Arena: every family on the same 2-D data, the same wall-clock budget and the same yardsticks."""

import functools

import streamlit as st

from app_ui import arena_panels, data_input, live_page, url_state
from engine.arena.contenders import CONTENDERS
from engine.arena.explore import ArenaReplayConfig
from engine.arena.task import BUDGETS, ArenaConfig, ArenaTask

st.title("🏟️ Arena")
st.caption(
    "A normalizing flow, a GAN, a VAE, a diffusion model, flow matching and RNADE learn the same target for the same "
    "number of seconds each, taking turns on the same core, and are scored on the same held-out samples: exact "
    "KL(p‖q) where the model has a density (the VAE: an upper bound), W₁ and MMD² for everyone, modes covered, and "
    "how fast each one samples."
)

section = live_page.LiveSection("arena", ArenaConfig)
defaults = section.link()
replay_defaults = url_state.init_from_url("arena_replay", ArenaReplayConfig, url_prefix="replay_")
target_key, target = data_input.target_picker("arena", dim=2)
with st.sidebar:
    st.header("Race")
    budget = url_state.select("Seconds of training each", "arena_budget_s", list(BUDGETS), defaults.budget_s)
    if (
        "arena_names" not in st.session_state
        or st.session_state.get("arena_names_from") != st.session_state["arena_contenders"]
    ):
        st.session_state["arena_names"] = [
            name for name in st.session_state["arena_contenders"].split(",") if name in CONTENDERS
        ]
    names = st.multiselect("Contenders", list(CONTENDERS), format_func=CONTENDERS.get, key="arena_names")
    st.session_state["arena_names_from"] = st.session_state["arena_contenders"] = ",".join(names)
    seed = section.seed_input()

if not names:
    st.info("Pick at least one contender in the sidebar.")
    st.stop()
started = section.start(
    ArenaTask,
    target,
    target_object=target,
    target=target_key,
    budget_s=int(budget),
    contenders=",".join(names),
    seed=seed,
)
if started is None:
    st.stop()
run, config = started
replay = ArenaReplayConfig(at=int(st.session_state.get("arena_replay_at", replay_defaults.at)))
url_state.write_url("arena_replay", replay, url_prefix="replay_")

state, note = live_page.controls(
    run, config, "arena", step_help="One turn: the contender that trained least trains for 25 ms."
)
note.caption(
    f"▶ Train runs the race: {len(names)} × {config.budget_s} s of training, plus the scoring at every fifth of it."
)
live_page.live_views(run, state, functools.partial(arena_panels.draw, replay_at=replay.at))

record = run.snapshot.visuals.record
st.select_slider(
    "Replay: show the race at",
    options=[*range(len(record)), -1],
    key="arena_replay_at",
    format_func=lambda i: "the latest" if i < 0 else f"{record[i].seconds:.1f} s",
    disabled=len(record) < 2,
    help="Scores and samples at each checkpoint of the race.",
)

with st.expander("About these numbers"):
    st.markdown(
        "- **Fair shares:** one process trains every contender in turns of 25 ms, always the one that has trained "
        "least, so all of them see the same core and the same load; scoring is not counted.\n"
        "- **KL(p‖q) and NLL** on the first 512 held-out samples (the Flows page's, same target and seed): exact for the "
        "flow and RNADE; for DDPM and flow matching exact through the ODE (tolerance 10⁻⁴); for the VAE the IWAE bound "
        "with k = 256, so its figures are upper bounds (≤); the GAN has no density.\n"
        "- **W₁** is exact between 400 samples and 400 held-out ones (~0.2 is the floor at this size); **MMD²** is "
        "unbiased, with Gaussian kernels of widths 0.1, 0.3 and 1, on 500 of each.\n"
        "- **Modes** and **high quality** (targets made of modes): a mode is covered when a sample lies within 3 "
        "standard deviations of it (VEEGAN, PacGAN), on 1,000 samples.\n"
        "- **ms / 1,000 samples**: DDPM samples by 50 DDIM steps, flow matching by 50 Euler steps.\n"
        f"- {target.density_note}"
    )
