"""GANs, live: a generator and a discriminator trained against each other; mode collapse made visible."""

import functools

import streamlit as st

from app_ui import gan_panels, widgets
from engine import live
from engine.gans.losses import LOSSES
from engine.gans.networks import ACTIVATIONS, NOISE_TYPES
from engine.gans.presets import PRESETS
from engine.gans.task import OPTIMIZERS, ComparedConfigs, GanLink, GanRunConfig, GanTrainingTask

LIVE_STATES = (live.RUNNING, live.WAITING)
WIDTHS = [2, 4, 8, 16, 32, 64, 128, 256, 512]
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]

st.title("⚔️ Generative adversarial networks")
st.caption(
    "A generator G turns noise z into samples; a discriminator D tells them from real data. "
    "min_G max_D E_p[log D(x)] + E_z[log(1 − D(G(z)))]: watch the two play, and the generator collapse onto a "
    "few modes or cover them all."
)


def apply_preset(key: str) -> None:
    """Button callback: load a preset into the widgets (before they are drawn)."""
    values = GanLink(PRESETS[key].config(seed=int(st.session_state.get("gans_seed", 0)))).widget_values()
    for name, value in values.items():
        if name != "ab":
            st.session_state[f"gans_{name}"] = value
    st.session_state["gans_ab"] = False
    st.session_state["gans_preset_chosen"] = key


def network_widgets(prefix: str, defaults: dict) -> dict:
    """Loss, both networks and their optimisers for one run (A: "gans_", B: "gans_b_")."""
    key = functools.partial("{}{}".format, prefix)
    loss = st.selectbox("Loss", list(LOSSES), format_func=lambda k: LOSSES[k].label, key=key("loss"))
    st.caption(f"{LOSSES[loss].formula}  \n{LOSSES[loss].description}")
    values = {"loss": loss}
    with st.expander("Generator", expanded=False):
        values["g_layers"] = widgets.slider("Hidden layers", key("g_layers"), 0, 6, defaults["g_layers"])
        values["g_width"] = widgets.select("Width", key("g_width"), WIDTHS, defaults["g_width"])
        values["g_activation"] = st.selectbox("Activation", list(ACTIVATIONS), key=key("g_activation"))
        values["noise_dim"] = widgets.slider("Noise dimension", key("noise_dim"), 1, 16, defaults["noise_dim"])
        values["noise"] = st.selectbox("Noise", NOISE_TYPES, key=key("noise"), help="Gaussian N(0, I) or uniform on [−1, 1]^d.")
    with st.expander("Discriminator", expanded=False):
        values["d_layers"] = widgets.slider("Hidden layers", key("d_layers"), 0, 6, defaults["d_layers"])
        values["d_width"] = widgets.select("Width", key("d_width"), WIDTHS, defaults["d_width"])
        values["d_activation"] = st.selectbox("Activation", list(ACTIVATIONS), key=key("d_activation"))
        values["spectral_norm"] = st.checkbox("Spectral normalization", key=key("spectral_norm"), help="Each layer's weight divided by its largest singular value (Miyato et al., 2018): D becomes 1-Lipschitz.")
        values["r1_gamma"] = widgets.select("R1 penalty γ (0: off)", key("r1_gamma"), [0.0, 0.01, 0.1, 1.0, 10.0], defaults["r1_gamma"], help="Adds (γ/2)·E_p‖∇ₓv(x)‖² to the discriminator's loss (Mescheder et al., 2018).")
    with st.expander("Optimisation", expanded=False):
        values["d_steps"] = widgets.slider("Discriminator steps per generator step", key("d_steps"), 1, 10, defaults["d_steps"])
        values["g_optimizer"] = st.selectbox("Generator optimiser", OPTIMIZERS, key=key("g_optimizer"))
        values["g_lr"] = widgets.select("Generator learning rate", key("g_lr"), LEARNING_RATES, defaults["g_lr"])
        values["d_optimizer"] = st.selectbox("Discriminator optimiser", OPTIMIZERS, key=key("d_optimizer"))
        values["d_lr"] = widgets.select("Discriminator learning rate", key("d_lr"), LEARNING_RATES, defaults["d_lr"])
        values["beta1"] = widgets.select("β₁ (Adam; SGD momentum)", key("beta1"), [0.0, 0.5, 0.9], defaults["beta1"])
        values["beta2"] = widgets.select("β₂ (Adam; RMSprop smoothing)", key("beta2"), [0.9, 0.99, 0.999], defaults["beta2"])
        values["lr_half_life"] = widgets.select("Learning rates halve every … steps (0: constant)", key("lr_half_life"), [0, 500, 700, 1000, 2000, 5000], defaults["lr_half_life"])
        values["batch_size"] = widgets.select("Batch size", key("batch_size"), [32, 64, 128, 150, 256, 512, 1024], defaults["batch_size"])
    return values


# ----- settings: URL -> widgets -> validated configs -----
link = widgets.init_from_url("gans", GanLink)
defaults = link.widget_values()
target_key, target = widgets.target_picker("gans")
with st.sidebar:
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="gans_seed")
    compare = st.toggle("Compare two runs (A/B)", key="gans_ab", help="Train two configurations side by side on the same data and seed.")
    tabs = st.tabs(["Run A", "Run B"]) if compare else [st.container()]
    with tabs[0]:
        values_a = network_widgets("gans_", defaults)
    if compare:
        with tabs[1]:
            values_b = network_widgets("gans_b_", {k[2:]: v for k, v in defaults.items() if k.startswith("b_")})

try:
    shared = dict(target=target_key, seed=int(seed), max_steps=link.a.max_steps)
    config_a = GanRunConfig(**values_a, **shared)
    config = ComparedConfigs(config_a, GanRunConfig(**values_b, **shared)) if compare else config_a
    make_task = functools.partial(GanTrainingTask, config_a, target)
    if compare:
        make_task = functools.partial(
            live.SideBySideTask, make_task, functools.partial(GanTrainingTask, config.b, target)
        )
    run = widgets.session_run("gans", config, target, make_task)
except (ValueError, RuntimeError) as error:  # a refused setting; a trainer that could not start
    st.error(str(error))
    st.stop()
widgets.write_url("gans", GanLink(config_a, config.b if compare else None))

# ----- presets and controls -----
with st.expander("🎛️ Presets: watch mode collapse happen, and see what avoids it", expanded=False):
    for column, (key, preset) in zip(st.columns(len(PRESETS)), PRESETS.items(), strict=True):
        column.button(preset.label, key=f"gans_preset_{key}", on_click=apply_preset, args=(key,), width="stretch")
        column.caption(preset.explanation)
if chosen := st.session_state.pop("gans_preset_chosen", None):
    st.info(f"**{PRESETS[chosen].label}** (press Train): {PRESETS[chosen].explanation}", icon="🎛️")
state = run.snapshot.state
buttons = st.columns([1.2, 1, 1, 1, 1, 2.5])
if state in LIVE_STATES:
    buttons[0].button("⏸ Pause", on_click=widgets.command(run.pause), type="primary", key="gans_pause", width="stretch")
else:
    buttons[0].button("▶ Train", on_click=widgets.command(run.train), type="primary", key="gans_train", width="stretch", disabled=state == live.FINISHED)
buttons[1].button("Step D", on_click=widgets.command(functools.partial(run.step, 1, "discriminator")), key="gans_step_d", width="stretch", help="One discriminator update only.")
buttons[2].button("Step G", on_click=widgets.command(functools.partial(run.step, 1, "generator")), key="gans_step_g", width="stretch", help="One generator update only.")
buttons[3].button("Step", on_click=widgets.command(run.step), key="gans_step", width="stretch", help="One training step: the discriminator steps, then the generator.")
buttons[4].button("↺ Reset", on_click=widgets.reset_command(run, config), key="gans_reset", width="stretch", help="Back to step 0, same seed.")
with buttons[5].popover("Show…", icon="👁️"):
    layers = {
        name: st.checkbox(label, value=default, key=f"gans_show_{name}")
        for name, label, default in [
            ("heatmap", "Discriminator heatmap", True), ("real", "Real samples (green)", True),
            ("fake", "Generated samples (purple)", True), ("arrows", "Generator gradients (arrows)", True),
            ("manifold", "Generator manifold over the heatmap (1-D or 2-D noise)", False),
        ]
    }


# ----- live views -----
@st.fragment(run_every=live.FRAME_EVERY_S if state in LIVE_STATES else None)
def live_views():
    snapshot = widgets.fragment_snapshot(run, state)
    if not compare:
        gan_panels.run_panel(snapshot, None, target, layers, LOSSES[config_a.loss])
        return
    gan_panels.counters(snapshot, st.columns(5)[:2])
    for column, side, run_config in zip(st.columns(2), ("a", "b"), (config.a, config.b), strict=True):
        with column:
            title = gan_panels.run_title(side, run_config, config.a)
            gan_panels.run_panel(snapshot, side, target, layers, LOSSES[run_config.loss], title)
    gan_panels.loss_chart(snapshot)


live_views()

# ----- downloads (when paused) -----
if state not in LIVE_STATES and run.is_alive:
    with st.expander("Download the generator and samples"):
        for side in ("a", "b") if compare else (None,):
            call = functools.partial(run.call, "call_side", side) if side else run.call
            cfg = config.b if side == "b" else config_a
            name = f"gan-{cfg.loss}-{cfg.target}-seed{cfg.seed}-step{run.snapshot.step}" + (f"-{side}" if side else "")
            cols = st.columns(2)
            cols[0].download_button(f"Generator{' ' + side.upper() if side else ''} (.safetensors)", data=lambda c=call: c("generator_safetensors"), file_name=f"{name}.safetensors", on_click="ignore")
            cols[1].download_button(f"5,000 samples{' ' + side.upper() if side else ''} (.csv)", data=lambda c=call: c("sample_csv"), file_name=f"{name}-samples.csv", mime="text/csv", on_click="ignore")
        st.caption("Reload a generator in Python: `engine.gans.task.load_generator(open(path, 'rb').read())`.")

with st.expander("About these numbers"):
    st.markdown(
        "- **Modes captured / high quality** (mixture targets): of 2,500 generated samples, a sample is *high quality* "
        "if it lies within 3 standard deviations of its nearest mode, and a mode is *captured* if it has at least one "
        "(VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).\n"
        "- **Per-mode timeline**: at each moment, the share of generated samples whose nearest mode is each mode (one "
        "colour per mode; full colour for the high-quality ones, pale for the rest). A collapsing generator shows as "
        "one colour filling the column, hopping between colours.\n"
        "- **W₁** is the exact Wasserstein-1 distance between 256 generated and 256 held-out samples (POT); even two "
        "samples of the same distribution are about 0.2–0.5 apart at this size (a floor, not zero).\n"
        "- **JS** is the Jensen-Shannon divergence between 32×32 histograms of the samples (points outside the plot "
        "counted in an extra cell), in nats: 0 for identical histograms, log 2 ≈ 0.693 for disjoint ones.\n"
        f"- {target.density_note}"
    )
