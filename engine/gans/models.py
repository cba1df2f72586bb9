"""Small MLP generators and discriminators for 2-D GANs, and the noise they start from.

Notation (lecture "Generative adversarial networks", section 6.2): the generator
G_θ: ℝ^L → ℝ^D maps noise z ~ p(z) to a sample x̃ = G_θ(z); the discriminator returns a raw
score v_φ(x) ∈ ℝ (a logit, a critic value, or the f-GAN V before its output activation; see
``engine.gans.losses``).

Both networks are a plain ``nn.Sequential`` of Linear layers and activations (no dropout, no
batch norm) so that a forward pass costs nothing beyond the layers themselves: the live
trainer runs about a thousand iterations a second of a 2×16 MLP on one CPU thread.

Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
Networks") divides each weight matrix by an estimate of its largest singular value, refined by
one power-iteration step per forward pass in train mode, so that every layer is (about)
1-Lipschitz and, with 1-Lipschitz activations, so is the whole network (lecture "Spectral
normalization").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from engine.config import check_choice, check_range

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": functools.partial(nn.LeakyReLU, 0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}
"""Activation name → zero-argument factory of the activation module (LeakyReLU slope 0.2)."""

NOISE_TYPES: tuple[str, ...] = ("gaussian", "uniform")
"""Noise distributions p(z): "gaussian" is N(0, I), "uniform" is U(-1, 1)^d."""

MIN_HIDDEN_LAYERS, MAX_HIDDEN_LAYERS = 0, 6
MIN_WIDTH, MAX_WIDTH = 2, 512
MIN_NOISE_DIM, MAX_NOISE_DIM = 1, 16


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class NetworkConfig:
    """Architecture of one MLP: ``hidden_layers`` Linear+activation blocks of ``width`` units,
    then a linear output layer (``hidden_layers = 0`` is a single linear map).

    ``spectral_norm`` wraps every Linear in ``torch.nn.utils.parametrizations.spectral_norm``
    (Miyato et al. 2018). Invalid values raise ``ValueError`` with a sentence a user can act on.
    """

    hidden_layers: int = 2
    width: int = 64
    activation: str = "relu"
    spectral_norm: bool = False

    def __post_init__(self) -> None:
        check_range("Hidden layers", self.hidden_layers, MIN_HIDDEN_LAYERS, MAX_HIDDEN_LAYERS, whole=True)
        check_range("Layer width", self.width, MIN_WIDTH, MAX_WIDTH, whole=True)
        check_choice("activation", self.activation, ACTIVATIONS)
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(
                f"Spectral normalisation must be switched on or off (True or False); got {self.spectral_norm!r}."
            )


def _check_noise_dim(dim: object) -> None:
    check_range("Noise dimension", dim, MIN_NOISE_DIM, MAX_NOISE_DIM, whole=True)


def sample_noise(n: int, dim: int, kind: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``n`` noise vectors z ∈ ℝ^dim as a float32 tensor of shape ``(n, dim)``.

    ``kind`` is "gaussian" (z ~ N(0, I)) or "uniform" (z ~ U(-1, 1)^dim). Pass a seeded
    ``torch.Generator`` for reproducible draws. Raises ``ValueError`` for an unknown kind, a
    dimension outside 1..16, or a negative count.
    """
    check_choice("noise type", kind, NOISE_TYPES)
    _check_noise_dim(dim)
    if not _is_int(n) or n < 0:
        raise ValueError(f"The number of noise samples must be a whole number of at least 0; got {n!r}.")
    if kind == "gaussian":
        return torch.randn(n, dim, generator=generator, dtype=torch.float32)
    return torch.rand(n, dim, generator=generator, dtype=torch.float32).mul_(2.0).sub_(1.0)


def generator_samples(generator: torch.nn.Module, noise_dim: int, noise: str, n: int, seed: int) -> np.ndarray:
    """``n`` samples of a GAN generator G(z), z drawn from its noise (reproducible from ``seed``)."""
    with torch.no_grad():
        return generator(sample_noise(n, noise_dim, noise, torch.Generator().manual_seed(seed))).double().numpy()


def _mlp_layers(in_dim: int, out_dim: int, config: NetworkConfig) -> list[nn.Module]:
    dims = [in_dim] + [config.width] * config.hidden_layers + [out_dim]
    layers: list[nn.Module] = []
    for i in range(len(dims) - 1):
        linear = nn.Linear(dims[i], dims[i + 1])
        layers.append(spectral_norm(linear) if config.spectral_norm else linear)
        if i < len(dims) - 2:
            layers.append(ACTIVATIONS[config.activation]())
    return layers


class Generator(nn.Sequential):
    """Generator G_θ: z ∈ ℝ^noise_dim ↦ x̃ ∈ ℝ^data_dim, an MLP with a linear output layer
    (Goodfellow et al. 2014, "Generative Adversarial Nets"; lecture section 6.2).

    Input ``(n, noise_dim)``, output ``(n, data_dim)``.
    """

    def __init__(self, noise_dim: int, data_dim: int, config: NetworkConfig) -> None:
        _check_noise_dim(noise_dim)
        if not _is_int(data_dim) or data_dim < 1:
            raise ValueError(f"Data dimension must be a whole number of at least 1; got {data_dim!r}.")
        super().__init__(*_mlp_layers(noise_dim, data_dim, config))
        self.noise_dim = noise_dim
        self.data_dim = data_dim
        self.config = config


class Discriminator(nn.Sequential):
    """Discriminator / critic: x ∈ ℝ^data_dim ↦ raw score v_φ(x) ∈ ℝ, an MLP with a linear
    output layer (Goodfellow et al. 2014; lecture section 6.2: D_φ(x) = σ(h_φ(x))).

    Input ``(n, data_dim)``, output ``(n,)``. The score is what the loss interprets: a logit
    for the sigmoid GANs, a critic value for WGAN and hinge, V before the output activation
    g_f for f-GANs (see ``engine.gans.losses``).
    """

    def __init__(self, data_dim: int, config: NetworkConfig) -> None:
        if not _is_int(data_dim) or data_dim < 1:
            raise ValueError(f"Data dimension must be a whole number of at least 1; got {data_dim!r}.")
        super().__init__(*_mlp_layers(data_dim, 1, config), nn.Flatten(0))
        self.data_dim = data_dim
        self.config = config


def linear_layers(module: nn.Module) -> list[nn.Linear]:
    """All ``nn.Linear`` layers of ``module`` in forward order (spectrally normalised ones included)."""
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


@torch.no_grad()
def top_singular_values(module: nn.Module) -> list[float]:
    """Largest singular value σ_max(W) of each Linear layer's *effective* weight, in forward order.

    With spectral normalisation on, the effective weight is W / σ̂ (σ̂ the power-iteration
    estimate); it is read with the parametrisation in eval mode so that reading it does not run
    an extra power-iteration step (no side effect on training). Computed exactly with
    ``torch.linalg.matrix_norm(W, ord=2)``.
    """
    values = []
    for layer in linear_layers(module):
        if parametrize.is_parametrized(layer, "weight"):
            parametrizations = list(layer.parametrizations["weight"])
            modes = [p.training for p in parametrizations]
            for p in parametrizations:
                p.train(False)
            try:
                weight = layer.weight
            finally:
                for p, mode in zip(parametrizations, modes):
                    p.train(mode)
        else:
            weight = layer.weight
        values.append(float(torch.linalg.matrix_norm(weight.detach(), ord=2)))
    return values
