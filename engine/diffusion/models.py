"""The network every model here shares: a small MLP of (x, t, and optionally a class) with a
Fourier time embedding, predicting a 2-D vector: the noise eps (DDPM; as a score model,
s(x, t) = -eps / sigma(t)) or the velocity v (flow matching).

Class conditioning (Ho & Salimans, "Classifier-free diffusion guidance", 2021): a learned
embedding per class plus one for "no class", the latter used for a share of the training
batches (``drop``) so that one network gives both f(x, t, c) and f(x, t, none); guidance at
scale w uses (1 + w) f(x, t, c) - w f(x, t, none).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class FourierTime(nn.Module):
    """t in [0, 1] -> [sin(2 pi k t), cos(2 pi k t)] for fixed frequencies k (and t itself)."""

    def __init__(self, features: int = 16):
        super().__init__()
        self.register_buffer(
            "frequencies", torch.exp(torch.linspace(0.0, math.log(100.0), features // 2)), persistent=False
        )

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * t[:, None] * self.frequencies
        return torch.cat([t[:, None], angle.sin(), angle.cos()], dim=1)


class DenoisingMLP(nn.Module):
    """f(x, t[, c]) -> R^dim: ``layers`` hidden layers of ``hidden`` SiLU units on [x, embed(t), embed(c)]."""

    def __init__(self, dim: int = 2, hidden: int = 128, layers: int = 3, time_features: int = 16, classes: int = 0):
        super().__init__()
        self.dim, self.classes = dim, classes
        self.time = FourierTime(time_features)
        self.input = nn.Linear(dim + time_features + 1, hidden)
        self.class_embedding = nn.Embedding(classes + 1, hidden) if classes else None  # index `classes`: no class
        body: list[nn.Module] = [nn.SiLU()]
        for _ in range(layers - 1):
            body += [nn.Linear(hidden, hidden), nn.SiLU()]
        self.body = nn.Sequential(*body, nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor | float, label: torch.Tensor | None = None) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype)
        h = self.input(torch.cat([x, self.time(t.expand(len(x)) if t.dim() == 0 else t)], dim=1))
        if self.class_embedding is not None:
            h = h + self.class_embedding(
                torch.full((len(x),), self.classes, dtype=torch.long) if label is None else label
            )
        return self.body(h)

    def guided(self, label: int | torch.Tensor | None, scale: float = 0.0):
        """The field (x, t) -> f: unconditional, conditional on ``label`` (one class, or one per
        row of x), or classifier-free guided at ``scale`` w: (1 + w) f(x, t, c) - w f(x, t, none)."""
        if label is None:
            return lambda x, t: self(x, t)

        def field(x, t):
            c = torch.full((len(x),), label, dtype=torch.long) if isinstance(label, int) else label
            conditional = self(x, t, c)
            return conditional if scale == 0 else (1 + scale) * conditional - scale * self(x, t)

        return field
