"""GANs, live: a generator and a discriminator trained against each other; mode collapse made visible."""

import functools

import streamlit as st

from app_ui import data_input, gan_panels, live_page
from app_ui.live_page import Download, StepPart
from engine import live
from engine.gans.losses import LOSSES
from engine.gans.task import ComparedConfigs, GanLink, GanRunConfig, GanTrainingTask

st.title("⚔️ Generative adversarial networks")
st.caption(
    "A generator G turns noise z into samples; a discriminator D tells them from real data. "
    "min_G max_D E_p[log D(x)] + E_z[log(1 − D(G(z)))]: watch the two play, and the generator collapse onto a "
    "few modes or cover them all."
)

# ----- settings: URL -> widgets -> validated configs -----
section = live_page.LiveSection("gans", GanLink)
link = section.link()
defaults = link.widget_values()
target_key, target = data_input.target_picker("gans")
with st.sidebar:
    seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="gans_seed")
    compare = st.toggle(
        "Compare two runs (A/B)", key="gans_ab", help="Train two configurations side by side on the same data and seed."
    )
    tabs = st.tabs(["Run A", "Run B"]) if compare else [st.container()]
    with tabs[0]:
        values_a = gan_panels.network_widgets("gans_", defaults)
    if compare:
        with tabs[1]:
            values_b = gan_panels.network_widgets(
                "gans_b_", {k[2:]: v for k, v in defaults.items() if k.startswith("b_")}
            )


def build() -> tuple[GanRunConfig | ComparedConfigs, functools.partial]:
    """Run A, or A and B side by side, and the task that trains them."""
    shared = dict(target=target_key, seed=int(seed), max_steps=link.a.max_steps)
    config_a = GanRunConfig(**values_a, **shared)
    if not compare:
        return config_a, functools.partial(GanTrainingTask, config_a, target)
    config_b = GanRunConfig(**values_b, **shared)
    return ComparedConfigs(config_a, config_b), functools.partial(
        live.SideBySideTask,
        functools.partial(GanTrainingTask, config_a, target),
        functools.partial(GanTrainingTask, config_b, target),
    )


started = section.open(
    build, target, url_config=lambda config: GanLink(config.a, config.b) if compare else GanLink(config)
)
if started is None:
    st.stop()
run, config = started
config_a = config.a if compare else config

# ----- presets, controls, live views, downloads -----
gan_panels.presets()
state, spare = live_page.controls(
    run,
    config,
    "gans",
    parts=(
        StepPart("d", "discriminator", "Step D", "One discriminator update only."),
        StepPart("g", "generator", "Step G", "One generator update only."),
    ),
    step_help="One training step: the discriminator steps, then the generator.",
)
layers = gan_panels.layer_toggles(spare)


def draw(snapshot: live.Snapshot) -> None:
    if not compare:
        gan_panels.run_panel(snapshot, None, target, layers, LOSSES[config_a.loss])
        return
    gan_panels.counters(snapshot, st.columns(5)[:2])
    for column, side, side_config in zip(st.columns(2), ("a", "b"), (config.a, config.b), strict=True):
        with column:
            title = gan_panels.run_title(side, side_config, config.a)
            gan_panels.run_panel(snapshot, side, target, layers, LOSSES[side_config.loss], title)
    gan_panels.loss_chart(snapshot)


live_page.live_views(run, state, draw)
files = []
for side, side_config in (("a", config.a), ("b", config.b)) if compare else ((None, config_a),):
    name = f"gan-{side_config.loss}-{side_config.target}-seed{side_config.seed}-step{run.snapshot.step}" + (
        f"-{side}" if side else ""
    )
    label = f" {side.upper()}" if side else ""
    for what, suffix, method, mime in [
        (f"Generator{label} (.safetensors)", ".safetensors", GanTrainingTask.generator_safetensors, None),
        (f"5,000 samples{label} (.csv)", "-samples.csv", GanTrainingTask.sample_csv, "text/csv"),
    ]:
        call = (live.SideBySideTask.call_side, (side, method)) if side else (method, ())
        files.append(Download(what, name + suffix, *call, mime=mime))
live_page.downloads(
    run,
    state,
    "Download the generator and samples",
    files,
    caption="Reload a generator in Python: `engine.gans.task.load_generator(open(path, 'rb').read())`.",
)
gan_panels.about(target)
