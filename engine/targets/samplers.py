"""Targets known only through samples: two moons, pinwheel, two spirals, swiss roll.

Each is a curve or a nonlinear warp blurred by noise; integrating the noise out along the curve
has no closed form, so these targets have no ``log_prob`` (``has_exact_density`` is False) and
the page shows a histogram of samples. Recipes follow the toy data of Grathwohl et al.,
"FFJORD" (ICLR 2019), which took moons and swiss roll from scikit-learn and the pinwheel from
Johnson et al., "Composing graphical models with neural networks" (NeurIPS 2016).
"""

from __future__ import annotations

import math

import torch

from engine.targets.base import NO_DENSITY_NOTE, Target

_F64 = torch.float64


class SampleOnlyTarget(Target):
    """A target defined by a sampling recipe ``sampler(n, generator) -> (n, 2) float64``."""

    def __init__(self, sampler, *, key: str, label: str, extent: tuple, dim: int = 2):
        self._sampler = sampler
        self.key, self.label, self.dim, self.extent = key, label, dim, extent
        self.has_exact_density = False
        self.density_note = NO_DENSITY_NOTE

    def _sample(self, n, generator):
        return self._sampler(n, generator)


def _moons(n, g):
    """Two interleaved half circles (scikit-learn ``make_moons``), noise 0.1, then scaled.

    Upper moon (cos t, sin t), lower moon (1 - cos t, 1/2 - sin t), t ~ U(0, pi), each point on
    either moon with probability 1/2, plus N(0, 0.1^2 I); finally x -> 2 (x - (0.5, 0.25)).
    """
    lower = torch.rand(n, generator=g, dtype=_F64) < 0.5
    t = math.pi * torch.rand(n, generator=g, dtype=_F64)
    x = torch.where(lower, 1 - torch.cos(t), torch.cos(t))
    y = torch.where(lower, 0.5 - torch.sin(t), torch.sin(t))
    pts = torch.stack([x, y], 1) + 0.1 * torch.randn(n, 2, generator=g, dtype=_F64)
    return 2.0 * (pts - torch.tensor([0.5, 0.25], dtype=_F64))


def _pinwheel(n, g):
    """Five curved arms (Johnson et al., 2016; FFJORD's parameters).

    f = (1 + 0.3 e1, 0.1 e2), arm k ~ U{0..4}, angle a = 2 pi k / 5 + 0.25 exp(f_1),
    x = 2 R(a)^T f, i.e. each arm is a Gaussian blob rotated by an angle that grows with radius.
    """
    f = torch.randn(n, 2, generator=g, dtype=_F64) * torch.tensor([0.3, 0.1], dtype=_F64)
    f[:, 0] += 1.0
    arm = torch.randint(0, 5, (n,), generator=g).to(_F64)
    a = 2 * math.pi * arm / 5 + 0.25 * torch.exp(f[:, 0])
    c, s = torch.cos(a), torch.sin(a)
    return 2.0 * torch.stack([f[:, 0] * c + f[:, 1] * s, -f[:, 0] * s + f[:, 1] * c], 1)


def _spirals(n, g):
    """Two interleaved spirals (FFJORD's "2spirals").

    t = sqrt(u) * 3 pi, arm point (-t cos t, t sin t) + U(0, 0.5)^2 jitter, the second arm is the
    negation of the first, then divided by 3 and blurred by N(0, 0.1^2 I).
    """
    t = torch.sqrt(torch.rand(n, generator=g, dtype=_F64)) * 3 * math.pi
    jitter = 0.5 * torch.rand(n, 2, generator=g, dtype=_F64)
    arm = torch.stack([-torch.cos(t) * t, torch.sin(t) * t], 1) + jitter
    sign = torch.where(torch.rand(n, generator=g, dtype=_F64) < 0.5, -1.0, 1.0).to(_F64)
    pts = sign[:, None] * arm / 3.0
    return pts + 0.1 * torch.randn(n, 2, generator=g, dtype=_F64)


def _swissroll(n, g):
    """2D swiss roll (scikit-learn ``make_swiss_roll`` with noise 1, coordinates x and z, / 5).

    t = 3 pi / 2 (1 + 2u), x = (t cos t, t sin t) + N(0, I), then divided by 5.
    """
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=g, dtype=_F64))
    pts = torch.stack([t * torch.cos(t), t * torch.sin(t)], 1)
    return (pts + torch.randn(n, 2, generator=g, dtype=_F64)) / 5.0


def moons() -> SampleOnlyTarget:
    """Two moons (no closed-form density)."""
    return SampleOnlyTarget(_moons, key="moons", label="Two moons", extent=((-4.0, 4.0), (-4.0, 4.0)))


def pinwheel() -> SampleOnlyTarget:
    """Pinwheel with five arms (no closed-form density)."""
    return SampleOnlyTarget(_pinwheel, key="pinwheel", label="Pinwheel", extent=((-4.5, 4.5), (-4.5, 4.5)))


def spirals() -> SampleOnlyTarget:
    """Two spirals (no closed-form density)."""
    return SampleOnlyTarget(_spirals, key="spirals", label="Two spirals", extent=((-4.5, 4.5), (-4.5, 4.5)))


def swissroll() -> SampleOnlyTarget:
    """Swiss roll (no closed-form density)."""
    return SampleOnlyTarget(_swissroll, key="swissroll", label="Swiss roll", extent=((-4.5, 4.5), (-4.5, 4.5)))
