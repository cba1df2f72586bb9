"""What the Autoencoders page shows, as a config (the URL carries it) and the computations behind
each view: pure functions of the shipped models and the held-out digits (the page caches them)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from engine.autoencoders import anomaly, clustering, compression, denoising
from engine.autoencoders.measures import psnr, squared_errors
from engine.autoencoders.models import KINDS, VQVAE, Autoencoder
from engine.autoencoders.pca import PcaFit
from engine.autoencoders.shipped import ANOMALY_LEFT_OUT_DIGITS, SHIPPED_LATENT_DIMS
from engine.config import RunConfig, check_choice, check_ranges

VIEWS = {
    "pca": "📉 AE vs PCA",
    "denoise": "🧽 Denoising",
    "compress": "🗜️ Compression",
    "cluster": "🧩 Clustering",
    "anomaly": "🚨 Anomalies",
    "live": "🏋️ Train live",
}
COMPRESSORS = {
    "ae": "conv AE, latent quantised",
    "pca": "PCA, coordinates quantised",
    "jpeg": "JPEG",
    "vqvae": "VQ-VAE",
}
SPACES = {"pixels": "raw pixels (784)", "pca": "PCA", **{kind: f"{kind} AE latent" for kind in KINDS}}
CODEBOOK_SIZES = (16, 256)
RATE_BITS = (2, 3, 4, 6, 8)  # bits per latent dimension on the rate-distortion chart
RATE_PCA_DIMS = (2, 4, 8, 16, 32, 64)
JPEG_QUALITIES = (1, 3, 5, 10, 20, 30, 50, 75, 95)
FILTER_SETTINGS = {"median": 3, "gaussian": 1.0}  # 3x3 median window; Gaussian blur sigma = 1 pixel
MAX_LEVELS = {"gaussian": 1.0, "salt_and_pepper": 0.5, "block": 0.6}
NOISE_SEED = 0


@dataclass(frozen=True)
class AutoencoderViewConfig(RunConfig):
    """Everything an Autoencoders page link reproduces (the live view has its own config)."""

    view: str = "pca"
    r: int = 8  # the latent size of the shipped AEs shown (2, 8 or 32); PCA takes any r
    corruption: str = "gaussian"
    level: float = 0.5
    compressor: str = "ae"
    bits: int = 6
    quality: int = 10
    codebook: int = 256
    space: str = "conv"
    left_out: int = 1
    scribble_digit: int = 3  # the denoising view's canvas shows this held-out digit to scribble over

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        check_choice("latent size r", self.r, SHIPPED_LATENT_DIMS)
        check_choice("corruption", self.corruption, denoising.CORRUPTIONS)
        check_choice("compressor", self.compressor, COMPRESSORS)
        check_choice("codebook size", self.codebook, CODEBOOK_SIZES)
        check_choice("clustering space", self.space, SPACES)
        check_choice("left-out digit", self.left_out, ANOMALY_LEFT_OUT_DIGITS)
        check_ranges(
            self,
            [("level", 0, MAX_LEVELS[self.corruption]), ("bits", 1, 12), ("quality", 1, 95), ("scribble_digit", 0, 9)],
        )


def shown_digits(labels: np.ndarray) -> np.ndarray:
    """The index of the first held-out digit of each class, 0 to 9: the digits every view shows."""
    return np.array([int(np.flatnonzero(labels == digit)[0]) for digit in range(10)])


@torch.no_grad()
def reconstruct(model: Autoencoder | VQVAE, images: np.ndarray) -> np.ndarray:
    return model(torch.as_tensor(np.asarray(images), dtype=torch.float32)).numpy()


@torch.no_grad()
def encode(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    return model.encode(torch.as_tensor(np.asarray(images), dtype=torch.float32)).numpy()


@torch.no_grad()
def decode(model: Autoencoder, latents: np.ndarray) -> np.ndarray:
    return model.decode(torch.as_tensor(latents, dtype=torch.float32)).numpy()


def mean_error(images: np.ndarray, reconstructions: np.ndarray) -> float:
    return float(squared_errors(images, reconstructions).mean())


# ----- denoising -----


def corrupted(images: np.ndarray, kind: str, level: float) -> np.ndarray:
    """The held-out digits corrupted with the page's fixed noise (seed :data:`NOISE_SEED`)."""
    generator = torch.Generator().manual_seed(NOISE_SEED)
    return denoising.corrupt(torch.as_tensor(images), kind, level, generator).numpy()


def denoised(noisy: np.ndarray, denoiser: Autoencoder, plain: Autoencoder) -> dict[str, np.ndarray]:
    """Each method's output for the noisy digits: the input itself, the denoising AE, the plain AE
    and the classical filters."""
    return {
        "noisy input": noisy,
        "denoising AE": reconstruct(denoiser, noisy),
        "plain AE": reconstruct(plain, noisy),
        **{f"{kind} filter": denoising.classical_filter(noisy, kind, size) for kind, size in FILTER_SETTINGS.items()},
    }


def psnr_curve(
    images: np.ndarray, kind: str, denoiser: Autoencoder, plain: Autoencoder, levels: int = 6
) -> dict[str, list[float]]:
    """PSNR (dB) of each method against the clean digits at ``levels`` noise levels from 0 to the
    corruption's maximum; "level" holds the levels."""
    curve: dict[str, list[float]] = {"level": list(np.linspace(0.0, MAX_LEVELS[kind], levels))}
    for level in curve["level"]:
        for method, output in denoised(corrupted(images, kind, level), denoiser, plain).items():
            curve.setdefault(method, []).append(psnr(images, output))
    return curve


# ----- compression -----


def quantised_reconstructions(
    model: Autoencoder | PcaFit, train_images: np.ndarray, images: np.ndarray, r: int, bit_depths: tuple[int, ...]
) -> dict[int, np.ndarray]:
    """``images`` through the latent (an AE's, or PCA's top-r coordinates) quantised to each of
    ``bit_depths`` bits per dimension, the quantiser's ranges fitted on the training digits (both
    sets encoded once for all the depths)."""
    if isinstance(model, PcaFit):
        train_latents, latents, back = model.encode(train_images, r), model.encode(images, r), model.decode
    else:
        train_latents, latents = encode(model, train_images), encode(model, images)
        back = functools.partial(decode, model)
    return {
        bits: back(compression.UniformQuantiser.fit(train_latents, bits).round_trip(latents)) for bits in bit_depths
    }


def quantised_reconstruction(
    model: Autoencoder | PcaFit, train_images: np.ndarray, images: np.ndarray, r: int, bits: int
) -> np.ndarray:
    """:func:`quantised_reconstructions` at one bit depth."""
    return quantised_reconstructions(model, train_images, images, r, (bits,))[bits]


def rate_distortion(
    images: np.ndarray,
    train_images: np.ndarray,
    conv_aes: dict[int, Autoencoder],
    pca: PcaFit,
    vqvaes: dict[int, VQVAE],
) -> list[dict]:
    """The points of the rate-distortion chart: for each compressor and setting, its bytes per
    image and mean squared error per digit on ``images``."""
    points = []
    for r, model in conv_aes.items():
        for bits, decoded in quantised_reconstructions(model, train_images, images, r, RATE_BITS).items():
            error = mean_error(images, decoded)
            points.append(
                {
                    "compressor": "ae",
                    "setting": f"r = {r}, {bits} bits",
                    "bytes": r * bits / 8,
                    "error": error,
                    "r": r,
                    "bits": bits,
                }
            )
    for r in RATE_PCA_DIMS:
        for bits, decoded in quantised_reconstructions(pca, train_images, images, r, RATE_BITS).items():
            error = mean_error(images, decoded)
            points.append(
                {
                    "compressor": "pca",
                    "setting": f"r = {r}, {bits} bits",
                    "bytes": r * bits / 8,
                    "error": error,
                    "r": r,
                    "bits": bits,
                }
            )
    for quality in JPEG_QUALITIES:
        decoded, size = compression.jpeg_round_trip(images, quality)
        points.append(
            {"compressor": "jpeg", "setting": f"quality {quality}", "bytes": size, "error": mean_error(images, decoded)}
        )
    for k, model in vqvaes.items():
        points.append(
            {
                "compressor": "vqvae",
                "setting": f"K = {k}",
                "bytes": model.bits_per_image / 8,
                "error": mean_error(images, reconstruct(model, images)),
            }
        )
    return points


@torch.no_grad()
def codes_by_digit(model: VQVAE, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, int, float]:
    """The 7x7 codes of the first digit of each class (10, 7, 7), and the codes used and the
    perplexity over all ``images``."""
    codes = model.encode(torch.as_tensor(images)).numpy()
    used, perplexity = compression.code_usage(codes, model.codebook_size)
    return codes[shown_digits(labels)], used, perplexity


# ----- clustering -----


def cluster_features(space: str, images: np.ndarray, pca: PcaFit, aes: dict[str, Autoencoder], r: int) -> np.ndarray:
    """The features k-means sees: pixels, PCA's top-r coordinates, or an AE's r-D latent."""
    if space == "pixels":
        return np.asarray(images).reshape(len(images), -1)
    if space == "pca":
        return pca.encode(images, r)
    return encode(aes[space], images)


def plane(features: np.ndarray) -> np.ndarray:
    """2-D coordinates to draw ``features``: themselves if 2-D, else their top two principal components."""
    if features.shape[1] <= 2:
        return features if features.shape[1] == 2 else np.c_[features, np.zeros(len(features))]
    centred = features - features.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T


def clustering_scores(
    features: np.ndarray, labels: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, clustering.ClusterScores]:
    clusters = clustering.kmeans_clusters(features, k=10, seed=seed)
    return clusters, clustering.score_clusters(labels, clusters)


# ----- anomaly detection -----


def anomaly_view(model: Autoencoder, images: np.ndarray, labels: np.ndarray) -> dict:
    """Scores s(x) of the normal held-out digits, of the left-out digit's, of uniform noise and of
    digits under a masked block, and the detection of the left-out digit."""
    normal = labels != model.left_out_digit
    noise = torch.rand((200, 28, 28), generator=torch.Generator().manual_seed(NOISE_SEED)).numpy()
    scores = {
        "normal digits": anomaly.anomaly_scores(model, images[normal]),
        f"{model.left_out_digit}s (never seen)": anomaly.anomaly_scores(model, images[~normal]),
        "uniform noise": anomaly.anomaly_scores(model, noise),
        "digits with a masked block": anomaly.anomaly_scores(model, corrupted(images[normal][:200], "block", 0.4)),
    }
    found = anomaly.detection(scores["normal digits"], scores[f"{model.left_out_digit}s (never seen)"])
    return {"scores": scores, "detection": found}
