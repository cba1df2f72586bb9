"""Monotone rational-quadratic spline with identity tails.

Source: C. Durkan, A. Bekasov, I. Murray, G. Papamakarios, "Neural Spline Flows",
NeurIPS 2019 (Sec. 3.1 and Appendix A), following Gregory & Delbourgo (1982).

On the box [-B, B] the map is a monotone rational-quadratic spline with K bins; outside the
box it is the identity, so the boundary derivatives are fixed to 1 and the map is continuous
and differentiable everywhere.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

DEFAULT_MIN_BIN_WIDTH = 1e-3
DEFAULT_MIN_BIN_HEIGHT = 1e-3
DEFAULT_MIN_DERIVATIVE = 1e-3

# softplus(IDENTITY_DERIVATIVE_OFFSET) + min_derivative == 1: a zero raw derivative gives slope 1.
IDENTITY_DERIVATIVE_OFFSET = math.log(math.expm1(1.0 - DEFAULT_MIN_DERIVATIVE))


def _knots(unnormalized: torch.Tensor, tail_bound: float, min_size: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax -> bin sizes (each >= min_size of the box) -> knot positions in [-B, B]."""
    n_bins = unnormalized.shape[-1]
    sizes = torch.softmax(unnormalized, dim=-1)
    sizes = min_size + (1.0 - min_size * n_bins) * sizes
    knots = torch.cumsum(sizes, dim=-1)
    knots = F.pad(knots, (1, 0), value=0.0)
    knots = 2.0 * tail_bound * knots - tail_bound
    # Pin the end knots exactly so the spline meets the identity tails without a gap.
    knots = torch.cat(
        (torch.full_like(knots[..., :1], -tail_bound), knots[..., 1:-1], torch.full_like(knots[..., :1], tail_bound)),
        dim=-1,
    )
    return knots, knots[..., 1:] - knots[..., :-1]


def rational_quadratic_spline(
    x: torch.Tensor,
    widths: torch.Tensor,
    heights: torch.Tensor,
    derivatives: torch.Tensor,
    inverse: bool = False,
    tail_bound: float = 5.0,
    min_bin_width: float = DEFAULT_MIN_BIN_WIDTH,
    min_bin_height: float = DEFAULT_MIN_BIN_HEIGHT,
    min_derivative: float = DEFAULT_MIN_DERIVATIVE,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Elementwise monotone rational-quadratic spline on [-B, B], identity outside.

    Args:
        x: inputs, any shape ``S``.
        widths: unnormalised bin widths, shape ``S + (K,)``; softmax makes them sum to 2B.
        heights: unnormalised bin heights, shape ``S + (K,)``; softmax, as for the widths.
        derivatives: unnormalised derivatives at the K-1 interior knots, shape ``S + (K-1,)``;
            slope = min_derivative + softplus(derivatives + IDENTITY_DERIVATIVE_OFFSET), so that
            all-zero inputs (with all-zero widths and heights) give the identity map.
            The slopes at the two boundary knots are 1 (identity tails).
        inverse: evaluate the inverse map (closed-form root of a quadratic) instead.
        tail_bound: B.

    Returns:
        ``(y, logabsdet)`` with ``logabsdet = log |dy/dx|`` of the map actually evaluated
        (for ``inverse=True`` that is the log-derivative of the inverse).

    In bin k with knots (x_k, y_k), width w_k, height h_k, slopes d_k, d_{k+1},
    s_k = h_k / w_k and theta = (x - x_k) / w_k:

        y = y_k + h_k [s_k theta^2 + d_k theta (1 - theta)]
                  / [s_k + (d_{k+1} + d_k - 2 s_k) theta (1 - theta)]

        dy/dx = s_k^2 [d_{k+1} theta^2 + 2 s_k theta (1 - theta) + d_k (1 - theta)^2]
                / [s_k + (d_{k+1} + d_k - 2 s_k) theta (1 - theta)]^2
    """
    n_bins = widths.shape[-1]
    if min_bin_width * n_bins > 1.0 or min_bin_height * n_bins > 1.0:
        raise ValueError(f"Minimum bin size too large for {n_bins} bins; lower min_bin_width/height.")

    inside = (x >= -tail_bound) & (x <= tail_bound)
    # Evaluate the spline on the clamped input everywhere (no boolean indexing, no NaN
    # gradients from the unused branch), then select the identity outside the box.
    x_in = x.clamp(-tail_bound, tail_bound)

    knots_x, bin_widths = _knots(widths, tail_bound, min_bin_width)
    knots_y, bin_heights = _knots(heights, tail_bound, min_bin_height)
    slopes = min_derivative + F.softplus(derivatives + IDENTITY_DERIVATIVE_OFFSET)
    slopes = F.pad(slopes, (1, 1), value=1.0)

    # Bin index: number of interior knots at or below the input.
    search = knots_y if inverse else knots_x
    bin_idx = (x_in.unsqueeze(-1) >= search[..., 1:-1]).sum(dim=-1, keepdim=True)

    x_k = knots_x.gather(-1, bin_idx).squeeze(-1)
    w_k = bin_widths.gather(-1, bin_idx).squeeze(-1)
    y_k = knots_y.gather(-1, bin_idx).squeeze(-1)
    h_k = bin_heights.gather(-1, bin_idx).squeeze(-1)
    d_k = slopes.gather(-1, bin_idx).squeeze(-1)
    d_k1 = slopes.gather(-1, bin_idx + 1).squeeze(-1)
    s_k = h_k / w_k
    curvature = d_k1 + d_k - 2.0 * s_k

    if not inverse:
        theta = (x_in - x_k) / w_k
        theta_1m = theta * (1.0 - theta)
        denominator = s_k + curvature * theta_1m
        y_in = y_k + h_k * (s_k * theta.square() + d_k * theta_1m) / denominator
        derivative_numerator = s_k.square() * (
            d_k1 * theta.square() + 2.0 * s_k * theta_1m + d_k * (1.0 - theta).square()
        )
        logabsdet_in = torch.log(derivative_numerator) - 2.0 * torch.log(denominator)
    else:
        dy = x_in - y_k
        a = h_k * (s_k - d_k) + dy * curvature
        b = h_k * d_k - dy * curvature
        c = -s_k * dy
        discriminant = (b.square() - 4.0 * a * c).clamp_min(0.0)
        # Numerically stable root of a theta^2 + b theta + c = 0 in [0, 1].
        theta = (2.0 * c) / (-b - torch.sqrt(discriminant))
        y_in = theta * w_k + x_k
        theta_1m = theta * (1.0 - theta)
        denominator = s_k + curvature * theta_1m
        derivative_numerator = s_k.square() * (
            d_k1 * theta.square() + 2.0 * s_k * theta_1m + d_k * (1.0 - theta).square()
        )
        logabsdet_in = -(torch.log(derivative_numerator) - 2.0 * torch.log(denominator))

    y = torch.where(inside, y_in, x)
    logabsdet = torch.where(inside, logabsdet_in, torch.zeros_like(logabsdet_in))
    return y, logabsdet
