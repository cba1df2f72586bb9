"""GANs on MNIST images: DCGAN, a conditional GAN with a projection discriminator, ACGAN and InfoGAN."""

import json

import streamlit as st
import torch

from app_ui import image_gan_live, url_state, vae_panels
from engine.image_gans import explore
from engine.image_gans.explore import VIEWS, ImageGanViewConfig
from engine.image_gans.models import ImageGenerator
from engine.image_gans.shipped import SHIPPED_IMAGE_GANS
from engine.pretrained import PRETRAINED_DIR, ModelUnavailable, load_model

st.title("🖼️ Image GANs")
st.caption(
    "A generator G(z) against a discriminator D(x), now on 28 × 28 digits with convolutions (DCGAN); told which digit to "
    "draw (a conditional GAN whose discriminator projects the class, and ACGAN, whose discriminator also names it); or "
    "left to discover its own codes (InfoGAN: a 10-way code and two continuous ones, kept readable from the image)."
)


@st.cache_resource(show_spinner=False)
def generator(name: str) -> ImageGenerator:
    return load_model(name, ImageGenerator).eval()


def read_digits(images: torch.Tensor) -> torch.Tensor:
    return vae_panels.classifier().predict(images)[0]


defaults = url_state.init_from_url("image_gans", ImageGanViewConfig)
with st.sidebar:
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, key="image_gans_view")
if view == "train":
    url_state.write_url("image_gans", ImageGanViewConfig(view="train"))
    image_gan_live.section()
    st.stop()
with st.sidebar:
    st.selectbox("Model", list(SHIPPED_IMAGE_GANS), format_func=SHIPPED_IMAGE_GANS.get, key="image_gans_model")
    st.number_input("Seed", 0, 2**31 - 1, step=1, key="image_gans_seed")
    if view == "interpolate":
        st.number_input("To seed", 0, 2**31 - 1, step=1, key="image_gans_seed_to")
try:
    config = ImageGanViewConfig(
        **{name: st.session_state.get(f"image_gans_{name}", value) for name, value in defaults.widget_values().items()}
    )
    model = generator(config.model)
    card = json.loads((PRETRAINED_DIR / config.model / "figures.json").read_text())
except (ValueError, TypeError, ModelUnavailable, OSError) as error:
    st.error(str(error))
    st.stop()
url_state.write_url("image_gans", config)

cols = st.columns(5)
cols[0].metric(
    "FID (classifier)",
    f"{card['fid']:.1f}",
    help="5,000 samples against the 1,000 held-out digits, in the MNIST classifier's features (not Inception's).",
)
cols[1].metric(
    "Inception score", f"{card['inception_score']:.2f}", help="The classifier's: 10 is confident and balanced."
)
if "class_accuracy" in card:
    cols[2].metric(
        "Class accuracy", f"{card['class_accuracy']:.1%}", help="The classifier reads the digit that was asked for."
    )
if "code_agreement" in card:
    cols[2].metric(
        "Code = digit",
        f"{card['code_agreement']:.1%}",
        help="Categorical code against the classifier's digit, best permutation.",
    )
cols[3].metric(
    "Training",
    f"{card['training_seconds'] / 60:.1f} min",
    help=f"{card['steps']:,} steps on {card['machine']}: `{card['command']}`",
)

if view == "samples":
    images, _ = explore.sample(model, 64, config.seed)
    st.image(
        explore.tile(images.reshape(8, 8, 28, 28)), width=560, caption=f"64 samples, noise from seed {config.seed}"
    )
elif view == "classes":
    if model.kind == "dcgan":
        st.info("DCGAN is not told which digit to draw: pick the conditional GAN, ACGAN or InfoGAN.")
    else:
        grid = explore.class_grid(model, 8, config.seed)
        read = read_digits(grid.reshape(-1, 28, 28)).reshape(10, 8)
        st.image(
            explore.tile(grid),
            width=560,
            caption="Rows: the class asked for (InfoGAN: its categorical code, continuous codes 0); columns: the same z",
        )
        if model.kind == "infogan":
            agreement, digit_of = explore.code_agreement(
                torch.arange(10).repeat_interleave(8).numpy(), read.flatten().numpy()
            )
            st.caption(
                f"InfoGAN was never told the digits: its codes 0–9 read as digits {', '.join(map(str, digit_of))} "
                f"({agreement:.0%} of this grid agrees with that matching)."
            )
        else:
            per_class = (read == torch.arange(10)[:, None]).float().mean(dim=1)
            st.caption(
                "The classifier reads each row as asked: "
                + " · ".join(f"{k}: {a:.0%}" for k, a in enumerate(per_class.tolist()))
            )
elif view == "codes":
    if model.kind != "infogan":
        st.info("Only InfoGAN has codes to sweep: pick it in the sidebar.")
    else:
        st.caption(
            "Q reads the codes back from the image, but nothing says which factor a code takes: that is settled in "
            "the first steps. With z of 64 numbers and the codes entering G as they are, G hid them in details only Q "
            "noticed (code = digit 16%); with z of 16 and the codes entering with gains (one-hot × 4, continuous × 2), "
            "they shape the first blobs, and become the digit and its slant."
        )
        effects = card.get("code_effects") or explore.code_effects(model)
        for code in range(2):
            slant, width = effects[f"c{code + 1}"]
            st.image(
                explore.tile(explore.code_sweep(model, code, config.seed)),
                width=420,
                caption=f"Continuous code c{code + 1} from −1 (left) to 1 (right), each row a categorical code. Correlation "
                f"with slant {slant:+.2f}, with width {width:+.2f}",
            )
else:
    strip = explore.interpolation(model, config.seed, config.seed_to)
    st.image(
        explore.tile(strip[None]),
        width="stretch",
        caption=f"G((1 − t) z({config.seed}) + t z({config.seed_to})), t from 0 to 1 (class or code 3)",
    )
