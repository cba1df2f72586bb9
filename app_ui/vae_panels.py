"""The views of the VAE page (not a page itself): each draws one view from a VaeViewConfig.

Over 250 lines because it holds one page's panels, a function each: split, one page would be
spread over several files for no reader's gain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine import render
from engine.mnist import load_mnist
from engine.mnist_classifier import CLASSIFIER, MnistClassifier
from engine.pretrained import load_model, model_card_figures
from engine.vae import explore, latent, views
from engine.vae.bounds import IWAE_CURVE_KS
from engine.vae.latent import ACTIVE_UNIT_THRESHOLD
from engine.vae.models import VAE
from engine.vae.shipped import BETA_SERIES, SHIPPED_VAES

DIGIT_SCALE = 6  # a 28 x 28 digit shown at 168 px


# ----- cached data and models (shared by all sessions) -----
@st.cache_resource(show_spinner="Loading the model…")
def shipped_vae(name: str) -> VAE:
    return load_model(name, VAE)


@st.cache_resource(show_spinner=False)
def classifier() -> MnistClassifier:
    return load_model(CLASSIFIER, MnistClassifier)


@st.cache_resource(show_spinner=False)
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    split = load_mnist()
    return split.test_images, split.test_labels


@st.cache_data(show_spinner=False)
def encodings(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of q(z|x) for every test digit."""
    mu, log_var = latent.encode_means(shipped_vae(name), test_digits()[0])
    return mu, np.exp(0.5 * log_var)


@st.cache_data(show_spinner=False, max_entries=64)
def grid_image(name: str, n: int, spacing: str) -> np.ndarray:
    return latent.decode_grid(shipped_vae(name), n, spacing)


@st.cache_data(show_spinner=False, max_entries=256)
def digit_inference(name: str, digit: np.ndarray) -> explore.DigitInference:
    """One digit through a model (cached: reruns of the same view do not redo ~5,000 decoder passes)."""
    return explore.infer_digit(shipped_vae(name), digit)


def label(image: np.ndarray) -> str:
    digit, confidence = classifier().predict(image[None])
    return f"classifier: **{digit.item()}** ({confidence.item():.0%})"


def big(image: np.ndarray) -> np.ndarray:
    return render.digit_strip(image[None], scale=DIGIT_SCALE, gap=0)


def test_digit_picker(key: str, caption: str) -> int:
    """A test-digit index input with the digit shown under it."""
    images, labels = test_digits()
    index = int(st.number_input(caption, 0, len(labels) - 1, step=1, key=key))
    st.image(render.digit_strip(images[index][None], scale=3), caption=f"#{index}: a {labels[index]}")
    return index


def on_map_click(chart_key: str) -> None:
    """Plotly-map callback (runs before the script, when widget values may still change): a click
    on a test encoding selects that digit."""
    points = st.session_state[chart_key].selection.get("points", [])
    index = points[0].get("customdata") if points else None
    if isinstance(index, int | float):
        st.session_state["vae_start"] = int(index)


def on_map_image_click() -> None:
    """Image-map callback: the clicked pixel becomes z; a click on a test encoding (within 6 px)
    selects that digit and its posterior mean."""
    click, drawn = st.session_state.get("vae_map_image"), st.session_state.get("vae_map_drawn")
    if not click or drawn is None:
        return
    x, y = click["x"] * drawn.image.shape[1] / click["width"], click["y"] * drawn.image.shape[0] / click["height"]
    z = drawn.to_latent(x, y)
    if z is None:
        return
    if st.session_state.get("vae_encodings", True):
        mu = encodings(st.session_state["vae_model"])[0]
        distances = np.hypot(*(drawn.to_pixels(mu) - [x, y]).T)
        if distances.min() <= 6:
            st.session_state["vae_start"] = int(distances.argmin())
            z = mu[distances.argmin()]
    st.session_state["vae_z1"], st.session_state["vae_z2"] = (round(float(np.clip(v, -4, 4)), 2) for v in z)


def latent_map(config: explore.VaeViewConfig, chart_key: str = "vae_map_chart", **overlays) -> None:
    """The decoded grid with the test encodings over it (plotly: hover names each digit; a click on one selects it)."""
    mu, _ = encodings(config.model)
    labels = test_digits()[1]
    figure = views.latent_map_figure(
        grid_image(config.model, config.grid, config.spacing),
        config.grid,
        config.spacing,
        mu if config.encodings else None,
        labels,
        **overlays,
    )
    st.plotly_chart(
        figure,
        key=chart_key,
        on_select=lambda: on_map_click(chart_key),
        selection_mode="points",
        config={"displayModeBar": False},
    )


# ----- the views -----
def map_view(config: explore.VaeViewConfig) -> None:
    if SHIPPED_VAES[config.model].latent_dim != 2:
        st.info("The latent map needs a 2-D latent: pick one of the 2-D models.")
        return
    from streamlit_image_coordinates import streamlit_image_coordinates

    left, right = st.columns([3, 1])
    with left:
        mu = encodings(config.model)[0] if config.encodings else None
        drawn = views.latent_map_image(
            grid_image(config.model, config.grid, config.spacing),
            config.grid,
            config.spacing,
            mu,
            test_digits()[1],
            selected=np.array([config.z1, config.z2]),
        )
        st.session_state["vae_map_drawn"] = drawn
        streamlit_image_coordinates(
            drawn.image,
            key="vae_map_image",
            on_click=on_map_image_click,
            cursor="crosshair",
            image_format="JPEG",
            jpeg_quality=85,
        )
        spacing_note = "Φ(z) (each cell holds the same prior mass)" if config.spacing == "quantile" else "z, evenly"
        dots = (
            f"; dots: the posterior means μ(x) of the {len(test_digits()[1]):,} held-out digits"
            if config.encodings
            else ""
        )
        st.caption(
            f"A {config.grid} × {config.grid} grid of decoder means, spaced in {spacing_note}{dots}. "
            "Click anywhere to decode that z; click a dot to pick that digit."
        )
    with right:
        z = np.array([config.z1, config.z2])
        decoded = explore.decode(shipped_vae(config.model), z)[0]
        st.image(big(decoded))
        st.caption(f"decoded at z = ({config.z1:.2f}, {config.z2:.2f})")
        st.markdown(label(decoded))
        images, labels = test_digits()
        index = config.start
        st.divider()
        st.caption(f"Test digit #{index} (a {labels[index]}), and its reconstruction decode(μ(x)):")
        reconstruction = explore.decode(shipped_vae(config.model), encodings(config.model)[0][index])[0]
        st.image(render.digit_strip(np.stack([images[index], reconstruction]), scale=3))


def interpolate_view(config: explore.VaeViewConfig) -> None:
    model = shipped_vae(config.model)
    images, labels = test_digits()
    a, b = images[config.start], images[config.end]
    st.subheader(
        f"From test digit #{config.start} (a {labels[config.start]}) to #{config.end} (a {labels[config.end]})"
    )
    paths = {kind: explore.interpolation_path(model, a, b, config.steps, kind) for kind in explore.INTERPOLATIONS}
    for kind, path in paths.items():
        st.image(render.digit_strip(explore.decode(model, path)))
        st.caption(
            f"{kind}: "
            + ("(1 − t) z_A + t z_B" if kind == "linear" else "slerp: keeps ‖z‖ near the prior's typical radius")
        )
    st.subheader(
        f"Latent arithmetic: #{config.start} + α (mean of the {config.to_digit}s − mean of the {config.from_digit}s)"
    )
    means = explore.class_means(encodings(config.model)[0], labels)
    arithmetic = explore.arithmetic_path(
        encodings(config.model)[0][config.start], means, config.from_digit, config.to_digit, config.steps
    )
    st.image(render.digit_strip(explore.decode(model, arithmetic)))
    st.caption("α from 0 to 1, using the class means of the test encodings")
    if model.latent_dim == 2:
        st.caption("The paths on the latent map: interpolation (black) and arithmetic (the chosen end is marked).")
        latent_map(config, chart_key="vae_interpolation_map", path=paths[config.interpolation], selected=arithmetic[-1])


def drawn_or_test_digit(config: explore.VaeViewConfig) -> np.ndarray | None:
    """The posterior view's input: a drawing on the canvas, or a held-out digit."""
    if config.source == "test":
        return test_digits()[0][config.start]
    from streamlit_drawable_canvas import st_canvas

    from engine.digit_drawing import canvas_to_digit

    st.caption("Draw one digit, large, in the middle of the square:")
    result = st_canvas(
        stroke_width=26,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=280,
        height=280,
        drawing_mode="freedraw",
        return_image_data=True,
        key="vae_canvas",
    )
    if result is None or result.image_data is None:
        st.info("Draw a digit on the canvas to see its posterior, or pick a held-out digit in the sidebar.")
        return None
    try:
        digit = canvas_to_digit(result.image_data)
    except ValueError as error:
        st.warning(str(error))
        return None
    if digit is None:
        st.info("The canvas is empty: draw a digit to see its posterior, or pick a held-out digit in the sidebar.")
    return digit


def posterior_view(config: explore.VaeViewConfig, digit: np.ndarray | None) -> None:
    if digit is None:
        return
    model = shipped_vae(config.model)
    inference = digit_inference(config.model, digit)
    columns = st.columns(4)
    columns[0].image(big(inference.binary), caption="input x (binarized)")
    columns[0].markdown(label(digit))
    columns[1].image(big(inference.reconstruction_image), caption="reconstruction decode(μ(x))")
    columns[1].markdown(label(inference.reconstruction_image))
    columns[2].metric("ELBO (nats)", f"{inference.elbo:.1f}", help="E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) ≤ log p(x)")
    columns[2].metric(
        "reconstruction E_q log p(x|z)",
        f"{inference.reconstruction:.1f}",
        help=f"Monte Carlo, {explore.RECONSTRUCTION_SAMPLES} samples of z ~ q(z|x)",
    )
    columns[2].metric("KL(q(z|x) ‖ p(z))", f"{inference.kl:.2f}", help="closed form: ½ Σ (σ² + μ² − 1 − log σ²)")
    columns[3].metric(
        f"L_{IWAE_CURVE_KS[-1]} ≤ log p(x)",
        f"{inference.iwae[-1]:.1f}",
        help="IWAE bound with 1,000 importance samples: a lower bound on log p(x), close to it when q(z|x) covers p(z|x)",
    )
    columns[3].metric(
        "L_1000 − ELBO ≤ KL(q ‖ p(z|x))",
        f"{inference.iwae[-1] - inference.elbo:.2f}",
        help="log p(x) − ELBO = KL(q(z|x) ‖ p(z|x)) exactly; L_1000 − ELBO is a lower bound on it",
    )
    if average := model_card_figures(config.model):
        st.caption(
            f"On average over the held-out digits: ELBO {average['elbo']:.1f} = reconstruction {average['reconstruction']:.1f} "
            f"− KL {average['kl']:.2f}; log p(x) ≈ {average['log_likelihood']:.1f} (IWAE bound, k = 5,000; nats)."
        )
    if model.latent_dim == 2:
        left, right = st.columns(2)
        with left:
            st.caption("q(z|x) (red: 1σ and 2σ) on the latent map")
            latent_map(config, chart_key="vae_posterior_map", ellipse=(inference.mu, inference.sigma), height=420)
        with right:
            st.caption("the true posterior p(z|x) ∝ p(x|z) p(z) on a grid, with q(z|x) over it")
            st.plotly_chart(
                views.posterior_figure(
                    inference.posterior, inference.posterior_axes, inference.mu, inference.sigma, height=420
                ),
                config={"displayModeBar": False},
            )
    left, right = st.columns(2)
    curve = (average or {}).get("iwae_curve")
    with left:
        st.caption("The IWAE bound L_k for k = 1 (the ELBO) … 1,000 approaches log p(x) from below.")
        st.plotly_chart(
            views.iwae_figure(IWAE_CURVE_KS, np.array(inference.iwae), np.array(curve) if curve else None),
            config={"displayModeBar": False},
        )
    if model.latent_dim != 2:
        with right:
            st.caption("q(z|x) per latent dimension: μ ± σ (the prior is 0 ± 1)")
            st.plotly_chart(
                views.posterior_dimensions_figure(inference.mu, inference.sigma), config={"displayModeBar": False}
            )


def beta_view(config: explore.VaeViewConfig) -> None:
    st.subheader("The latent grid at three values of β")
    columns = st.columns(len(BETA_SERIES))
    labels = test_digits()[1]
    for column, name in zip(columns, BETA_SERIES, strict=True):
        with column:
            st.caption(SHIPPED_VAES[name].label)
            figure = views.latent_map_figure(
                grid_image(name, config.grid, config.spacing),
                config.grid,
                config.spacing,
                encodings(name)[0] if config.encodings else None,
                labels,
                height=380,
                dot_size=3,
            )
            figure.update_layout(showlegend=False)
            st.plotly_chart(figure, key=f"vae_beta_{name}", config={"displayModeBar": False})
    rows = []
    for name, shipped in SHIPPED_VAES.items():
        figures = model_card_figures(name)
        if figures:
            rows.append(
                {
                    "label": shipped.label,
                    **{
                        k: figures.get(k)
                        for k in ("elbo", "reconstruction", "kl", "log_likelihood", "active_units", "knn5_accuracy")
                    },
                }
            )
    left, right = st.columns(2)
    with left:
        st.caption(
            "Rate against distortion (held-out means): along β = 0.5, 1, 4 a larger β buys a smaller KL with a worse "
            "reconstruction; 16 latent dimensions buy a far better reconstruction for more KL."
        )
        st.plotly_chart(views.rate_distortion_figure(rows), config={"displayModeBar": False})
    with right:
        table = pd.DataFrame(rows).rename(
            columns={
                "label": "model",
                "elbo": "ELBO",
                "reconstruction": "E_q log p(x|z)",
                "kl": "KL",
                "log_likelihood": "log p(x) (k=5000)",
                "active_units": "active units",
                "knn5_accuracy": "5-NN accuracy",
            }
        )
        st.caption("Measured on the held-out digits when each model was trained (its model card):")
        st.dataframe(
            table, hide_index=True, column_config={"5-NN accuracy": st.column_config.NumberColumn(format="percent")}
        )
    st.subheader("Posterior collapse in the 16-D model")
    mu, sigma = encodings("vae-16d")
    kl = 0.5 * (sigma**2 + mu**2 - 1 - np.log(sigma**2)).mean(axis=0)
    variance, active = latent.active_units(mu)
    st.plotly_chart(
        views.kl_per_dimension_figure(kl, variance, ACTIVE_UNIT_THRESHOLD), config={"displayModeBar": False}
    )
    st.caption(
        f"{active} of {len(kl)} units are active (Cov_x E_q[z_j] > {ACTIVE_UNIT_THRESHOLD}, Burda et al., 2016); "
        "the others have q(z_j|x) ≈ p(z_j) for every x: they carry no information and cost no KL."
    )
