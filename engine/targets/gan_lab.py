"""The four toy distributions of GAN Lab, mapped from its unit square to the box (-3, 3)^2.

Source: Kahng et al., "GAN Lab: Understanding Complex Deep Generative Models using Interactive
Visual Experimentation" (IEEE VIS 2018), https://poloclub.github.io/ganlab/. GAN Lab draws
its data in [0, 1]^2; here every coordinate is mapped by x = 6u - 3, so lengths and standard
deviations are multiplied by 6 and the plot box is (-3, 3)^2. In GAN Lab's units (t ~ U(0, 1),
n ~ N(0, I)):

- line: (0.8 - 0.75 t, 0.6 + 0.3 t) + 0.01 n;
- two Gaussian hills: 1/2 N((0.3, 0.7), diag(0.1^2, 0.1^2)) + 1/2 N((0.7, 0.4), diag(0.05^2, 0.2^2));
- ring: (0.5 + 0.3 cos 2 pi t, 0.45 + 0.25 sin 2 pi t) + 0.025 n (an ellipse);
- three disjoint Gaussians: equal weights, means (0.35, 0.75), (0.75, 0.6), (0.45, 0.35), std 0.025.

The line's density is exact in closed form, the ring's is exact up to a quadrature over the
angle whose error is far below float32 resolution (see :class:`BlurredEllipse`), the two
mixtures are :class:`GaussianMixture`. Lecture topic: GANs (the GAN Lab demo).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.targets.analytic import GaussianMixture
from engine.targets.base import LOG_2PI, Target

GAN_LAB_SCALE = 6.0
GAN_LAB_SHIFT = -3.0
GAN_LAB_EXTENT = ((-3.0, 3.0), (-3.0, 3.0))


def from_gan_lab(u) -> np.ndarray:
    """GAN Lab's unit-square coordinates u to ours: x = 6 u - 3."""
    return GAN_LAB_SCALE * np.asarray(u, dtype=np.float64) + GAN_LAB_SHIFT


def _log_ndtr_difference(hi: torch.Tensor, lo: torch.Tensor) -> torch.Tensor:
    """log(Phi(hi) - Phi(lo)) for hi > lo, accurate in both tails.

    Phi(hi) - Phi(lo) = Phi(-lo) - Phi(-hi); the form whose arguments sum to <= 0 is used, so the
    larger CDF value is never close to 1 and the subtraction loses no digits:
    log(Phi(h) - Phi(l)) = log Phi(h) + log(1 - exp(log Phi(l) - log Phi(h))).
    """
    flip = (hi + lo) > 0
    h = torch.where(flip, -lo, hi)
    low = torch.where(flip, -hi, lo)
    log_h = torch.special.log_ndtr(h)
    return log_h + torch.log1p(-torch.exp(torch.special.log_ndtr(low) - log_h))


class BlurredSegment(Target):
    """A uniform point on the segment from ``start`` to ``end``, blurred by N(0, sigma^2 I).

    x = a + t (b - a) + sigma n, t ~ U(0, 1), n ~ N(0, I). With L = |b - a|, e = (b - a)/L, the
    coordinate along the segment s = (x - a).e and the distance across it r = |(x - a) x e|,
    integrating t out gives the exact density

        p(x) = N(r; 0, sigma^2) * [Phi(s / sigma) - Phi((s - L) / sigma)] / L,

    a Gaussian across the segment times a smoothed box along it. ``log_prob`` evaluates the log
    of the CDF difference without cancellation in either tail.
    """

    def __init__(self, start, end, noise_std: float, *, key: str, label: str, extent: tuple):
        self.start = torch.as_tensor(np.asarray(start, dtype=np.float64))
        self.end = torch.as_tensor(np.asarray(end, dtype=np.float64))
        if self.start.shape != (2,) or self.end.shape != (2,):
            raise ValueError("A segment needs a 2D start point and a 2D end point.")
        self.length = float(torch.linalg.norm(self.end - self.start))
        if not self.length > 0:
            raise ValueError("A segment needs two different end points.")
        if not noise_std > 0:
            raise ValueError("The segment noise must be a positive standard deviation.")
        self.noise_std = float(noise_std)
        self.key, self.label, self.dim, self.extent = key, label, 2, extent
        self.has_exact_density = True
        self.density_note = (
            "Exact density (a uniform point on a segment blurred by Gaussian noise: a normal "
            "across the segment times a difference of normal CDFs along it)."
        )

    def _sample(self, n, generator):
        t = torch.rand(n, 1, generator=generator, dtype=torch.float64)
        eps = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        return self.start + t * (self.end - self.start) + self.noise_std * eps

    def _log_prob(self, x):
        sigma, length = self.noise_std, self.length
        e = ((self.end - self.start) / length).to(x)
        d = x - self.start.to(x)
        along = d[:, 0] * e[0] + d[:, 1] * e[1]
        across = d[:, 1] * e[0] - d[:, 0] * e[1]
        return (
            -0.5 * (across / sigma) ** 2
            - 0.5 * LOG_2PI
            - math.log(sigma)
            - math.log(length)
            + _log_ndtr_difference(along / sigma, (along - length) / sigma)
        )


class BlurredEllipse(Target):
    """A uniform angle on an ellipse, blurred by N(0, sigma^2 I).

    x = c + (a cos theta, b sin theta) + sigma n, theta ~ U(0, 2 pi), n ~ N(0, I), so

        p(x) = 1/(2 pi) int_0^{2 pi} N(x; c + (a cos theta, b sin theta), sigma^2 I) d theta.

    Unlike the circle (see ``NoisyRings``) this integral has no closed form; ``log_prob`` uses
    the trapezoid rule on ``n_nodes`` equally spaced angles, i.e. an equal-weight mixture of
    ``n_nodes`` Gaussians along the ellipse. For a smooth periodic integrand the rule converges
    exponentially: its relative error is about exp(-(n_nodes w)^2 / 2), w the angular width of
    the integrand's peak, which is widest on the ring (about sigma / max(a, b)) and narrows
    with the distance from it. For GAN Lab's ring over the box (-4, 4)^2, log p differs from
    a 4,096-node rule by 1e-8 with 128 nodes and by < 1e-13 with 192 or more; the default is
    256 (a 200 x 200 heatmap takes about 0.2 s on a CPU). The tests check this.
    """

    def __init__(self, centre, semi_axes, noise_std: float, *, key: str, label: str, extent: tuple, n_nodes: int = 256):
        self.centre = torch.as_tensor(np.asarray(centre, dtype=np.float64))
        axes = np.asarray(semi_axes, dtype=np.float64)
        if self.centre.shape != (2,) or axes.shape != (2,) or not (axes > 0).all():
            raise ValueError("An ellipse needs a 2D centre and two positive semi-axes.")
        if not noise_std > 0:
            raise ValueError("The ring noise must be a positive standard deviation.")
        if int(n_nodes) < 8:
            raise ValueError("The angle quadrature needs at least 8 nodes.")
        self.semi_axes = torch.as_tensor(axes)
        self.noise_std = float(noise_std)
        self.n_nodes = int(n_nodes)
        theta = 2 * math.pi * torch.arange(self.n_nodes, dtype=torch.float64) / self.n_nodes
        self._nodes = torch.stack([axes[0] * torch.cos(theta), axes[1] * torch.sin(theta)], 1)
        self.key, self.label, self.dim, self.extent = key, label, 2, extent
        self.has_exact_density = True
        self.density_note = (
            "Exact density up to a quadrature over the angle (a uniform angle on an ellipse "
            f"blurred by Gaussian noise, integrated with {self.n_nodes} equally spaced angles; "
            "error far below display precision)."
        )

    def _sample(self, n, generator):
        theta = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
        eps = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        a, b = self.semi_axes
        ring = torch.stack([a * torch.cos(theta), b * torch.sin(theta)], 1)
        return self.centre + ring + self.noise_std * eps

    def _log_prob(self, x):
        s2 = self.noise_std**2
        nodes = self._nodes.to(x)
        node_sq = (nodes * nodes).sum(-1)
        const = -math.log(self.n_nodes) - math.log(2 * math.pi * s2)
        xc = x - self.centre.to(x)
        chunk = max(1, (1 << 22) // self.n_nodes)  # at most ~4M distances (32 MB) at a time
        out = []
        for part in torch.split(xc, chunk):
            d2 = (part * part).sum(-1, keepdim=True) - 2 * part @ nodes.T + node_sq
            out.append(torch.logsumexp(-d2.clamp_min(0) / (2 * s2), dim=1) + const)
        return torch.cat(out)


def ganlab_line() -> BlurredSegment:
    """GAN Lab's line: (0.8 - 0.75 t, 0.6 + 0.3 t) + 0.01 n in [0, 1]^2, std 0.06 here."""
    return BlurredSegment(
        from_gan_lab([0.8, 0.6]),
        from_gan_lab([0.05, 0.9]),
        GAN_LAB_SCALE * 0.01,
        key="ganlab_line",
        label="Line (GAN Lab)",
        extent=GAN_LAB_EXTENT,
    )


def ganlab_gaussians() -> GaussianMixture:
    """GAN Lab's two hills: 1/2 N((0.3, 0.7), 0.1^2 I) + 1/2 N((0.7, 0.4), diag(0.05^2, 0.2^2)).

    The tall hill reaches below GAN Lab's square (about 1.2% of all samples fall outside the
    plot box, as in GAN Lab itself).
    """
    means = from_gan_lab([[0.3, 0.7], [0.7, 0.4]])
    stds = GAN_LAB_SCALE * np.array([[0.1, 0.1], [0.05, 0.2]])
    covs = np.stack([np.diag(s**2) for s in stds])
    return GaussianMixture(
        [0.5, 0.5],
        means,
        covs,
        key="ganlab_gaussians",
        label="Two Gaussian hills (GAN Lab)",
        extent=GAN_LAB_EXTENT,
        density_note="Exact density (mixture of two Gaussians).",
    )


def ganlab_ring() -> BlurredEllipse:
    """GAN Lab's ring: (0.5 + 0.3 cos 2 pi t, 0.45 + 0.25 sin 2 pi t) + 0.025 n (an ellipse)."""
    return BlurredEllipse(
        from_gan_lab([0.5, 0.45]),
        GAN_LAB_SCALE * np.array([0.3, 0.25]),
        GAN_LAB_SCALE * 0.025,
        key="ganlab_ring",
        label="Ring ellipse (GAN Lab)",
        extent=GAN_LAB_EXTENT,
    )


def ganlab_disjoint() -> GaussianMixture:
    """GAN Lab's three disjoint Gaussians: means (0.35, 0.75), (0.75, 0.6), (0.45, 0.35),
    std 0.025 (0.15 here), equal weights."""
    means = from_gan_lab([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])
    covs = np.tile((GAN_LAB_SCALE * 0.025) ** 2 * np.eye(2), (3, 1, 1))
    return GaussianMixture(
        np.ones(3),
        means,
        covs,
        key="ganlab_disjoint",
        label="Three disjoint Gaussians (GAN Lab)",
        extent=GAN_LAB_EXTENT,
        density_note="Exact density (mixture of three Gaussians).",
    )
