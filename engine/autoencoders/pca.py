"""PCA, the optimal linear autoencoder (seeds: "PCA as the optimal linear autoencoder"): among all
rank-r linear maps, x -> mu + V_r V_r^T (x - mu), with V_r the top-r eigenvectors of the data's
covariance, has the least squared reconstruction error (Eckart-Young). Fitted by scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

PIXELS = 784


@dataclass(frozen=True)
class PcaFit:
    """``mean`` (784,) and the orthonormal ``components`` (k, 784), largest variance first."""

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray

    def encode(self, images: np.ndarray, r: int) -> np.ndarray:
        """The top-r principal coordinates V_r^T (x - mu), shape (n, r)."""
        self._check(r)
        return (np.asarray(images, dtype=np.float32).reshape(-1, PIXELS) - self.mean) @ self.components[:r].T

    def decode(self, coordinates: np.ndarray) -> np.ndarray:
        """mu + V_r c, shape (n, 28, 28)."""
        r = coordinates.shape[1]
        return (self.mean + coordinates @ self.components[:r]).reshape(-1, 28, 28)

    def reconstruct(self, images: np.ndarray, r: int) -> np.ndarray:
        return self.decode(self.encode(images, r))

    def squared_errors(self, images: np.ndarray, latent_dims: list[int]) -> dict[int, float]:
        """Mean over digits of ||x - x_hat_r||^2 for each r, from one projection: with orthonormal
        components, ||x - x_hat_r||^2 = ||x - mu||^2 - sum_{i <= r} c_i^2."""
        for r in latent_dims:
            self._check(r)
        centred = np.asarray(images, dtype=np.float64).reshape(-1, PIXELS) - self.mean
        coordinates = centred @ self.components.T.astype(np.float64)
        total = (centred**2).sum(axis=1)
        captured = np.cumsum(coordinates**2, axis=1)
        return {r: float((total - captured[:, r - 1]).mean()) for r in latent_dims}

    def _check(self, r: int) -> None:
        if not 1 <= r <= len(self.components):
            raise ValueError(f"r must be between 1 and {len(self.components)}; got {r}.")


def fit_pca(train_images: np.ndarray, components: int = 64) -> PcaFit:
    """PCA of the training digits (exact SVD)."""
    pca = PCA(n_components=components, svd_solver="full").fit(
        np.asarray(train_images, dtype=np.float32).reshape(-1, PIXELS)
    )
    return PcaFit(pca.mean_.astype(np.float32), pca.components_.astype(np.float32), pca.explained_variance_)


def principal_angles_deg(basis_a: np.ndarray, basis_b: np.ndarray) -> np.ndarray:
    """The principal angles (degrees, largest first) between the column spaces of two (784, r)
    matrices: all 0 when they span the same subspace (scipy.linalg.subspace_angles)."""
    return np.degrees(subspace_angles(np.asarray(basis_a, dtype=np.float64), np.asarray(basis_b, dtype=np.float64)))
