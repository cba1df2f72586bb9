"""Noise schedules of the variance-preserving (VP) diffusion, in continuous time t in [0, 1]
(Ho, Jain & Abbeel, "Denoising diffusion probabilistic models", NeurIPS 2020; Song et al.,
"Score-based generative modeling through stochastic differential equations", ICLR 2021):

    q(x_t | x_0) = N(sqrt(abar(t)) x_0, (1 - abar(t)) I),   abar(t) = exp(-int_0^t beta(s) ds),

the forward SDE dx = -1/2 beta(t) x dt + sqrt(beta(t)) dW. A schedule gives log abar(t) and
beta(t) = -d log abar / dt in closed form; N discrete DDPM steps use t_k = k / N and
beta_k = 1 - abar(t_k) / abar(t_{k-1}).

* linear: beta(t) = beta_min + t (beta_max - beta_min), beta_min = 0.1, beta_max = 20 (Song et
  al.: the limit of DDPM's 1,000 steps from 1e-4 to 0.02);
* cosine: abar(t) = cos^2(((c t + s) / (1 + s)) pi / 2) / cos^2((s / (1 + s)) pi / 2), s = 0.008
  (Nichol & Dhariwal, "Improved denoising diffusion probabilistic models", ICML 2021), with t
  scaled by c = 0.994 so that beta(1) stays finite (abar(1) ~ 9e-5); t is clamped to [0, 1] (an
  adaptive ODE solver may probe just past the end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SCHEDULES = ("linear", "cosine")
BETA_MIN, BETA_MAX = 0.1, 20.0
COSINE_OFFSET, COSINE_SCALE = 0.008, 0.994


@dataclass(frozen=True)
class NoiseSchedule:
    kind: str = "linear"

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"Unknown noise schedule {self.kind!r}; choose one of: {', '.join(SCHEDULES)}.")

    def log_alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=torch.float32)
        if self.kind == "linear":
            return -(BETA_MIN * t + 0.5 * (BETA_MAX - BETA_MIN) * t**2)
        angle = lambda u: (COSINE_SCALE * u + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2  # noqa: E731
        return 2 * torch.log(torch.cos(angle(t.clamp(0.0, 1.0)))) - 2 * math.log(math.cos(angle(0.0)))

    def alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        return self.log_alpha_bar(t).exp()

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        """The noise's standard deviation in x_t, sqrt(1 - abar(t))."""
        return (-torch.expm1(self.log_alpha_bar(t))).sqrt()

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=torch.float32)
        if self.kind == "linear":
            return BETA_MIN + t * (BETA_MAX - BETA_MIN)
        angle = (COSINE_SCALE * t.clamp(0.0, 1.0) + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2
        return COSINE_SCALE * math.pi / (1 + COSINE_OFFSET) * torch.tan(angle)

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar(t)) x_0 + sqrt(1 - abar(t)) eps: a draw of q(x_t | x_0), t of shape (n,)."""
        return self.alpha_bar(t).sqrt()[:, None] * x0 + self.sigma(t)[:, None] * noise
