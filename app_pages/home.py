"""Home: what the playground is, a card per page, and the device the engine computes on."""

from pathlib import Path

import streamlit as st

from engine.device import describe_device, get_device

ASSETS = Path(__file__).resolve().parent.parent / "assets"

st.title("🌀 Generative Playground")
st.markdown(
    "See how generative models learn. Pick a data distribution and a model, press **Train**, "
    "and watch it learn live in your browser: densities sharpen, layers bend space, and the "
    "numbers say how far the model still is from perfect."
)

CARDS = [
    {
        "page": "app_pages/flows.py",
        "title": "🌊 Normalizing flows",
        "image": "card_flows.png",
        "caption": "Pictured: the ring of 8 Gaussians, the density a spline flow learned in 20 seconds, "
        "and its samples.",
        "text": "Train NICE, Real NVP, Glow and spline flows on 2-D targets (or your own drawing) and a "
        "1-D flow that shows the change-of-variables formula. See the learned density next to the "
        "true one, the KL that is left, and how each coupling layer moves space.",
    },
    {
        "page": "app_pages/gans.py",
        "title": "⚔️ GANs",
        "image": "card_gans.png",
        "caption": "Pictured: a generator collapsing onto a few of the 8 modes (left) and one that covers them all "
        "(right), with the discriminator's verdict as the background.",
        "text": "Train a GAN live as in GAN Lab, with 13 losses (minimax, non-saturating, least squares, hinge, "
        "WGAN, WGAN-GP and six f-GANs), spectral normalization and R1. Watch mode collapse happen on a per-mode "
        "timeline, measure it (modes captured, high-quality samples, W₁), and compare two setups side by side.",
    },
    {
        "page": "app_pages/vae.py",
        "title": "🧬 VAEs",
        "image": "card_vae.png",
        "caption": "Pictured: the latent space of a 2-D VAE, a grid of decoded digits with the held-out digits' "
        "encodings over it.",
        "text": "Explore VAEs trained on MNIST: click anywhere in the latent map to decode it, interpolate between "
        "digits, draw a digit and see its posterior q(z|x) beside the true p(z|x), watch the IWAE bound climb "
        "towards log p(x), compare β = 0.5, 1 and 4, and train a small VAE live.",
    },
    {
        "page": "app_pages/divergences.py",
        "title": "📏 Divergences",
        "image": "card_divergences.png",
        "caption": "Pictured: two Gaussians fitted to a three-mode mixture by forward KL (spreading over all three), "
        "reverse KL (dropping one), JS and Wasserstein-1.",
        "text": "Fit a model to a mixture you edit by KL, reverse KL, JS, TV, Hellinger, χ², α-divergences or "
        "Wasserstein, replay the fits and measure each by all of them; watch JS saturate at log 2 when supports stop "
        "overlapping while W₁ keeps a gradient; check that a GAN with the optimal discriminator computes 2 JS − log 4; "
        "draw the optimal transport plan between two 2-D sample sets, your GAN's included.",
    },
    {
        "page": "app_pages/style_mixing.py",
        "title": "🎨 Style mixing",
        "image": "card_style_mixing.png",
        "caption": "Pictured: source A across the top, source B down the left; each cell takes A's styles with B's "
        "coarse ones, so it shows B's digit in A's colours.",
        "text": "Mix the styles of a small StyleGAN trained on coloured digits: copy one seed's coarse, middle or fine "
        "styles (or any layers) into another's, truncate towards the average image, see where the noise acts, "
        "interpolate in z and in w, and measure how much each layer changes the image.",
    },
]

for card in CARDS:
    with st.container(border=True):
        picture, words = st.columns([3, 2])
        if (ASSETS / card["image"]).exists():
            picture.image(str(ASSETS / card["image"]), width="stretch")
        words.subheader(card["title"])
        words.write(card["text"])
        words.caption(card["caption"])
        words.page_link(card["page"], label=f"Open {card['title'][2:]}", icon="➡️")

try:
    device = describe_device(get_device())
except ValueError as error:  # a mistyped GP_DEVICE
    device = f"unknown ({error})"
st.caption(
    f"Device for the engine's heavier models: **{device}**. The live toy models train on the CPU, "
    "one thread per run, in a process of their own: models this small run fastest there."
)
