"""A VAE on 2-D data (the Arena's contender), with a Gaussian decoder:

    p(z) = N(0, I_2),  p(x | z) = N(mu_theta(z), diag sigma_theta^2(z)),  q(z | x) = N(mu_phi(x), diag sigma_phi^2(x)),

trained on the ELBO (Kingma & Welling, 2014) and scored by the IWAE bound L_k (Burda et al.,
2016), a lower bound on log p(x) that tightens as k grows: -L_k is an upper bound on the NLL, so
-L_k - H(p) bounds KL(p || q) from above. The ELBO's price on 2-D data with separated modes is
visible: the Gaussian decoder blurs samples between the modes.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from engine.checkpoint import Checkpointed
from engine.config import seeded
from engine.vae.bounds import diagonal_normal_log_density, gaussian_kl, reparameterize, standard_normal_log_density

LOG_VAR_MIN = -9.0  # the decoder's variance floor (std ~0.01): a density must not collapse onto a point


def _mlp(inputs: int, hidden: int, layers: int, outputs: int) -> nn.Sequential:
    sizes = [inputs] + [hidden] * layers
    body: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:]):
        body += [nn.Linear(a, b), nn.SiLU()]
    return nn.Sequential(*body, nn.Linear(sizes[-1], outputs))


class GaussianVAE(nn.Module):
    """Encoder and decoder: MLPs of ``layers`` x ``hidden`` SiLU units; latent and data 2-D by default."""

    def __init__(self, dim: int = 2, latent_dim: int = 2, hidden: int = 128, layers: int = 3):
        super().__init__()
        self.dim, self.latent_dim = dim, latent_dim
        self.encoder = _mlp(dim, hidden, layers, 2 * latent_dim)
        self.decoder = _mlp(latent_dim, hidden, layers, 2 * dim)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        return mu, log_var

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.decoder(z).chunk(2, dim=-1)
        return mu, log_var.clamp(min=LOG_VAR_MIN)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)), one reparameterized z per x, (n,)."""
        mu, log_var = self.encode(x)
        z = reparameterize(mu, log_var, 1, generator)[0]
        return diagonal_normal_log_density(x, *self.decode(z)) - gaussian_kl(mu, log_var).sum(-1)

    @torch.no_grad()
    def iwae(self, x: torch.Tensor, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """L_k(x) = log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x), z_i ~ q(z | x), (n,)."""
        mu, log_var = self.encode(x)
        z = reparameterize(mu, log_var, k, generator)
        x_mu, x_log_var = self.decode(z)
        log_w = (
            diagonal_normal_log_density(x, x_mu, x_log_var)
            + standard_normal_log_density(z)
            - diagonal_normal_log_density(z, mu, log_var)
        )
        return torch.logsumexp(log_w, dim=0) - math.log(k)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x ~ p(x | z), z ~ p(z): the decoder's noise included (its mean alone would be a curve)."""
        mu, log_var = self.decode(torch.randn(n, self.latent_dim, generator=generator))
        return mu + (0.5 * log_var).exp() * torch.randn(mu.shape, generator=generator)


class ToyVaeTask(Checkpointed):
    """The 2-D VAE trained on the ELBO on fresh samples of a target (one batch a step), the way the
    Flows page trains a flow (the Arena's contender; no page of its own yet)."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "generator")

    def __init__(
        self,
        target,
        seed: int = 0,
        hidden: int = 128,
        layers: int = 3,
        learning_rate: float = 2e-3,
        batch_size: int = 256,
    ):
        self.target, self.batch_size = target, batch_size
        with seeded(seed):
            self.model = GaussianVAE(target.dim, 2, hidden, layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)
        self.generator = torch.Generator().manual_seed(seed)

    def train_step(self) -> float:
        loss = -self.model.elbo(self.target.sample(self.batch_size, self.generator), self.generator).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()
