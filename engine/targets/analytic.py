"""Targets with an exact density: Gaussian mixtures, noisy rings, the checkerboard, a skew-normal.

Sources: the ring of 8 Gaussians is the mode-collapse benchmark of Metz et al., "Unrolled
Generative Adversarial Networks" (ICLR 2017); the 5x5 grid is from Srivastava et al., "VEEGAN"
(NeurIPS 2017); circles, rings and the checkerboard follow the toy data of Grathwohl et al.,
"FFJORD" (ICLR 2019); the skew-normal is Azzalini, "A class of distributions which includes the
normal ones" (Scand. J. Statist. 1985). Lecture topic: normalizing flows, maximum likelihood.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.targets.base import LOG_2PI, Target


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def _equal_isotropic_modes(means: torch.Tensor, covariances: torch.Tensor):
    """``(modes, mode_std)`` when every covariance is the same s^2 I, else ``(None, None)``."""
    var = float(covariances[0, 0, 0])
    eye = torch.eye(means.shape[1], dtype=covariances.dtype)
    if var > 0 and torch.allclose(covariances, var * eye.expand_as(covariances), rtol=1e-9, atol=0):
        return means.numpy().astype(np.float64, copy=True), math.sqrt(var)
    return None, None


class GaussianMixture(Target):
    """Mixture of Gaussians  p(x) = sum_k w_k N(x; mu_k, Sigma_k).

    ``log_prob`` is exact: log p(x) = logsumexp_k [log w_k - 1/2 |L_k^{-1}(x - mu_k)|^2
    - sum_i log (L_k)_ii - d/2 log 2 pi], with Sigma_k = L_k L_k^T (Cholesky). Sampling picks a
    component k ~ Categorical(w) and returns mu_k + L_k eps, eps ~ N(0, I).

    When every component has the same isotropic covariance s^2 I, ``modes`` holds the means
    (K, d) and ``mode_std`` is s (for the mode-collapse metrics); otherwise both are ``None``.

    Args:
        weights: (K,) positive mixture weights (normalised here).
        means: (K, d) component means, d in {1, 2}.
        covariances: (K, d, d) symmetric positive-definite covariances.
        extent: plotting box; by default every component's mean +- 5 marginal standard deviations.
    """

    def __init__(
        self,
        weights,
        means,
        covariances,
        *,
        key: str = "gaussian_mixture",
        label: str = "Gaussian mixture",
        extent: tuple | None = None,
        density_note: str = "Exact density (mixture of Gaussians).",
    ):
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        mu = torch.as_tensor(np.asarray(means, dtype=np.float64))
        cov = torch.as_tensor(np.asarray(covariances, dtype=np.float64))
        if mu.ndim != 2 or mu.shape[1] not in (1, 2):
            raise ValueError("Means must have shape (K, 1) or (K, 2).")
        k, d = mu.shape
        if w.shape != (k,) or cov.shape != (k, d, d):
            raise ValueError(
                f"A mixture of {k} components in {d}D needs {k} weights and covariances of shape ({k}, {d}, {d})."
            )
        if not (torch.isfinite(w).all() and (w > 0).all()):
            raise ValueError("Mixture weights must be positive numbers.")
        if not torch.allclose(cov, cov.transpose(1, 2)):
            raise ValueError("Covariance matrices must be symmetric.")
        chol, info = torch.linalg.cholesky_ex(cov)
        if (info != 0).any():
            raise ValueError("Covariance matrices must be positive definite.")
        self.weights = w / w.sum()
        self.means = mu
        self.covariances = cov
        self._chol = chol
        self._chol_inv = torch.linalg.inv(chol)
        self._log_norm = (
            torch.log(self.weights) - torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(-1) - 0.5 * d * LOG_2PI
        )
        self.key, self.label, self.dim = key, label, d
        self.has_exact_density = True
        self.density_note = density_note
        if extent is None:
            std = torch.sqrt(torch.diagonal(cov, dim1=1, dim2=2))
            lo = torch.floor(2 * (mu - 5 * std).min(0).values) / 2
            hi = torch.ceil(2 * (mu + 5 * std).max(0).values) / 2
            boxes = tuple((float(a), float(b)) for a, b in zip(lo, hi, strict=True))
            extent = boxes[0] if d == 1 else boxes
        self.extent = extent
        self.modes, self.mode_std = _equal_isotropic_modes(mu, cov)

    @property
    def mean(self) -> torch.Tensor:
        """Exact mean  sum_k w_k mu_k, shape (d,)."""
        return (self.weights[:, None] * self.means).sum(0)

    @property
    def covariance(self) -> torch.Tensor:
        """Exact covariance  sum_k w_k (Sigma_k + mu_k mu_k^T) - m m^T, shape (d, d)."""
        m = self.mean
        second = (
            self.weights[:, None, None] * (self.covariances + self.means[:, :, None] * self.means[:, None, :])
        ).sum(0)
        return second - m[:, None] * m[None, :]

    def _sample(self, n, generator):
        comp = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return self.means[comp] + (self._chol[comp] @ eps[:, :, None])[:, :, 0]

    def _log_prob(self, x):
        mu = self.means.to(x)
        z = torch.einsum("kij,nkj->nki", self._chol_inv.to(x), x[:, None, :] - mu[None])
        return torch.logsumexp(self._log_norm.to(x) - 0.5 * (z * z).sum(-1), dim=1)


class NoisyRings(Target):
    """Concentric circles blurred by isotropic Gaussian noise, with an exact density.

    A point is drawn on ring k (probability w_k) at a uniform angle theta and blurred:
    x = r_k (cos theta, sin theta) + sigma eps. Integrating theta out gives a closed form with
    the modified Bessel function I_0 (exponentially scaled i0e(z) = e^{-z} I_0(z)):

        p_k(x) = 1/(2 pi sigma^2) exp(-(|x|^2 + r_k^2) / (2 sigma^2)) I_0(r_k |x| / sigma^2)
        log p_k(x) = -log(2 pi sigma^2) - (|x| - r_k)^2 / (2 sigma^2) + log i0e(r_k |x| / sigma^2)

    and p(x) = sum_k w_k p_k(x). Same construction as scikit-learn's ``make_circles`` (which
    spaces the angles evenly instead of drawing them) and FFJORD's "circles"/"rings" toy data.
    """

    def __init__(self, radii, weights, noise_std: float, *, key: str, label: str, extent: tuple):
        self.radii = torch.as_tensor(np.asarray(radii, dtype=np.float64))
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        if (self.radii < 0).any() or (w <= 0).any() or w.shape != self.radii.shape:
            raise ValueError("Rings need non-negative radii and one positive weight per ring.")
        if not noise_std > 0:
            raise ValueError("The ring noise must be a positive standard deviation.")
        self.weights = w / w.sum()
        self.noise_std = float(noise_std)
        self.key, self.label, self.dim, self.extent = key, label, 2, extent
        self.has_exact_density = True
        self.density_note = (
            "Exact density (noisy circles: a uniform angle blurred by Gaussian noise, "
            "written with the Bessel function I0)."
        )

    def _sample(self, n, generator):
        ring = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        theta = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
        eps = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        r = self.radii[ring]
        return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], 1) + self.noise_std * eps

    def _log_prob(self, x):
        s2 = self.noise_std**2
        rho = torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-30)  # (n, 1); smooth at 0
        r = self.radii.to(x)[None]
        log_pk = -math.log(2 * math.pi * s2) - (rho - r) ** 2 / (2 * s2) + torch.log(torch.special.i0e(r * rho / s2))
        return torch.logsumexp(torch.log(self.weights.to(x))[None] + log_pk, dim=1)


class Checkerboard(Target):
    """Uniform distribution on the black squares of a 4x4 board on [-4, 4]^2 (squares of side 2).

    Square (i, j) = [-4 + 2i, -2 + 2i) x [-4 + 2j, -2 + 2j) is black when i + j is even; the 8
    black squares have total area 32, so p(x) = 1/32 on them and 0 elsewhere:
    log p(x) = -log 32 on the black squares and -inf off them (exact, piecewise constant).
    Source: the checkerboard toy data of FFJORD (Grathwohl et al., 2019).
    """

    key = "checkerboard"
    label = "Checkerboard"
    dim = 2
    extent = ((-4.5, 4.5), (-4.5, 4.5))
    has_exact_density = True
    density_note = "Exact density (uniform on the 8 black squares: 1/32 on them, 0 elsewhere)."
    half_width = 4.0
    square = 2.0

    def __init__(self):
        cells = [(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0]
        self._corners = torch.tensor(
            [(-self.half_width + self.square * i, -self.half_width + self.square * j) for i, j in cells],
            dtype=torch.float64,
        )
        self._log_density = -math.log(len(cells) * self.square**2)

    def _sample(self, n, generator):
        cell = torch.randint(0, len(self._corners), (n,), generator=generator)
        u = torch.rand(n, 2, generator=generator, dtype=torch.float64)
        return self._corners[cell] + self.square * u

    def _log_prob(self, x):
        inside = ((x >= -self.half_width) & (x < self.half_width)).all(-1)
        idx = torch.floor((x.detach() + self.half_width) / self.square)
        black = torch.remainder(idx.sum(-1), 2) == 0
        on = inside & black
        flat = self._log_density + 0.0 * x.sum(-1).nan_to_num(0.0)  # keeps x in the graph
        return torch.where(on, flat, torch.full_like(flat, -math.inf))


class SkewNormal1D(Target):
    """Skew-normal distribution (Azzalini 1985) with location xi, scale omega, shape alpha.

    p(x) = 2/omega phi(z) Phi(alpha z), z = (x - xi)/omega, so
    log p(x) = log 2 - log omega - z^2/2 - 1/2 log 2 pi + log Phi(alpha z)  (exact; log Phi via
    ``torch.special.log_ndtr``). Sampling: delta = alpha / sqrt(1 + alpha^2), u0, v ~ N(0, 1),
    u1 = delta u0 + sqrt(1 - delta^2) v, z = u1 if u0 >= 0 else -u1, x = xi + omega z.
    Mean xi + omega delta sqrt(2/pi); variance omega^2 (1 - 2 delta^2 / pi).
    """

    def __init__(
        self,
        loc: float = -1.0,
        scale: float = 1.5,
        shape: float = 5.0,
        *,
        key: str = "skewed_1d",
        label: str = "Skew-normal (1D)",
        extent: tuple = (-4.0, 7.0),
    ):
        if not scale > 0:
            raise ValueError("The skew-normal scale must be positive.")
        self.loc, self.scale, self.shape = float(loc), float(scale), float(shape)
        self.key, self.label, self.dim, self.extent = key, label, 1, extent
        self.has_exact_density = True
        self.density_note = (
            "Exact density (skew-normal with shape 5)."
            if shape == 5.0
            else (f"Exact density (skew-normal with shape {self.shape:g}).")
        )

    @property
    def _delta(self) -> float:
        return self.shape / math.sqrt(1.0 + self.shape**2)

    @property
    def mean(self) -> torch.Tensor:
        """Exact mean  xi + omega delta sqrt(2/pi), shape (1,)."""
        return torch.tensor([self.loc + self.scale * self._delta * math.sqrt(2 / math.pi)], dtype=torch.float64)

    @property
    def variance(self) -> float:
        """Exact variance  omega^2 (1 - 2 delta^2 / pi)."""
        return self.scale**2 * (1 - 2 * self._delta**2 / math.pi)

    def _sample(self, n, generator):
        u0 = torch.randn(n, generator=generator, dtype=torch.float64)
        v = torch.randn(n, generator=generator, dtype=torch.float64)
        d = self._delta
        u1 = d * u0 + math.sqrt(1 - d * d) * v
        z = torch.where(u0 >= 0, u1, -u1)
        return (self.loc + self.scale * z)[:, None]

    def _log_prob(self, x):
        z = (x[:, 0] - self.loc) / self.scale
        return (
            math.log(2.0) - math.log(self.scale) - 0.5 * z * z - 0.5 * LOG_2PI + torch.special.log_ndtr(self.shape * z)
        )


def ring8() -> GaussianMixture:
    """8 Gaussians of std 0.2 evenly spaced on a circle of radius 2 (Metz et al., 2017)."""
    angles = 2 * np.pi * np.arange(8) / 8
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    covs = np.tile(0.2**2 * np.eye(2), (8, 1, 1))
    return GaussianMixture(
        np.ones(8), means, covs, key="ring8", label="Ring of 8 Gaussians", extent=((-3.0, 3.0), (-3.0, 3.0))
    )


def grid25() -> GaussianMixture:
    """25 Gaussians of std 0.1 on the grid {-2, -1, 0, 1, 2}^2 (Srivastava et al., 2017).

    Std 0.1 (a tenth of the spacing) keeps the 25 modes clearly separated in a heatmap while
    still being wide enough to see as blobs rather than dots.
    """
    g = np.arange(-2.0, 3.0)
    means = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    covs = np.tile(0.1**2 * np.eye(2), (25, 1, 1))
    return GaussianMixture(
        np.ones(25), means, covs, key="grid25", label="5x5 grid of Gaussians", extent=((-3.0, 3.0), (-3.0, 3.0))
    )


def ring8_narrow() -> GaussianMixture:
    """8 Gaussians of std 0.02 evenly spaced on a circle of radius 2.

    The narrow ring of the GAN mode-collapse benchmark: Metz et al., "Unrolled Generative
    Adversarial Networks" (ICLR 2017), reused by Srivastava et al., "VEEGAN" (NeurIPS 2017) and
    Lin et al., "PacGAN" (NeurIPS 2018). Same means as ``ring8``, ten times narrower.
    """
    angles = 2 * np.pi * np.arange(8) / 8
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    covs = np.tile(0.02**2 * np.eye(2), (8, 1, 1))
    return GaussianMixture(
        np.ones(8),
        means,
        covs,
        key="ring8_narrow",
        label="Ring of 8, narrow (std 0.02)",
        extent=((-3.0, 3.0), (-3.0, 3.0)),
    )


def grid25_narrow() -> GaussianMixture:
    """25 Gaussians of std 0.05 on the grid {-4, -2, 0, 2, 4}^2.

    The grid of the GAN mode-collapse benchmark exactly as in the literature (Srivastava et al.,
    "VEEGAN", NeurIPS 2017; Lin et al., "PacGAN", NeurIPS 2018: means (-4 + 2i, -4 + 2j),
    variance 0.0025), so that modes captured and high-quality shares compare with theirs.
    """
    g = np.arange(-4.0, 5.0, 2.0)
    means = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    covs = np.tile(0.05**2 * np.eye(2), (25, 1, 1))
    return GaussianMixture(
        np.ones(25),
        means,
        covs,
        key="grid25_narrow",
        label="Grid of 25, narrow (std 0.05)",
        extent=((-5.5, 5.5), (-5.5, 5.5)),
    )


def two_gaussians() -> GaussianMixture:
    """Two equally weighted anisotropic Gaussians with different orientations.

    Component 1: mean (-1.25, 0.5), covariance R(45 deg) diag(0.5, 0.03) R(45 deg)^T;
    component 2: mean (1.25, -0.5), covariance R(-30 deg) diag(0.5, 0.03) R(-30 deg)^T.
    """
    base = np.diag([0.5, 0.03])
    covs = []
    for angle in (math.radians(45.0), math.radians(-30.0)):
        r = _rotation(angle)
        covs.append(r @ base @ r.T)
    return GaussianMixture(
        [0.5, 0.5],
        [[-1.25, 0.5], [1.25, -0.5]],
        np.stack(covs),
        key="two_gaussians",
        label="Two anisotropic Gaussians",
        extent=((-4.0, 4.0), (-4.0, 4.0)),
    )


def circles() -> NoisyRings:
    """Two concentric circles, radii 1.25 and 2.5, equal weights, noise std 0.15."""
    return NoisyRings(
        [1.25, 2.5], [1.0, 1.0], 0.15, key="circles", label="Two circles", extent=((-3.5, 3.5), (-3.5, 3.5))
    )


def rings() -> NoisyRings:
    """Four concentric rings, radii 0.75, 1.5, 2.25, 3, weights proportional to the radius
    (uniform along the total length), noise std 0.08."""
    radii = [0.75, 1.5, 2.25, 3.0]
    return NoisyRings(radii, radii, 0.08, key="rings", label="Four rings", extent=((-3.5, 3.5), (-3.5, 3.5)))


def checkerboard() -> Checkerboard:
    """The 4x4 checkerboard on [-4, 4]^2."""
    return Checkerboard()


def bimodal_1d() -> GaussianMixture:
    """1D mixture 0.3 N(-2, 0.5^2) + 0.7 N(2, 0.8^2)."""
    return GaussianMixture(
        [0.3, 0.7],
        [[-2.0], [2.0]],
        [[[0.25]], [[0.64]]],
        key="bimodal_1d",
        label="Bimodal (1D)",
        extent=(-6.0, 6.0),
        density_note="Exact density (mixture of two Gaussians).",
    )


def skewed_1d() -> SkewNormal1D:
    """Skew-normal with location -1, scale 1.5, shape 5 (mean about 0.17)."""
    return SkewNormal1D(-1.0, 1.5, 5.0)
