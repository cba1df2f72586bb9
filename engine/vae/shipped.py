"""The models shipped in ``pretrained/`` for the VAE page, with the training arguments that made them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShippedVae:
    name: str  # folder in pretrained/
    label: str
    training_arguments: tuple[str, ...]  # for python -m engine.train.vae, after --name
    latent_dim: int = 2
    beta: float = 1.0


SHIPPED_VAES = {
    vae.name: vae
    for vae in [
        ShippedVae("vae-2d", "VAE, 2-D latent", ()),
        ShippedVae("beta-vae-0.5", "β-VAE, β = 0.5, 2-D", ("--beta", "0.5"), beta=0.5),
        ShippedVae("beta-vae-4", "β-VAE, β = 4, 2-D", ("--beta", "4"), beta=4.0),
        ShippedVae("iwae-2d", "IWAE, k = 5, 2-D", ("--importance-samples", "5")),
        ShippedVae("vae-16d", "VAE, 16-D latent", ("--latent-dim", "16"), latent_dim=16),
    ]
}
TWO_D_VAES = [name for name, vae in SHIPPED_VAES.items() if vae.latent_dim == 2]
BETA_SERIES = ["beta-vae-0.5", "vae-2d", "beta-vae-4"]  # the beta side-by-side view, in order of beta
