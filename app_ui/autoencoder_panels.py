"""The views of the Autoencoders page (not a page itself): each draws one view from an
AutoencoderViewConfig, from shipped models and cached computations shared by all sessions.

Over 250 lines because it holds one page's panels, a function each: split, one page would be
spread over several files for no reader's gain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_ui import data_input
from engine import render
from engine.autoencoders import explore, views
from engine.autoencoders.anomaly import anomaly_scores
from engine.autoencoders.denoising import CORRUPTION_LABELS
from engine.autoencoders.measures import psnr
from engine.autoencoders.models import KINDS, VQVAE, Autoencoder
from engine.autoencoders.pca import PcaFit, fit_pca, principal_angles_deg
from engine.autoencoders.shipped import SHIPPED_LATENT_DIMS, autoencoder_name
from engine.digit_drawing import canvas_to_digit, canvas_to_field
from engine.mnist import load_mnist
from engine.pretrained import load_model

DIGIT_SCALE = 2


# ----- cached data and models (shared by all sessions) -----
@st.cache_resource(show_spinner="Loading the model…")
def shipped(name: str) -> Autoencoder | VQVAE:
    return load_model(name, VQVAE if name.startswith("vqvae") else Autoencoder)


@st.cache_resource(show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(training images, held-out images, held-out labels, the shown digits' indices)."""
    split = load_mnist()
    return split.train_images, split.test_images, split.test_labels, explore.shown_digits(split.test_labels)


@st.cache_resource(show_spinner="Fitting PCA…")
def pca() -> PcaFit:
    return fit_pca(digits()[0])


@st.cache_data(show_spinner="Measuring every model on the held-out digits…")
def error_curves() -> tuple[dict[int, float], dict[str, dict[int, float]]]:
    test = digits()[1]
    pca_errors = pca().squared_errors(test, list(range(1, 65)))
    ae_errors = {
        kind: {
            r: explore.mean_error(test, explore.reconstruct(shipped(autoencoder_name(kind, r)), test))
            for r in SHIPPED_LATENT_DIMS
        }
        for kind in KINDS
    }
    return pca_errors, ae_errors


@st.cache_data(show_spinner="Comparing the denoisers at every noise level…", max_entries=8)
def psnr_curve(kind: str) -> dict[str, list[float]]:
    return explore.psnr_curve(digits()[1], kind, shipped("dae-conv-32"), shipped("ae-conv-32"))


@st.cache_data(show_spinner="Compressing the held-out digits every way…")
def rate_distortion() -> list[dict]:
    train, test = digits()[0], digits()[1]
    conv = {r: shipped(autoencoder_name("conv", r)) for r in SHIPPED_LATENT_DIMS}
    vq = {k: shipped(f"vqvae-{k}") for k in explore.CODEBOOK_SIZES}
    return explore.rate_distortion(test, train, conv, pca(), vq)


@st.cache_data(show_spinner="Running k-means…", max_entries=32)
def clusters(space: str, r: int) -> tuple[np.ndarray, np.ndarray, explore.clustering.ClusterScores]:
    test, labels = digits()[1], digits()[2]
    features = explore.cluster_features(
        space, test, pca(), {kind: shipped(autoencoder_name(kind, r)) for kind in KINDS}, r
    )
    found, scores = explore.clustering_scores(features, labels)
    return explore.plane(features), found, scores


@st.cache_data(show_spinner="Scoring the held-out digits…", max_entries=4)
def anomalies(left_out: int) -> dict:
    return explore.anomaly_view(shipped(f"ae-conv-8-without-{left_out}"), digits()[1], digits()[2])


# Figures built once per setting and shared (building one costs plotly ~60 ms of validation).
@st.cache_resource(show_spinner=False, max_entries=32)
def cluster_chart(space: str, r: int):
    xy, found, _ = clusters(space, r)
    return views.cluster_scatter_figure(xy, found, digits()[2])


@st.cache_resource(show_spinner=False, max_entries=8)
def error_chart(r: int):
    return views.error_vs_r_figure(*error_curves(), r)


@st.cache_resource(show_spinner=False, max_entries=4)
def anomaly_charts(left_out: int):
    found = anomalies(left_out)
    return views.score_histogram_figure(found["scores"], found["detection"].threshold), views.roc_figure(
        found["detection"]
    )


def shown() -> np.ndarray:
    return digits()[1][digits()[3]]


def digit_table(rows: dict[str, np.ndarray]) -> None:
    """Rows of the ten shown digits, each labelled on its left."""
    for name, images in rows.items():
        label, strip = st.columns([1.3, 5], vertical_alignment="center")
        label.markdown(name)
        strip.image(render.digit_strip(images, scale=DIGIT_SCALE))


# ----- the views -----
def pca_view(config: explore.AutoencoderViewConfig) -> None:
    pca_errors, ae_errors = error_curves()
    st.plotly_chart(error_chart(config.r), key="ae_error_vs_r")
    r = config.r
    cols = st.columns(4)
    cols[0].metric("PCA", f"{pca_errors[r]:.2f}", help="‖x − x̂‖² per digit, mean over the 1,000 held-out digits.")
    for column, kind in zip(cols[1:], KINDS):
        column.metric(
            f"{kind} AE",
            f"{ae_errors[kind][r]:.2f}",
            delta=f"{ae_errors[kind][r] - pca_errors[r]:+.2f} vs PCA",
            delta_color="inverse",
        )
    linear = shipped(autoencoder_name("linear", r))
    angles = principal_angles_deg(linear.decoder.weight.detach().numpy(), pca().components[:r].T)
    st.caption(
        f"The linear AE spans PCA's subspace: its decoder's {r} columns and PCA's top {r} components are at principal "
        f"angles of at most {angles.max():.1f}° (0° is the same subspace). A linear AE can at best equal PCA "
        "(Eckart–Young); the non-linear ones go below it."
    )
    images = shown()
    digit_table(
        {"held-out digits": images, f"PCA, r = {r}": pca().reconstruct(images, r)}
        | {f"{kind} AE, r = {r}": explore.reconstruct(shipped(autoencoder_name(kind, r)), images) for kind in KINDS}
    )


@st.cache_data(show_spinner="Denoising the held-out digits…", max_entries=64)
def denoising(kind: str, level: float) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Each method's PSNR over the 1,000 held-out digits and its output for the shown ones."""
    test = digits()[1]
    outputs = explore.denoised(explore.corrupted(test, kind, level), shipped("dae-conv-32"), shipped("ae-conv-32"))
    return {method: psnr(test, output) for method, output in outputs.items()}, {
        method: output[digits()[3]] for method, output in outputs.items()
    }


def denoise_view(config: explore.AutoencoderViewConfig) -> None:
    psnrs, outputs = denoising(config.corruption, config.level)
    for column, (method, value) in zip(st.columns(len(psnrs)), psnrs.items()):
        column.metric(
            f"PSNR, {method}",
            f"{min(value, 99):.1f} dB",
            help="10 log₁₀(1 / MSE) against the clean digits, over all 1,000 held-out digits; higher is better.",
        )
    digit_table({"clean": shown()} | outputs)
    st.plotly_chart(
        views.psnr_curve_figure(psnr_curve(config.corruption), config.level, CORRUPTION_LABELS[config.corruption]),
        key="ae_psnr_curve",
    )
    st.caption(
        "The denoising AE (conv, r = 32) saw random corruptions of all three kinds with the clean digit as "
        "its target; the plain AE (the same network) saw only clean digits. Filters: 3×3 median, Gaussian σ = 1 px."
    )
    scribble_section(config)


def scribble_section(config: explore.AutoencoderViewConfig) -> None:
    """Scribble over a held-out digit and see each method clean it."""
    st.subheader("✏️ Scribble over a digit")
    drawing, result = st.columns([2, 3])
    clean = shown()[config.scribble_digit]
    with drawing:
        scribble = canvas_to_field(data_input.digit_canvas("ae_scribble", background=clean, stroke_width=14))
    if scribble is None:
        result.info(
            "Scribble on the digit with the mouse (white strokes), then see the denoisers clean it. "
            "The digit to scribble over is in the sidebar.",
            icon="✏️",
        )
        return
    noisy = np.clip(clean + scribble, 0.0, 1.0)[None]
    outputs = explore.denoised(noisy, shipped("dae-conv-32"), shipped("ae-conv-32"))
    with result:
        for method, output in outputs.items():
            label, image = st.columns([2, 1], vertical_alignment="center")
            label.markdown(f"{method}: **{min(psnr(clean[None], output), 99):.1f} dB**")
            image.image(render.digit_strip(output, scale=3))


@st.cache_data(show_spinner="Compressing the held-out digits…", max_entries=64)
def compressed(compressor: str, r: int, bits: int, quality: int, codebook: int) -> dict:
    """One compressor at one setting on the 1,000 held-out digits: its setting's name, bytes per
    image, error and PSNR, the shown digits decoded, and (VQ-VAE) the codes and their use."""
    train, test = digits()[0], digits()[1]
    found: dict = {}
    if compressor in ("ae", "pca"):
        model = shipped(autoencoder_name("conv", r)) if compressor == "ae" else pca()
        setting, size = f"r = {r}, {bits} bits", r * bits / 8
        decoded = explore.quantised_reconstruction(model, train, test, r, bits)
    elif compressor == "jpeg":
        setting = f"quality {quality}"
        decoded, size = explore.compression.jpeg_round_trip(test, quality)
    else:
        model = shipped(f"vqvae-{codebook}")
        setting, size = f"K = {codebook}", model.bits_per_image / 8
        decoded = explore.reconstruct(model, test)
        found["codes"], found["used"], found["perplexity"] = explore.codes_by_digit(model, test, digits()[2])
    return found | {
        "setting": setting,
        "bytes": size,
        "error": explore.mean_error(test, decoded),
        "psnr": psnr(test, decoded),
        "shown": decoded[digits()[3]],
    }


@st.cache_resource(show_spinner=False, max_entries=64)
def rate_distortion_chart(compressor: str, setting: str, size: float, error: float):
    """The chart with this setting ringed (and added, if it is not one of the chart's own points)."""
    points = rate_distortion()
    known = any(p["compressor"] == compressor and p["setting"] == setting for p in points)
    extra = [] if known else [{"compressor": compressor, "setting": setting, "bytes": size, "error": error}]
    return views.rate_distortion_figure(points + extra, (compressor, setting))


def compress_view(config: explore.AutoencoderViewConfig) -> None:
    found = compressed(config.compressor, config.r, config.bits, config.quality, config.codebook)
    st.plotly_chart(
        rate_distortion_chart(config.compressor, found["setting"], found["bytes"], found["error"]),
        key="ae_rate_distortion",
    )
    cols = st.columns(3)
    cols[0].metric(
        "Bytes per image",
        f"{found['bytes']:.1f}",
        help="The AE's and PCA's: r × bits / 8; JPEG's: its scan; VQ-VAE's: 49 log₂ K / 8.",
    )
    cols[1].metric("‖x − x̂‖² per digit", f"{found['error']:.2f}")
    cols[2].metric("PSNR", f"{found['psnr']:.1f} dB")
    digit_table(
        {"held-out digits": shown(), f"{explore.COMPRESSORS[config.compressor]}, {found['setting']}": found["shown"]}
    )
    if config.compressor == "vqvae":
        st.markdown(
            f"**Codebook use:** {found['used']} of {config.codebook} codes occur in the held-out digits' codes; "
            f"perplexity {found['perplexity']:.1f} (= K if all were used equally)."
        )
        st.image(
            views.code_grid_image(found["codes"], config.codebook),
            caption="Each shown digit's 7×7 code, one colour per code index.",
        )
    st.caption(
        "Shared by all images and not counted: the decoder, the quantiser's ranges (fitted on the training "
        "digits' latents) and JPEG's headers and tables (~300 bytes a file)."
    )


def cluster_view(config: explore.AutoencoderViewConfig) -> None:
    table = []
    for space in explore.SPACES:
        _, _, scores = clusters(space, config.r)
        name = explore.SPACES[space] + ("" if space == "pixels" else f", r = {config.r}")
        table.append(
            {"features": name, "NMI": scores.nmi, "ARI": scores.ari, "best-match accuracy": scores.best_match_accuracy}
        )
    best = (
        pd.DataFrame(table)
        .style.format(precision=3)
        .highlight_max(
            axis=0, subset=["NMI", "ARI", "best-match accuracy"], props="background-color: #d9f2e3; font-weight: 600"
        )
    )
    st.dataframe(best, hide_index=True)
    st.plotly_chart(cluster_chart(config.space, config.r), key="ae_clusters")
    st.caption(
        "k-means with k = 10 on the 1,000 held-out digits; the labels only score the clusters (NMI, adjusted "
        "Rand index, accuracy after matching clusters to digits one-to-one). Points: the features' top two "
        "principal components when they have more than two dimensions."
    )


def anomaly_view(config: explore.AutoencoderViewConfig) -> None:
    found = anomalies(config.left_out)
    detection = found["detection"]
    cols = st.columns(3)
    cols[0].metric("ROC AUC", f"{detection.auc:.3f}", help="0.5 is chance, 1 separates the left-out digit perfectly.")
    cols[1].metric("Threshold", f"{detection.threshold:.1f}", help="Flags 5% of the normal held-out digits.")
    cols[2].metric(f"{config.left_out}s flagged at it", f"{detection.detected_at_threshold:.0%}")
    left, right = st.columns(2)
    histogram, roc = anomaly_charts(config.left_out)
    left.plotly_chart(histogram, key="ae_scores")
    right.plotly_chart(roc, key="ae_roc")
    if detection.auc < 0.5:
        st.info(
            f"Worse than chance: the {config.left_out}s the model never saw are reconstructed *better* than the "
            f"average digit it was trained on. A {config.left_out} has few ink pixels on a simple stroke, so a decoder "
            "that draws the other digits draws it well: a small reconstruction error says an input is simple, not "
            "that it is familiar.",
            icon="💡",
        )
    st.caption(
        f"A conv AE (r = 8) trained on every digit but {config.left_out}; score s(x) = ‖x − D(E(x))‖². "
        "Noise and masked digits are far from anything it has seen."
    )
    drawn_section(config, detection.threshold)


def drawn_section(config: explore.AutoencoderViewConfig, threshold: float) -> None:
    """Draw anything (a digit, a letter, a scribble) and see its score against the threshold."""
    st.subheader("✏️ Draw anything")
    drawing, result = st.columns([2, 3])
    with drawing:
        image_data = data_input.digit_canvas("ae_anomaly_canvas")
    try:
        digit = canvas_to_digit(image_data)
    except ValueError as error:
        result.warning(str(error))
        return
    if digit is None:
        result.info(
            "Draw a digit, a letter or anything else: it is scaled and centred as MNIST's digits are, "
            f"then scored by the model that never saw a {config.left_out}.",
            icon="✏️",
        )
        return
    model = shipped(f"ae-conv-8-without-{config.left_out}")
    score = float(anomaly_scores(model, digit[None])[0])
    with result:
        st.metric(
            "Your drawing's score s(x)",
            f"{score:.1f}",
            delta=f"{score - threshold:+.1f} vs the threshold",
            delta_color="inverse",
        )
        st.markdown("**Flagged as an anomaly.**" if score > threshold else "**Looks normal** to this model.")
        st.image(
            render.digit_strip(np.stack([digit, explore.reconstruct(model, digit[None])[0]]), scale=4),
            caption="as the model sees it, and its reconstruction D(E(x))",
        )
