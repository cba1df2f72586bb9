"""Toy data distributions for normalizing flows, GANs and divergences.

Every target has ``key``, ``label``, ``dim`` (1 or 2), ``extent``, ``has_exact_density``,
``density_note``, ``sample(n, generator)`` (float32 (n, dim), deterministic given the generator)
and, when the density is exact, ``log_prob(x)``. Build one with ``make_target(key)``.

Exact densities: ring8, grid25, two_gaussians, circles, rings, checkerboard, bimodal_1d,
skewed_1d, and every PointCloudTarget. Samples only: moons, pinwheel, spirals, swissroll.
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
    ring8,
    rings,
    skewed_1d,
    two_gaussians,
)
from engine.targets.base import NO_DENSITY_NOTE, Target
from engine.targets.points import (
    MAX_KERNEL_CENTRES,
    PointCloudTarget,
    check_drawn_points,
    parse_points_csv,
    points_from_strokes,
)
from engine.targets.samplers import SampleOnlyTarget, moons, pinwheel, spirals, swissroll

REGISTRY: dict[str, Callable[[], Target]] = {
    "ring8": ring8,
    "grid25": grid25,
    "two_gaussians": two_gaussians,
    "moons": moons,
    "circles": circles,
    "rings": rings,
    "pinwheel": pinwheel,
    "spirals": spirals,
    "checkerboard": checkerboard,
    "swissroll": swissroll,
    "bimodal_1d": bimodal_1d,
    "skewed_1d": skewed_1d,
}
TARGETS = REGISTRY

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
    "MAX_KERNEL_CENTRES", "NO_DENSITY_NOTE", "REGISTRY", "TARGETS", "Checkerboard",
    "GaussianMixture", "NoisyRings", "PointCloudTarget", "SampleOnlyTarget", "SkewNormal1D",
    "Target", "check_drawn_points", "make_target", "parse_points_csv", "points_from_strokes",
    "target_keys",
]
