"""Generative adversarial networks (lecture "Generative adversarial networks"): the GANs page's family.

- :mod:`~engine.gans.models`: MLP generator and discriminator (spectral norm, noise);
- :mod:`~engine.gans.losses`: the 13 GAN losses and the gradient penalties;
- :mod:`~engine.gans.task`: the live training task, its run config, its frames and exports;
- :mod:`~engine.gans.presets`: mode collapse and how to avoid it, as named configs;
- :mod:`~engine.gans.views`: frames and histories -> images and charts.

Notation (lecture "Generative adversarial networks", section 6): p is the data distribution,
q = p_θ the generator's, the discriminator returns a raw score v(x) and each loss in
``LOSSES`` says how to read it (a logit, a critic value, or f-GAN's V before g_f).

Usage::

    from engine.gans import LOSSES, Discriminator, Generator, NetworkConfig, sample_noise
    config = NetworkConfig(hidden_layers=2, width=16)
    generator, discriminator = Generator(2, 2, config), Discriminator(2, config)
    loss = LOSSES["non_saturating"]
    z = sample_noise(150, 2, "gaussian", torch.Generator().manual_seed(0))
    d_loss = loss.discriminator_loss(discriminator(real), discriminator(generator(z).detach()))
    g_loss = loss.generator_loss(discriminator(generator(z)))
"""

from __future__ import annotations

from engine.gans.losses import (
    LOSSES,
    FGanLoss,
    GanLoss,
    HingeLoss,
    KLGeneratorLoss,
    LeastSquaresLoss,
    MinimaxLoss,
    NonSaturatingLoss,
    WassersteinGPLoss,
    WassersteinLoss,
    gradient_penalty,
    r1_penalty,
)
from engine.gans.models import (
    ACTIVATIONS,
    NOISE_TYPES,
    Discriminator,
    Generator,
    NetworkConfig,
    linear_layers,
    sample_noise,
    top_singular_values,
)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "NOISE_TYPES",
    "Discriminator",
    "FGanLoss",
    "GanLoss",
    "Generator",
    "HingeLoss",
    "KLGeneratorLoss",
    "LeastSquaresLoss",
    "MinimaxLoss",
    "NetworkConfig",
    "NonSaturatingLoss",
    "WassersteinGPLoss",
    "WassersteinLoss",
    "gradient_penalty",
    "linear_layers",
    "r1_penalty",
    "sample_noise",
    "top_singular_values",
]
