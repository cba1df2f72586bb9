"""Style mixing: a small StyleGAN's coarse and fine styles swapped between seeds, truncation, noise."""

import numpy as np
import streamlit as st

from app_ui import url_state
from engine import render
from engine.pretrained import ModelUnavailable, load_model
from engine.stylegan import explore, views
from engine.stylegan.evaluate import PRESETS, style_influence
from engine.stylegan.models import NOISE_MODES, Generator

MODEL = "stylegan-color-digits"
TRUNCATION_PSIS = (-1.0, -0.5, 0.0, 0.5, 0.7, 1.0, 1.5)

st.title("🎨 Style mixing")
st.caption(
    "A small StyleGAN trained on coloured digits. Every layer takes its own style w: copy source B's styles into "
    "source A's at the coarse layers and the digit changes; at the fine layers only the colours do (Karras et al., 2019)."
)


@st.cache_resource(show_spinner="Loading the generator…")
def generator() -> Generator:
    return load_model(MODEL, Generator)


@st.cache_data(show_spinner=False, max_entries=64)
def grid_png(config: explore.StyleMixingConfig) -> bytes:
    return render.png_bytes(explore.mixing_grid(generator(), config))


@st.cache_data(show_spinner=False)
def influence() -> np.ndarray:
    return style_influence(generator())


try:
    model = generator()
except (ModelUnavailable, RuntimeError) as error:
    st.error(f"The generator could not be loaded: {error}")
    st.stop()
names = model.layer_names


def set_preset() -> None:
    if (preset := st.session_state["sm_preset"]) in PRESETS:
        st.session_state["sm_layers"] = ",".join(map(str, PRESETS[preset]))


def set_layers_from_boxes() -> None:
    st.session_state["sm_layers"] = ",".join(str(i) for i in range(model.num_ws) if st.session_state[f"sm_layer_{i}"])


def set_noise_layers_from_boxes() -> None:
    st.session_state["sm_noise_layers"] = ",".join(
        str(i) for i in range(model.num_ws) if st.session_state[f"sm_noise_layer_{i}"]
    )


# ----- settings: URL -> widgets -> validated config -----
defaults = url_state.init_from_url("sm", explore.StyleMixingConfig)
with st.sidebar:
    view = st.radio("View", list(explore.VIEWS), format_func=explore.VIEWS.get, key="sm_view")
    if view in ("mixing", "truncation"):
        st.text_input("Source A seeds (top row)", key="sm_seeds_a", help="e.g. 1-6 or 3,8,15; at most 8")
    if view == "mixing":
        st.text_input("Source B seeds (left column)", key="sm_seeds_b", help="at most 8")
        try:  # the URL's layer list is the source of truth; the preset and the boxes edit it
            chosen = explore.parse_layers(st.session_state["sm_layers"])
        except ValueError:
            chosen = []
        st.session_state["sm_preset"] = explore.preset_of(chosen) or "custom"
        st.radio(
            "Copy B's styles at",
            [*PRESETS, "custom"],
            key="sm_preset",
            on_change=set_preset,
            horizontal=True,
            help="coarse: layers 0-2 (4 and 8 pixels); middle: 3-4 (16); fine: 5-6 (32)",
        )
        for i, name in enumerate(names):
            st.session_state[f"sm_layer_{i}"] = i in chosen
            st.checkbox(f"{i}: {name}", key=f"sm_layer_{i}", on_change=set_layers_from_boxes)
    if view in ("mixing", "truncation"):
        st.slider(
            "Truncation ψ", -1.0, 1.5, step=0.05, key="sm_psi", help="w' = w_avg + ψ (w − w_avg); 0: the average image"
        )
        st.slider("Truncate the first layers", 0, model.num_ws, key="sm_cutoff", help="the truncation cutoff")
    if view == "noise":
        try:
            noisy = explore.parse_layers(st.session_state["sm_noise_layers"])
        except ValueError:
            noisy = []
        st.caption("Noise on at layers")
        for i, name in enumerate(names):
            st.session_state[f"sm_noise_layer_{i}"] = i in noisy
            st.checkbox(f"{i}: {name}", key=f"sm_noise_layer_{i}", on_change=set_noise_layers_from_boxes)
    if view in ("mixing", "interpolate"):
        st.selectbox(
            "Noise", NOISE_MODES, key="sm_noise", help="const: fixed per-pixel noise; random: fresh draws; none: off"
        )
    if view in ("noise", "interpolate"):
        st.number_input("Seed", 0, explore.MAX_SEED, step=1, key="sm_seed")
    if view == "interpolate":
        st.number_input("… to seed", 0, explore.MAX_SEED, step=1, key="sm_seed_to")

values = {name: st.session_state.get(f"sm_{name}", value) for name, value in defaults.widget_values().items()}
try:
    config = explore.StyleMixingConfig(**values)
    url_state.write_url("sm", config)
except (ValueError, TypeError) as error:
    if view in ("mixing", "truncation"):
        st.error(str(error))
        st.stop()
    try:  # a bad seed list of the mixing view must not lock views that do not use it
        config = explore.StyleMixingConfig(
            **(values | {name: getattr(explore.StyleMixingConfig(), name) for name in explore.SOURCE_FIELDS})
        )
    except (ValueError, TypeError):
        st.error(str(error))
        st.stop()
    st.warning(f"{error} (a setting of the Style mixing view; fix it there)", icon="⚠️")

if view == "mixing":
    layers = explore.parse_layers(config.layers)
    copied = ", ".join(names[i] for i in layers) or "none: every row repeats source A"
    st.image(
        grid_png(config),
        caption=f"Top row: source A. Left column: source B. Each cell: A's styles with B's at layers {copied}.",
    )
    st.caption(
        "Coarse layers (4 and 8 pixels) carry the digit, its size and slant; the 16-pixel layers the background; the "
        "32-pixel layers the stroke's colour. Try each preset, or tick single layers."
    )
elif view == "truncation":
    seeds = explore.parse_seeds(config.seeds_a, "Source A seeds")
    st.image(
        render.png_bytes(explore.truncation_rows(model, seeds, list(TRUNCATION_PSIS), config.cutoff)),
        caption="Columns: ψ = "
        + ", ".join(f"{p:g}" for p in TRUNCATION_PSIS)
        + f", in the first {config.cutoff} layers.",
    )
    st.caption(
        "ψ = 0 maps every seed to w_avg, the average image; 0 < ψ < 1 trades variety for typical, cleaner images; "
        "ψ < 0 gives a kind of opposite of each image."
    )
    with st.spinner("Drawing your ψ…"):
        st.image(grid_png(config), caption=f"The mixing grid at your ψ = {config.psi:g}.")
elif view == "noise":
    noise_layers = explore.parse_layers(config.noise_layers)
    draws, spread = explore.noise_spread(model, config.seed, noise_layers)
    st.image(render.png_bytes(draws), caption=f"Seed {config.seed}: four draws of the per-pixel noise (same w).")
    st.plotly_chart(views.noise_spread_figure(spread), width="content")
    st.caption(
        f"Where the noise acts: at most {spread.max():.3f} (in [0, 1] pixel units). This small model learned to use "
        "little noise: its images are nearly deterministic given w."
    )
elif view == "interpolate":
    rows, steps = explore.interpolations(model, config.seed, config.seed_to, noise=config.noise)
    st.image(
        render.png_bytes(rows),
        caption=f"Seed {config.seed} to seed {config.seed_to}. Top: in z (slerp). Bottom: in w (lerp).",
    )
    st.plotly_chart(views.interpolation_steps_figure(steps))
    st.caption(
        "The mapping network unwarps z: equal steps in w change the image by more even amounts than equal steps in z."
    )
else:
    values = influence()
    st.plotly_chart(views.layer_influence_figure(names, values))
    st.caption(
        "For each layer alone, how much 64 images change when that layer's style comes from another seed. Colour "
        "swaps move every pixel, so the colour layers score high; the shape layers move only the stroke's pixels."
    )
