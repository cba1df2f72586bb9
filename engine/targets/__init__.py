"""Toy data distributions for normalizing flows, GANs and divergences.

Every target has ``key``, ``label``, ``dim`` (1 or 2), ``extent``, ``has_exact_density``,
``density_note``, ``sample(n, generator)`` (float32 (n, dim), deterministic given the generator)
and, when the density is exact, ``log_prob(x)``. Build one with ``make_target(key)``.

Every target also has ``modes`` and ``mode_std``, for the mode-collapse metrics of
``engine.sample_metrics.mode_statistics``: for a mixture of Gaussians that all share one
isotropic covariance s^2 I, ``modes`` is a float64 numpy array (K, dim) of the component means
and ``mode_std`` is s; for every other target both are ``None``. Targets with modes: ring8,
grid25, ring8_narrow, grid25_narrow, ganlab_disjoint.

Exact densities: ring8, grid25, ring8_narrow, grid25_narrow, two_gaussians, circles, rings,
checkerboard, the four GAN Lab targets (ganlab_line, ganlab_gaussians, ganlab_disjoint, and
ganlab_ring, whose angle integral is a quadrature accurate far below display precision),
bimodal_1d, skewed_1d, and every PointCloudTarget. Samples only: moons, pinwheel, spirals,
swissroll.

Display order (``REGISTRY``): the 2-D classics with the narrow GAN-benchmark mixtures right after
grid25, then the GAN Lab targets, then the 1-D targets.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.targets.analytic import (
    Checkerboard,
    GaussianMixture,
    NoisyRings,
    SkewNormal1D,
    bimodal_1d,
    checkerboard,
    circles,
    grid25,
    grid25_narrow,
    ring8,
    ring8_narrow,
    rings,
    skewed_1d,
    two_gaussians,
)
from engine.targets.base import NO_DENSITY_NOTE, Target
from engine.targets.gan_lab import (
    BlurredEllipse,
    BlurredSegment,
    ganlab_disjoint,
    ganlab_gaussians,
    ganlab_line,
    ganlab_ring,
)
from engine.targets.points import (
    MAX_KERNEL_CENTRES,
    PointCloudTarget,
    check_drawn_points,
    parse_points_csv,
    points_csv,
    points_from_strokes,
)
from engine.targets.samplers import SampleOnlyTarget, moons, pinwheel, spirals, swissroll

REGISTRY: dict[str, Callable[[], Target]] = {
    "ring8": ring8,
    "grid25": grid25,
    "ring8_narrow": ring8_narrow,
    "grid25_narrow": grid25_narrow,
    "two_gaussians": two_gaussians,
    "moons": moons,
    "circles": circles,
    "rings": rings,
    "pinwheel": pinwheel,
    "spirals": spirals,
    "checkerboard": checkerboard,
    "swissroll": swissroll,
    "ganlab_line": ganlab_line,
    "ganlab_gaussians": ganlab_gaussians,
    "ganlab_ring": ganlab_ring,
    "ganlab_disjoint": ganlab_disjoint,
    "bimodal_1d": bimodal_1d,
    "skewed_1d": skewed_1d,
}
TARGETS = REGISTRY
CUSTOM_TARGET_KEYS = ("drawn", "csv")  # a run config's target when the data is the user's own points

_DIMS = {"bimodal_1d": 1, "skewed_1d": 1}


def target_keys(dim: int | None = None) -> list[str]:
    """Registry keys in display order, optionally only those of dimension ``dim`` (1 or 2)."""
    if dim is None:
        return list(REGISTRY)
    if dim not in (1, 2):
        raise ValueError(f"Targets are 1D or 2D; got dim={dim!r}.")
    return [key for key in REGISTRY if _DIMS.get(key, 2) == dim]


def make_target(key: str) -> Target:
    """A fresh target for a registry key, e.g. ``make_target("ring8")``."""
    name = key.strip().lower() if isinstance(key, str) else key
    if name not in REGISTRY:
        raise ValueError(f"Unknown target {key!r}; choose one of: {', '.join(REGISTRY)}.")
    return REGISTRY[name]()


__all__ = [
    "CUSTOM_TARGET_KEYS",
    "MAX_KERNEL_CENTRES",
    "NO_DENSITY_NOTE",
    "REGISTRY",
    "TARGETS",
    "BlurredEllipse",
    "BlurredSegment",
    "Checkerboard",
    "GaussianMixture",
    "NoisyRings",
    "PointCloudTarget",
    "SampleOnlyTarget",
    "SkewNormal1D",
    "Target",
    "check_drawn_points",
    "make_target",
    "parse_points_csv",
    "points_csv",
    "points_from_strokes",
    "target_keys",
]
