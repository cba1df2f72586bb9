"""Sample-based scores of generated digits, computed in the features of the shipped MNIST
classifier (:class:`engine.vae.models.MnistClassifier`, 64 features), not the Inception network's:
the numbers compare models here with each other, not with papers.

* Frechet distance (Heusel et al., "GANs trained by a two time-scale update rule converge to a
  local Nash equilibrium", NeurIPS 2017): ||mu_r - mu_g||^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2))
  between Gaussian fits of the two feature sets. Biased upwards for few samples: see
  :func:`fid_by_sample_count`.
* Inception score (Salimans et al., "Improved techniques for training GANs", NeurIPS 2016):
  IS = exp(E_x KL(p(y | x) || p(y))), p(y) the mean of p(y | x) over the samples: 1 for a
  classifier that is sure of nothing, the number of classes for confident and balanced output;
  blind to what happens within a class (a model drawing one "3" per class scores the maximum).
* Precision and recall (Kynkaanniemi et al., "Improved precision and recall metric for assessing
  generative models", NeurIPS 2019): each set's manifold is the union of balls around its
  points, of radius the distance to their k-th nearest neighbour in the set; precision is the
  share of generated points inside the real manifold, recall the share of real points inside
  the generated one. Nearest neighbours by scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from scipy import linalg
from sklearn.neighbors import NearestNeighbors

from engine.vae.models import MnistClassifier

PR_NEIGHBOURS = 3


@torch.no_grad()
def classifier_outputs(
    classifier: MnistClassifier, images: torch.Tensor, batch: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 64), class probabilities (n, 10)) for images (n, 28, 28) or (n, 784) in [0, 1]."""
    features, probabilities = [], []
    for start in range(0, len(images), batch):
        f = classifier.features(torch.as_tensor(images[start : start + batch], dtype=torch.float32))
        features.append(f)
        probabilities.append(torch.softmax(classifier.head(f), dim=-1))
    return torch.cat(features).double().numpy(), torch.cat(probabilities).double().numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussian fits of two feature sets."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    with (
        warnings.catch_warnings()
    ):  # dead ReLU features make the product singular: offset it then (as pytorch-fid does)
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            offset = np.eye(len(cov_a)) * 1e-6
            root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root)))


def inception_score(probabilities: np.ndarray, eps: float = 1e-12) -> float:
    """exp(mean_x KL(p(y | x) || p(y))) for class probabilities (n, classes)."""
    p = np.asarray(probabilities, dtype=np.float64)
    marginal = p.mean(axis=0)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = PR_NEIGHBOURS) -> tuple[float, float]:
    """(precision, recall) of ``fake`` against ``real`` feature sets (see the module docstring)."""

    def inside(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
        radii = NearestNeighbors(n_neighbors=k + 1).fit(centres).kneighbors(centres)[0][:, k]  # [0] is the point itself
        distances, index = NearestNeighbors(n_neighbors=min(len(centres), 50)).fit(centres).kneighbors(points)
        return (distances <= radii[index]).any(axis=1)

    return float(inside(fake, real).mean()), float(inside(real, fake).mean())


def fid_by_sample_count(
    real: np.ndarray, fake: np.ndarray, counts: tuple[int, ...], seed: int = 0
) -> list[tuple[int, float]]:
    """FID on the first ``n`` generated features (a seeded shuffle) against all the real ones, for each n:
    the estimate falls as n grows, so FIDs compare only at one n."""
    order = np.random.default_rng(seed).permutation(len(fake))
    return [(n, frechet_distance(real, fake[order[:n]])) for n in counts if n <= len(fake)]
