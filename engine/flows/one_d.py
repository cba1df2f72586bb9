"""One-dimensional flows (inputs of shape (n, 1)).

Lecture "Universality of 1D flows": if F is the CDF of X then F(X) ~ Uniform(0, 1) and
Phi^{-1}(F(X)) ~ N(0, 1), so z = Phi^{-1}(F(x)) is a flow to the standard normal and the
model density is p_x(x) = phi(z) |dz/dx| = F'(x). Learning a flexible CDF F therefore gives
a universal 1-D density model. Here F is a mixture of logistics CDF (a learnable,
tractable choice, as in the mixture-of-logistics CDF coupling of Flow++: J. Ho, X. Chen,
A. Srinivas, Y. Duan, P. Abbeel, ICML 2019).

The contrast model is a single affine map, i.e. a single Gaussian, which cannot fit two modes.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
LOG_HALF = math.log(0.5)
# exp(-700) is still a normal float64; below that ndtri would return +-inf.
MIN_LOG_PROB = -700.0


class MixtureCDFLayer(nn.Module):
    """z = Phi^{-1}(F(x)) with F a mixture-of-logistics CDF (lecture: universality via the CDF).

    F(x) = sum_k pi_k sigmoid((x - mu_k) / s_k), pi = softmax(logits), s_k = exp(log_scales_k).
    log|dz/dx| = log F'(x) - log phi(z), with
    F'(x) = sum_k pi_k sigmoid(u_k) sigmoid(-u_k) / s_k,  u_k = (x - mu_k) / s_k.

    With one layer the model density is exactly the logistic mixture: p_x(x) = F'(x).
    Numerics: computed in float64; log F and log(1 - F) come from logsumexp of logsigmoids,
    and z = ndtri(F) in the lower half (F < 1/2), z = -ndtri(1 - F) in the upper half, so both
    tails keep full relative precision. The inverse is a vectorised bisection on
    logit F(x) = logit Phi(z), started from a bracket that provably contains the root.
    """

    def __init__(self, components: int = 8, init_range: float = 3.0) -> None:
        super().__init__()
        self.components = components
        self.logits = nn.Parameter(torch.zeros(components))
        means = torch.linspace(-init_range, init_range, components) if components > 1 else torch.zeros(1)
        self.means = nn.Parameter(means)
        spacing = 2.0 * init_range / max(components - 1, 1)
        self.log_scales = nn.Parameter(torch.full((components,), math.log(max(spacing, 0.5))))

    def _standardised(self, x64: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """u_k = (x - mu_k)/s_k (n, K), log pi (K,), log s (K,) in float64."""
        log_pi = torch.log_softmax(self.logits.double(), dim=0)
        log_s = self.log_scales.double()
        u = (x64 - self.means.double()) * torch.exp(-log_s)
        return u, log_pi, log_s

    def log_cdf(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(log F(x), log(1 - F(x))) in float64, each of shape (n,) for x of shape (n, 1)."""
        u, log_pi, _ = self._standardised(x.double())
        return (torch.logsumexp(log_pi + F.logsigmoid(u), dim=1), torch.logsumexp(log_pi + F.logsigmoid(-u), dim=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u, log_pi, log_s = self._standardised(x.double())
        log_sig_pos, log_sig_neg = F.logsigmoid(u), F.logsigmoid(-u)
        log_cdf = torch.logsumexp(log_pi + log_sig_pos, dim=1)
        log_sf = torch.logsumexp(log_pi + log_sig_neg, dim=1)
        log_density = torch.logsumexp(log_pi + log_sig_pos + log_sig_neg - log_s, dim=1)
        lower = log_cdf < LOG_HALF
        # Feed each branch a safe argument so the untaken branch never produces inf/NaN grads.
        p_lower = torch.exp(torch.where(lower, log_cdf, torch.full_like(log_cdf, LOG_HALF)).clamp_min(MIN_LOG_PROB))
        p_upper = torch.exp(torch.where(lower, torch.full_like(log_sf, LOG_HALF), log_sf).clamp_min(MIN_LOG_PROB))
        z = torch.where(lower, torch.special.ndtri(p_lower), -torch.special.ndtri(p_upper))
        log_phi_z = -0.5 * z.square() - HALF_LOG_TWO_PI
        logdet = log_density - log_phi_z
        return z.unsqueeze(1).to(x.dtype), logdet.to(x.dtype)

    @torch.no_grad()
    def inverse(self, z: torch.Tensor, tol: float = 1e-9, max_iter: int = 200) -> torch.Tensor:
        z64 = z.double().squeeze(1)
        # Target logit F(x) = logit Phi(z), precise in both tails.
        target_logit = torch.special.log_ndtr(z64) - torch.special.log_ndtr(-z64)
        means, scales = self.means.double(), torch.exp(self.log_scales.double())
        # If x <= min_k(mu_k + s_k t) every sigmoid is <= sigmoid(t), so F(x) <= sigmoid(t);
        # symmetrically x >= max_k(...) gives F(x) >= sigmoid(t). Hence [lo, hi] holds the root.
        candidates = means + scales * target_logit.unsqueeze(1)
        lo, hi = candidates.min(dim=1).values, candidates.max(dim=1).values
        for _ in range(max_iter):
            mid = 0.5 * (lo + hi)
            log_cdf, log_sf = self.log_cdf(mid.unsqueeze(1))
            below = (log_cdf - log_sf) < target_logit
            lo = torch.where(below, mid, lo)
            hi = torch.where(below, hi, mid)
            if float((hi - lo).max()) <= tol:
                break
        return (0.5 * (lo + hi)).unsqueeze(1).to(z.dtype)

    def describe(self) -> str:
        return f"mixture CDF ({self.components} logistics) then inverse normal CDF"


class AffineLayer1D(nn.Module):
    """z = (x - b) * exp(-log_s): with a standard normal base, x ~ N(b, exp(log_s)^2).

    log|dz/dx| = -log_s. The single-Gaussian contrast to the mixture CDF flow: it cannot fit
    two modes (lecture: "Basic example: affine flows").
    """

    def __init__(self) -> None:
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(1))
        self.log_scale = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = (x - self.shift) * torch.exp(-self.log_scale)
        return z, (-self.log_scale).expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.exp(self.log_scale) + self.shift

    def describe(self) -> str:
        return "affine (single Gaussian)"
