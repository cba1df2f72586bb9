"""Tools for looking at a VAE's latent space: grids, interpolation, posteriors, evaluation.

* Latent grids (Kingma & Welling, 2014, Fig. 4): an n x n grid of z decoded to images; spaced
  linearly, or by Gaussian quantiles z = Phi^{-1}(u) at evenly spaced u, so that every cell holds
  the same prior mass.
* Interpolation: linear, and spherical (slerp; Shoemake, 1985; White, "Sampling Generative
  Networks", 2016), which keeps |z| near the prior's typical radius.
* The true posterior of a 2-D model on a grid, p(z|x) = p(x|z) p(z) / p(x), normalised by the
  grid sum (lecture notes, "Latent variable model"), beside the encoder's q(z|x).
* Evaluation: k-nearest-neighbour accuracy of test encodings, active units (Burda et al., 2016:
  dimension j is active when Cov_x(E_q[z_j|x]) > 0.01) and the digits a classifier sees in a grid.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.mnist_classifier import MnistClassifier
from engine.vae.bounds import bernoulli_log_likelihood, standard_normal_log_density
from engine.vae.models import VAE

SPACINGS = ("quantile", "linear")
QUANTILE_MARGIN = 0.5  # grid cell centres at u = (i + 1/2) / n
LINEAR_EXTENT = 3.0
ACTIVE_UNIT_THRESHOLD = 0.01
_NORMAL = torch.distributions.Normal(0.0, 1.0)


def grid_axis(n: int, spacing: str = "quantile") -> np.ndarray:
    """The n coordinates of one grid axis: Phi^{-1}((i + 1/2) / n), or linear on [-3, 3]."""
    if not 2 <= n <= 60:
        raise ValueError(f"A latent grid has between 2 and 60 cells a side; got {n}.")
    if spacing == "quantile":
        return _NORMAL.icdf(torch.tensor((np.arange(n) + QUANTILE_MARGIN) / n)).numpy()
    if spacing == "linear":
        return np.linspace(-LINEAR_EXTENT, LINEAR_EXTENT, n)
    raise ValueError(f"Unknown grid spacing {spacing!r}; choose one of {', '.join(SPACINGS)}.")


def grid_points(n: int, spacing: str = "quantile") -> np.ndarray:
    """(n*n, 2) latent points, row-major with z_2 decreasing down the rows (as an image is drawn)."""
    axis = grid_axis(n, spacing)
    z1, z2 = np.meshgrid(axis, axis[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=-1).astype(np.float32)


@torch.no_grad()
def decode_grid(model: VAE, n: int, spacing: str = "quantile") -> np.ndarray:
    """Decoded images of the grid, tiled into one (28n, 28n) float array in [0, 1]."""
    if model.latent_dim != 2:
        raise ValueError(f"The latent grid needs a 2-D latent; this model's latent has {model.latent_dim} dimensions.")
    images = model.decode(torch.from_numpy(grid_points(n, spacing))).numpy()
    return tile(images, n)


def tile(images: np.ndarray, columns: int) -> np.ndarray:
    """(k, h, w) images laid out row by row in a grid ``columns`` wide (empty cells are 0)."""
    k, h, w = images.shape
    rows = math.ceil(k / columns)
    padded = np.zeros((rows * columns, h, w), dtype=images.dtype)
    padded[:k] = images
    return padded.reshape(rows, columns, h, w).transpose(0, 2, 1, 3).reshape(rows * h, columns * w)


def to_map_coordinates(z: np.ndarray, spacing: str) -> np.ndarray:
    """Where z falls on a drawn grid: Phi(z) for quantile spacing (the grid is even in u), else z."""
    return _NORMAL.cdf(torch.as_tensor(z, dtype=torch.float64)).numpy() if spacing == "quantile" else np.asarray(z)


def from_map_coordinates(u: np.ndarray, spacing: str) -> np.ndarray:
    """Inverse of :func:`to_map_coordinates` (u clipped inside (0, 1) for quantile spacing)."""
    if spacing == "quantile":
        return _NORMAL.icdf(torch.as_tensor(np.clip(u, 1e-6, 1 - 1e-6), dtype=torch.float64)).numpy()
    return np.asarray(u)


def interpolate(z_start: torch.Tensor, z_end: torch.Tensor, steps: int, kind: str = "linear") -> torch.Tensor:
    """``steps`` points from z_start to z_end: linear (1-t) a + t b, or spherical
    slerp(a, b; t) = sin((1-t) Omega)/sin Omega a + sin(t Omega)/sin Omega b with cos Omega = a.b/|a||b|
    (falls back to linear when a and b are (anti)parallel)."""
    t = torch.linspace(0.0, 1.0, steps).unsqueeze(-1)
    a, b = z_start.reshape(1, -1).float(), z_end.reshape(1, -1).float()
    linear = (1 - t) * a + t * b
    if kind == "linear":
        return linear
    if kind != "spherical":
        raise ValueError(f"Unknown interpolation {kind!r}; choose linear or spherical.")
    cos_omega = (a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos_omega.clamp(-1.0, 1.0))
    if torch.sin(omega).abs() < 1e-4:
        return linear
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.no_grad()
def encode_means(model: VAE, images: np.ndarray | torch.Tensor, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(mu, log sigma^2) of q(z|x) for binarized images, as numpy arrays."""
    from engine.mnist import binarize

    x = binarize(images)
    parts = [model.encode(x[i : i + batch]) for i in range(0, len(x), batch)]
    return torch.cat([p[0] for p in parts]).numpy(), torch.cat([p[1] for p in parts]).numpy()


@torch.no_grad()
def posterior_on_grid(model: VAE, x: torch.Tensor, axis_1: np.ndarray, axis_2: np.ndarray) -> np.ndarray:
    """p(z|x) on the grid axis_1 x axis_2 (rows: z_2 decreasing), normalised so the cells sum to 1:
    proportional to p(x|z) p(z), computed in log space."""
    if model.latent_dim != 2:
        raise ValueError("The true posterior is drawn only for 2-D latents.")
    z1, z2 = np.meshgrid(axis_1, axis_2[::-1])
    z = torch.from_numpy(np.stack([z1.ravel(), z2.ravel()], axis=-1).astype(np.float32))
    log_joint = bernoulli_log_likelihood(model.decoder_logits(z), x.reshape(1, -1)) + standard_normal_log_density(z)
    return torch.softmax(log_joint, dim=0).reshape(len(axis_2), len(axis_1)).numpy()


def knn_accuracy(
    train_z: np.ndarray, train_labels: np.ndarray, test_z: np.ndarray, test_labels: np.ndarray, k: int = 5
) -> float:
    """Share of test encodings whose k nearest training encodings (Euclidean) vote their label."""
    distances = torch.cdist(
        torch.as_tensor(test_z, dtype=torch.float64), torch.as_tensor(train_z, dtype=torch.float64)
    ).numpy()
    nearest = np.argpartition(distances, k, axis=1)[:, :k]
    votes = train_labels[nearest]
    predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    return float((predicted == test_labels).mean())


def active_units(means: np.ndarray, threshold: float = ACTIVE_UNIT_THRESHOLD) -> tuple[np.ndarray, int]:
    """Per-dimension variance over the data of E_q[z_j|x], and how many exceed ``threshold``."""
    variance = means.var(axis=0)
    return variance, int((variance > threshold).sum())


@torch.no_grad()
def digits_in_grid(model: VAE, classifier: MnistClassifier, n: int = 20, spacing: str = "quantile") -> np.ndarray:
    """How many cells of the decoded n x n grid the classifier labels as each digit (length 10)."""
    images = model.decode(torch.from_numpy(grid_points(n, spacing)))
    digits, _ = classifier.predict(images)
    return np.bincount(digits.numpy(), minlength=10)
