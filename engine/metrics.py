"""Metrics for density models, from exact log-densities evaluated on samples.

With samples x_i ~ p and exact log p (targets that have one) and log q (the model):

- negative log-likelihood  NLL = -1/n sum_i log q(x_i)          (cross-entropy H(p, q))
- entropy                  H(p) = -1/n sum_i log p(x_i)         (the floor of the NLL)
- KL divergence            KL(p || q) = 1/n sum_i [log p(x_i) - log q(x_i)] = H(p, q) - H(p)

Each is a Monte Carlo estimate of an exact integral; the standard error is returned with it so
the page can say how precise the figure is.
"""

from __future__ import annotations

import math

import torch


def mean_and_standard_error(values: torch.Tensor) -> tuple[float, float]:
    """Mean and standard error of the mean; (inf, 0) when any value is infinite."""
    values = values.double()
    if not torch.isfinite(values).all():
        return math.inf, 0.0
    n = values.numel()
    std = float(values.std()) if n > 1 else 0.0
    return float(values.mean()), std / math.sqrt(max(n, 1))


def negative_log_likelihood(log_q: torch.Tensor) -> tuple[float, float]:
    """NLL = -mean log q(x_i) in nats, with its standard error."""
    return mean_and_standard_error(-log_q)


def entropy(log_p: torch.Tensor) -> tuple[float, float]:
    """H(p) = -E_p[log p], estimated on samples of p, with its standard error."""
    return mean_and_standard_error(-log_p)


def kl_divergence(log_p: torch.Tensor, log_q: torch.Tensor) -> tuple[float, float]:
    """KL(p || q) = E_p[log p - log q], estimated on samples of p, with its standard error."""
    return mean_and_standard_error(log_p - log_q)


def held_out_figures(log_q: torch.Tensor, log_p: torch.Tensor | None) -> dict[str, float]:
    """What a live density page shows: ``nll`` and, where the target's log p is known on the same
    samples, ``kl`` and the floor ``entropy`` (so NLL - H(p) = KL exactly), each with ``_se``."""
    nll, nll_se = negative_log_likelihood(log_q)
    figures = {"nll": nll, "nll_se": nll_se}
    if log_p is not None:
        (kl, kl_se), (floor, floor_se) = kl_divergence(log_p, log_q), entropy(log_p)
        figures |= {"kl": kl, "kl_se": kl_se, "entropy": floor, "entropy_se": floor_se}
    return figures
