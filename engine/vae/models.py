"""The VAE that the VAE page explores, a ``PyTorchModelHubMixin`` module (the digit classifier that
labels its decoded digits is shared with other families: :mod:`engine.mnist_classifier`).

* :class:`VAE`: the variational autoencoder of Kingma & Welling, "Auto-Encoding Variational
  Bayes" (2014), with the standard instance of the lecture notes ("Variational autoencoders"):
  prior p(z) = N(0, I), encoder q_phi(z|x) = N(mu_phi(x), diag sigma_phi^2(x)) and, for binarized
  digits, a Bernoulli decoder p_theta(x|z) = prod_j Bern(x_j; sigmoid(f_theta(z)_j)). Trained as a
  beta-VAE (Higgins et al., 2017) on  E_q[log p(x|z)] - beta KL(q(z|x) || p(z)),  or as an IWAE
  (Burda et al., "Importance Weighted Autoencoders", 2016) on the k-sample bound
  log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x). The bounds themselves are in
  :mod:`engine.vae.bounds`.

The constructor arguments are the model's config: ``save_pretrained`` writes them to
config.json beside model.safetensors, and ``from_pretrained`` rebuilds the model from them.
"""

from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

IMAGE_SIZE = 28
PIXELS = IMAGE_SIZE * IMAGE_SIZE


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


class VAE(nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["vae", "mnist"]):
    """MLP VAE on 28x28 binarized digits (see the module docstring for the model and the papers).

    ``beta`` and ``importance_samples`` (k) say how the model was trained: they are kept in the
    config so that a loaded model states what it is; inference does not use them.
    """

    def __init__(
        self, latent_dim: int = 2, hidden: tuple[int, ...] = (512, 256), beta: float = 1.0, importance_samples: int = 1
    ):
        super().__init__()
        hidden = list(hidden)
        if not 1 <= latent_dim <= 64:
            raise ValueError(f"latent_dim must be between 1 and 64; got {latent_dim}.")
        if not hidden or any(not 2 <= width <= 2048 for width in hidden):
            raise ValueError(f"hidden widths must be between 2 and 2048; got {hidden}.")
        if beta < 0 or importance_samples < 1:
            raise ValueError(f"beta must be >= 0 and importance_samples >= 1; got {beta}, {importance_samples}.")
        self.latent_dim = latent_dim
        self.beta = float(beta)
        self.importance_samples = int(importance_samples)
        self.encoder = _mlp([PIXELS, *hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, *reversed(hidden), PIXELS])

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, log sigma^2) of q(z|x) for images (n, 28, 28) or (n, 784)."""
        mu, log_var = self.encoder(x.reshape(-1, PIXELS)).chunk(2, dim=-1)
        return mu, log_var.clamp(-12.0, 8.0)

    def decoder_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits f_theta(z), shape (..., 784)."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's mean image E[x|z] = sigmoid(f_theta(z)), shape (..., 28, 28)."""
        return torch.sigmoid(self.decoder(z)).reshape(*z.shape[:-1], IMAGE_SIZE, IMAGE_SIZE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction through the posterior mean: decode(mu(x))."""
        return self.decode(self.encode(x)[0])
