"""The bounds on log p(x) of a :class:`engine.vae.models.VAE`, in nats per image.

ELBO (lecture notes, "VAE optimization"; Kingma & Welling, 2014):

    ELBO(x) = E_{z~q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x)

with the Gaussian KL in closed form (notes: "VAE standard instance"),

    KL(N(mu, diag sigma^2) || N(0, I)) = 1/2 sum_j (sigma_j^2 + mu_j^2 - 1 - log sigma_j^2).

IWAE bound (notes: "IWAE outline"; Burda et al., 2016), with z_1..z_k ~ q(z|x):

    L_k(x) = E[ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) ],   L_1 = ELBO <= L_k <= L_{k+1} -> log p(x),

so L_5000 is the usual estimate of the test log-likelihood. A beta-VAE is trained on
E_q[log p(x|z)] - beta KL (Higgins et al., 2017): beta = 1 is the ELBO.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from engine.vae.models import VAE

LOG_2PI = math.log(2 * math.pi)
IWAE_CURVE_KS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]  # the k of the page's "L_k approaches log p(x)" plot


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag e^log_var) || N(0, I)) per latent dimension, shape like ``mu``."""
    return 0.5 * (log_var.exp() + mu.square() - 1.0 - log_var)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x|z) = sum_j [x_j log s_j + (1 - x_j) log(1 - s_j)], s = sigmoid(logits); sums the last axis."""
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last axis."""
    return -0.5 * (z.square() + LOG_2PI).sum(-1)


def diagonal_normal_log_density(z: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag e^log_var), summed over the last axis."""
    return -0.5 * ((z - mu).square() / log_var.exp() + log_var + LOG_2PI).sum(-1)


def reparameterize(
    mu: torch.Tensor, log_var: torch.Tensor, samples: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """z = mu + sigma * eps, eps ~ N(0, I): shape (samples, n, latent_dim)."""
    eps = torch.randn((samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + (0.5 * log_var).exp() * eps


def elbo_terms(
    model: VAE, x: torch.Tensor, samples: int = 1, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """Per image: ``reconstruction`` E_q[log p(x|z)] (Monte Carlo, ``samples`` draws), ``kl``
    (closed form), ``elbo`` = reconstruction - kl, and ``kl_per_dimension`` (n, latent_dim)."""
    x = x.reshape(len(x), -1)
    mu, log_var = model.encode(x)
    z = reparameterize(mu, log_var, samples, generator)
    reconstruction = bernoulli_log_likelihood(model.decoder_logits(z), x).mean(0)
    kl_per_dimension = gaussian_kl(mu, log_var)
    kl = kl_per_dimension.sum(-1)
    return {
        "reconstruction": reconstruction,
        "kl": kl,
        "elbo": reconstruction - kl,
        "kl_per_dimension": kl_per_dimension,
    }


def log_importance_weights(
    model: VAE, x: torch.Tensor, samples: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x), z_i ~ q(z|x): shape (samples, n)."""
    x = x.reshape(len(x), -1)
    mu, log_var = model.encode(x)
    z = reparameterize(mu, log_var, samples, generator)
    return (
        bernoulli_log_likelihood(model.decoder_logits(z), x)
        + standard_normal_log_density(z)
        - diagonal_normal_log_density(z, mu, log_var)
    )


def iwae_bound(
    model: VAE, x: torch.Tensor, samples: int, generator: torch.Generator | None = None, chunk: int = 500
) -> torch.Tensor:
    """L_k(x) = log (1/k) sum_i w_i per image, k = ``samples``; the weights are drawn ``chunk`` at a
    time (for k = 5,000 this bounds memory) and combined with a stable log-sum-exp."""
    if samples < 1:
        raise ValueError(f"The number of importance samples must be at least 1; got {samples}.")
    log_sums = []
    done = 0
    while done < samples:
        take = min(chunk, samples - done)
        log_sums.append(torch.logsumexp(log_importance_weights(model, x, take, generator), dim=0))
        done += take
    return torch.logsumexp(torch.stack(log_sums), dim=0) - math.log(samples)


def training_loss(
    model: VAE, x: torch.Tensor, beta: float = 1.0, importance_samples: int = 1
) -> dict[str, torch.Tensor]:
    """Mean loss over the batch: -(E_q log p(x|z) - beta KL) for k = 1, else -L_k (IWAE: beta, and
    so a KL warm-up, do not apply; the bound has no separate KL term).

    Also returns the batch's mean ``reconstruction`` and ``kl`` (the ELBO's terms) for display.
    """
    if importance_samples > 1:
        with torch.no_grad():  # shown only: the loss is the bound
            terms = elbo_terms(model, x)
        loss = -iwae_bound(model, x, importance_samples, chunk=importance_samples).mean()
    else:
        terms = elbo_terms(model, x)
        loss = -(terms["reconstruction"] - beta * terms["kl"]).mean()
    return {"loss": loss, "reconstruction": terms["reconstruction"].mean().detach(), "kl": terms["kl"].mean().detach()}


def iwae_bounds(
    model: VAE, x: torch.Tensor, ks: list[int], pool: int, generator: torch.Generator | None = None, chunk: int = 500
) -> dict[int, torch.Tensor]:
    """Per-image estimates of L_k for every k in ``ks`` from one pool of ``pool`` importance weights:
    the pool is cut into pool // k groups of k, and L_k is the mean over groups of
    log (1/k) sum_group w_i. Each group is an independent draw of the k-sample bound, so the
    estimates are smooth in k (k = pool uses the whole pool: one draw of L_pool)."""
    if not ks or min(ks) < 1 or max(ks) > pool:
        raise ValueError(f"Each k must be between 1 and the pool size {pool}; got {ks}.")
    x = x.reshape(len(x), -1)
    log_weights = torch.cat(
        [log_importance_weights(model, x, min(chunk, pool - done), generator) for done in range(0, pool, chunk)]
    )
    bounds = {}
    for k in ks:
        groups = pool // k
        grouped = log_weights[: groups * k].reshape(groups, k, -1)
        bounds[k] = (torch.logsumexp(grouped, dim=1) - math.log(k)).mean(0)
    return bounds


@torch.no_grad()
def test_figures(
    model: VAE, images: torch.Tensor, importance_samples: int = 5000, seed: int = 0, batch: int = 100
) -> dict:
    """Held-out means in nats: ELBO, reconstruction, KL (1 posterior sample per image, as in
    training), log p(x) estimated by L_k with k = ``importance_samples``, and ``iwae_curve``: L_k for
    :data:`IWAE_CURVE_KS`, from the same pool of weights (:func:`iwae_bounds`)."""
    generator = torch.Generator().manual_seed(seed)
    ks = [*IWAE_CURVE_KS, importance_samples]
    totals = {"elbo": 0.0, "reconstruction": 0.0, "kl": 0.0}
    curve = torch.zeros(len(ks))
    for start in range(0, len(images), batch):
        x = images[start : start + batch].reshape(-1, 784)
        terms = elbo_terms(model, x, samples=1, generator=generator)
        for name in totals:
            totals[name] += terms[name].sum().item()
        bounds = iwae_bounds(model, x, ks, importance_samples, generator)
        curve += torch.stack([bounds[k].sum() for k in ks])
    figures = {name: total / len(images) for name, total in totals.items()}
    curve /= len(images)
    figures["log_likelihood"] = curve[-1].item()
    figures["iwae_curve"] = curve[:-1].tolist()
    return figures
