"""A normalizing flow: a stack of invertible layers on top of a standard normal base.

Lecture notation: the flow f maps data x to latent z (the normalizing direction),
z = f_k o ... o f_1 (x), and by the change of variables formula

    log p_x(x) = log p_z(f(x)) + sum_i log|det df_i/df_{i-1}|,   p_z = N(0, I).

Sampling: z ~ N(0, I), x = f_1^{-1} o ... o f_k^{-1} (z).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


class Flow(nn.Module):
    """Composition of flow layers with a standard-normal base distribution of dimension ``dim``.

    Every layer is an ``nn.Module`` with ``forward(x) -> (z, logdet)`` (logdet of shape (n,),
    log|det df/dx| per sample) and ``inverse(z) -> x``; layers may define ``describe()``
    for a short human label.
    """

    def __init__(self, layers: Iterable[nn.Module], dim: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.dim = dim

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = f(x) and log|det df/dx| summed over the layers, shape (n,)."""
        logdet_total = x.new_zeros(x.shape[0])
        z = x
        for layer in self.layers:
            z, logdet = layer(z)
            logdet_total = logdet_total + logdet
        return z, logdet_total

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """x = f^{-1}(z): the layers' inverses in reverse order."""
        x = z
        for layer in reversed(self.layers):
            x = layer.inverse(x)
        return x

    def base_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log N(z; 0, I), shape (n,)."""
        return -0.5 * z.square().sum(dim=1) - self.dim * HALF_LOG_TWO_PI

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p_x(x) = log p_z(f(x)) + log|det df/dx|, shape (n,)."""
        z, logdet = self(x)
        return self.base_log_prob(z) + logdet

    def _param_device_dtype(self) -> tuple[torch.device, torch.dtype]:
        for p in self.parameters():
            return p.device, p.dtype
        return torch.device("cpu"), torch.get_default_dtype()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples x = f^{-1}(z), z ~ N(0, I); deterministic for a seeded ``generator``."""
        device, dtype = self._param_device_dtype()
        noise_device = generator.device if generator is not None else device
        z = torch.randn(n, self.dim, generator=generator, device=noise_device, dtype=dtype)
        return self.inverse(z.to(device))

    @torch.no_grad()
    def trajectory(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[x, f_1(x), f_2(f_1(x)), ..., z]: the points after each layer, x -> z order."""
        points = [x]
        for layer in self.layers:
            x, _ = layer(x)
            points.append(x)
        return points

    @torch.no_grad()
    def inverse_trajectory(self, z: torch.Tensor) -> list[torch.Tensor]:
        """[z, f_k^{-1}(z), ..., x]: the points after each inverse layer, z -> x order."""
        points = [z]
        for layer in reversed(self.layers):
            z = layer.inverse(z)
            points.append(z)
        return points

    def layer_names(self) -> list[str]:
        """Short label per layer, in x -> z order, e.g. "2. coupling (affine, updates x2 given x1)"."""
        names = []
        for i, layer in enumerate(self.layers, start=1):
            describe = getattr(layer, "describe", None)
            label = describe() if callable(describe) else type(layer).__name__
            names.append(f"{i}. {label}")
        return names
