"""RNADE on 2-D data (Uria, Murray & Larochelle, "RNADE: the real-valued neural autoregressive
density-estimator", NeurIPS 2013; lecture notes: "RNADE"): the chain rule with real-valued
conditionals, each a mixture of K Gaussians,

    q(x) = q(x1) q(x2 | x1),   q(x1) = sum_k pi_k N(x1; mu_k, s_k^2),
    q(x2 | x1) = sum_k pi_k(x1) N(x2; mu_k(x1), s_k(x1)^2),

the first mixture's parameters free, the second's an MLP of x1. log q(x) is exact, so KL(p||q)
and the held-out NLL compare with the flows' on the same samples.
"""

from __future__ import annotations

import math

import torch
from torch import nn

LOG_STD_RANGE = (-5.0, 3.0)


def mixture_log_prob(
    x: torch.Tensor, logits: torch.Tensor, means: torch.Tensor, log_stds: torch.Tensor
) -> torch.Tensor:
    """log sum_k softmax(logits)_k N(x; means_k, exp(log_stds_k)^2), for x (n,) and parameters (n, K) or (K,)."""
    log_stds = log_stds.clamp(*LOG_STD_RANGE)
    z = (x[:, None] - means) / log_stds.exp()
    components = -0.5 * z**2 - log_stds - 0.5 * math.log(2 * math.pi)
    return torch.logsumexp(torch.log_softmax(logits, dim=-1) + components, dim=-1)


def mixture_sample(
    logits: torch.Tensor, means: torch.Tensor, log_stds: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """One draw per row of (n, K) mixture parameters."""
    component = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator).squeeze(1)
    rows = torch.arange(len(component))
    noise = torch.randn(len(component), generator=generator)
    return means[rows, component] + log_stds.clamp(*LOG_STD_RANGE)[rows, component].exp() * noise


class RNADE2D(nn.Module):
    """q(x1) a free K-component mixture; q(x2 | x1) an MLP (``hidden`` units, two layers) giving K components."""

    def __init__(self, components: int = 10, hidden: int = 64):
        super().__init__()
        self.components = components
        self.first = nn.Parameter(
            torch.cat([torch.zeros(components), torch.linspace(-2, 2, components), torch.zeros(components)])
        )
        self.conditional = nn.Sequential(
            nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 3 * components)
        )

    def _first(self, n: int) -> tuple[torch.Tensor, ...]:
        return tuple(part.expand(n, -1) for part in self.first.reshape(3, self.components))

    def _second(self, x1: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.conditional(x1[:, None]).chunk(3, dim=-1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log q(x) in nats, (n,), for points (n, 2)."""
        x = torch.as_tensor(x, dtype=torch.float32)
        return mixture_log_prob(x[:, 0], *self._first(len(x))) + mixture_log_prob(x[:, 1], *self._second(x[:, 0]))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        x1 = mixture_sample(*self._first(n), generator)
        return torch.stack([x1, mixture_sample(*self._second(x1), generator)], dim=1)
