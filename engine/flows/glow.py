"""Glow building blocks for vector data: ActNorm and an LU-parameterised invertible linear map.

Source: D. P. Kingma, P. Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions",
NeurIPS 2018. For d-dimensional points the 1x1 convolution is simply an invertible d x d
matrix. A Glow step is ActNorm -> invertible linear -> affine coupling.
"""

from __future__ import annotations

import torch
from torch import nn


class ActNorm(nn.Module):
    """Activation normalisation (Glow, Sec. 3.1): per-dimension affine map.

    z = (x + bias) * exp(log_scale);  inverse x = z * exp(-log_scale) - bias;
    log|det df/dx| = sum_i log_scale_i.

    Data-dependent initialisation: the first batch seen in training mode with gradients
    enabled (i.e. the first training step) sets bias = -mean and log_scale = -log(std), so
    that batch comes out with zero mean and unit variance per dimension. Whether that has
    happened is stored in the ``initialized`` buffer, so it survives state_dict round trips
    (a loaded, trained model is not re-initialised). Visual passes under ``torch.no_grad``
    or in eval mode never trigger it.
    """

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(dim))
        self.log_scale = nn.Parameter(torch.zeros(dim))
        self.register_buffer("initialized", torch.tensor(False))
        self.eps = eps

    @torch.no_grad()
    def initialize_from(self, x: torch.Tensor) -> None:
        """Set bias and scale so that ``x`` maps to zero mean and unit variance."""
        mean = x.mean(dim=0)
        std = x.std(dim=0, unbiased=False) if x.shape[0] > 1 else torch.ones_like(mean)
        self.bias.copy_(-mean)
        self.log_scale.copy_(-torch.log(std + self.eps))
        self.initialized.fill_(True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and torch.is_grad_enabled() and not bool(self.initialized):
            self.initialize_from(x)
        z = (x + self.bias) * torch.exp(self.log_scale)
        return z, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.exp(-self.log_scale) - self.bias

    def describe(self) -> str:
        return "actnorm"


class InvertibleLinear(nn.Module):
    """Invertible linear map z = W x, the d-dimensional analogue of Glow's 1x1 convolution.

    LU parameterisation (Glow, Sec. 3.2): W = P L (U + diag(sign * exp(log_s))), with P a
    fixed permutation, L unit lower triangular, U strictly upper triangular, and fixed signs.
    log|det df/dx| = log|det W| = sum_i log_s_i. Initialised from a random rotation.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(dim, dim))
        p, lower, upper = torch.linalg.lu(q)
        diag = torch.diagonal(upper)
        self.register_buffer("permutation", p)
        self.register_buffer("sign_s", torch.sign(diag))
        self.register_buffer("lower_mask", torch.tril(torch.ones(dim, dim), -1))
        self.register_buffer("identity", torch.eye(dim))
        self.lower = nn.Parameter(lower * self.lower_mask)
        self.upper = nn.Parameter(torch.triu(upper, 1))
        self.log_s = nn.Parameter(torch.log(diag.abs()))
        self.dim = dim

    def weight(self) -> torch.Tensor:
        """W = P L (U + diag(sign * exp(log_s)))."""
        lower = self.lower * self.lower_mask + self.identity
        upper = self.upper * self.lower_mask.T + torch.diag(self.sign_s * torch.exp(self.log_s))
        return self.permutation @ lower @ upper

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = x @ self.weight().T
        return z, self.log_s.sum().expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z @ torch.linalg.inv(self.weight()).T

    def describe(self) -> str:
        return f"linear {self.dim}x{self.dim}"
