"""Games min_theta max_phi L(theta, phi) in the plane (lecture notes, "Minimax optimization"), each
with its gradients as the players see them and its equilibrium (theta*, phi*) = (0, 0):

* ``bilinear``: L = theta phi. The continuous dynamics circle the equilibrium forever.
* ``convex_concave``: L = mu/2 theta^2 + theta phi - mu/2 phi^2, strongly convex in theta and
  strongly concave in phi (mu > 0): the dynamics spiral in.
* ``dirac``: the Dirac-GAN (Mescheder, Geiger & Nowozin, "Which training methods for GANs do
  actually converge?", ICML 2018): the generator is one point theta, the data one point at 0,
  the discriminator linear, D_phi(x) = phi x, so L = f(phi theta) + f(0) with f(t) = -log(1 + e^-t)
  (the GAN's, "minimax"), its non-saturating variant (the generator minimizes -f(-phi theta)),
  or f(t) = t ("wgan"). The discriminator's regularizer, as on the GANs page: R1,
  gamma/2 |grad_x D|^2 on the data = gamma/2 phi^2, or the WGAN-GP gradient penalty,
  gamma/2 (|grad_x D| - 1)^2 = gamma/2 (|phi| - 1)^2 (not differentiable at phi = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.config import check_choice

GAMES = {
    "bilinear": "bilinear: L = θφ",
    "convex_concave": "strongly convex-concave: L = μ/2 θ² + θφ − μ/2 φ²",
    "dirac": "Dirac-GAN: L = f(φθ) + f(0)",
}
DIRAC_LOSSES = {
    "minimax": "minimax, f(t) = −log(1 + e⁻ᵗ)",
    "non_saturating": "non-saturating generator",
    "wgan": "WGAN, f(t) = t",
}
REGULARIZERS = {"none": "none", "r1": "R1: γ/2 φ²", "gp": "gradient penalty: γ/2 (|φ| − 1)²"}


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t)) if t >= 0 else math.exp(t) / (1.0 + math.exp(t))


@dataclass(frozen=True)
class Game:
    """One game; ``gradients(theta, phi)`` = (dL_theta/dtheta, dL_phi/dphi): the generator's
    (descended) and the discriminator's (ascended, regularizer included) gradients."""

    name: str = "bilinear"
    mu: float = 0.3  # convex_concave's curvature
    loss: str = "minimax"  # dirac's
    regularizer: str = "none"  # dirac's
    gamma: float = 1.0  # the regularizer's weight

    def __post_init__(self):
        check_choice("game", self.name, GAMES)
        check_choice("loss", self.loss, DIRAC_LOSSES)
        check_choice("regularizer", self.regularizer, REGULARIZERS)

    @property
    def smooth_at_equilibrium(self) -> bool:
        """False for the gradient penalty, whose |phi| has a kink at the equilibrium."""
        return not (self.name == "dirac" and self.regularizer == "gp")

    def _f_prime(self, t: float) -> float:
        return 1.0 if self.loss == "wgan" else _sigmoid(-t)

    def gradients(self, theta: float, phi: float) -> tuple[float, float]:
        if self.name == "bilinear":
            return phi, theta
        if self.name == "convex_concave":
            return self.mu * theta + phi, theta - self.mu * phi
        t = phi * theta
        generator = phi * self._f_prime(-t) if self.loss == "non_saturating" else phi * self._f_prime(t)
        discriminator = theta * self._f_prime(t)
        if self.regularizer == "r1":
            discriminator -= self.gamma * phi
        elif self.regularizer == "gp":
            discriminator -= self.gamma * (abs(phi) - 1.0) * math.copysign(1.0, phi)
        return generator, discriminator

    def field(self, theta: float, phi: float) -> tuple[float, float]:
        """The continuous dynamics (-dL/dtheta, +dL/dphi): where gradient descent-ascent heads."""
        g_theta, g_phi = self.gradients(theta, phi)
        return -g_theta, g_phi
