"""Home: what the playground is, a card per page, and the device the engine computes on."""

from pathlib import Path

import streamlit as st

from app_ui import registry
from engine.device import describe_device, get_device

ASSETS = Path(__file__).resolve().parent.parent / "assets"

st.title("🌀 Generative Playground")
st.markdown(
    "See how generative models learn. Pick a data distribution and a model, press **Train**, "
    "and watch it learn live in your browser: densities sharpen, layers bend space, and the "
    "numbers say how far the model still is from perfect."
)

for section, pages in registry.sections().items():
    st.header(section, divider="gray")
    for page in pages:
        with st.container(border=True):
            picture, words = st.columns([3, 2])
            if (ASSETS / page.card_image).exists():
                picture.image(str(ASSETS / page.card_image), width="stretch")
            words.subheader(f"{page.icon} {page.title}")
            words.write(page.card_text)
            words.caption(page.card_caption)
            words.page_link(page.script, label=f"Open {page.title}", icon="➡️")

try:
    device = describe_device(get_device())
except ValueError as error:  # a mistyped GP_DEVICE
    device = f"unknown ({error})"
st.caption(
    f"Device for the engine's heavier models: **{device}**. The live toy models train on the CPU, "
    "one thread per run, in a process of their own: models this small run fastest there."
)
