"""Fitting a model q to a target p by minimising a divergence, and the variational (f-GAN)
estimate of a divergence from samples.

* :class:`Mixture1D`: a mixture of 1-D Gaussians (the editable target, and the model family:
  one Gaussian, or K of them).
* :func:`fit`: gradient descent (Adam) on q's parameters, minimising D(p, q) computed on a grid
  in log space, which is exact up to quadrature and differentiable. Forward KL(p||q) is mode
  covering (for one Gaussian it matches p's mean and variance); reverse KL(q||p) is mode seeking
  (lecture notes, "f-GAN"; Minka, "Divergence measures and message passing", 2005).
* :func:`variational_estimate`: a small critic T trained to maximise E_p[T] - E_q[f*(T)], a lower
  bound on D_f(p||q) that is tight at T = f'(p/q) (Nguyen, Wainwright & Jordan, 2010; Nowozin et
  al., 2016, eq. 4), using the output activations of :data:`engine.f_divergences.F_DIVERGENCES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.f_divergences import F_DIVERGENCES

LOG2 = math.log(2.0)
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
MIN_STD = 1e-3
INITIAL_STD = 1.0  # a fit starts from unit-width components


@dataclass(frozen=True)
class Mixture1D:
    """sum_k w_k N(mean_k, std_k^2), weights renormalised; ValueError on a degenerate mixture."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    def __post_init__(self):
        if not (len(self.weights) == len(self.means) == len(self.stds) >= 1):
            raise ValueError("A mixture needs as many weights, means and widths, and at least one component.")
        values = np.array([*self.weights, *self.means, *self.stds], dtype=float)
        if not np.all(np.isfinite(values)):
            raise ValueError("Weights, means and widths must be finite numbers.")
        if min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ValueError("Weights must be non-negative with a positive sum.")
        if min(self.stds) < MIN_STD:
            raise ValueError(f"Every width must be at least {MIN_STD:g}: a zero-width component has no density.")

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        weights = torch.tensor(self.weights, dtype=x.dtype)
        means, stds = torch.tensor(self.means, dtype=x.dtype), torch.tensor(self.stds, dtype=x.dtype)
        return _mixture_log_density(x, torch.log(weights / weights.sum()), means, stds)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        weights = torch.tensor(self.weights, dtype=torch.float64)
        component = torch.multinomial(weights / weights.sum(), n, replacement=True, generator=generator)
        noise = torch.randn(n, generator=generator, dtype=torch.float64)
        return (
            torch.tensor(self.means, dtype=torch.float64)[component]
            + torch.tensor(self.stds, dtype=torch.float64)[component] * noise
        )


def _mixture_log_density(
    x: torch.Tensor, log_weights: torch.Tensor, means: torch.Tensor, stds: torch.Tensor
) -> torch.Tensor:
    """log sum_k w_k N(x; mean_k, std_k^2) at each point of ``x`` (n,); the mixture's parameters
    (..., K) may carry leading batch dimensions (several mixtures at once), giving (..., n)."""
    z = (x.unsqueeze(-1) - means.unsqueeze(-2)) / stds.unsqueeze(-2)
    return torch.logsumexp(
        log_weights.unsqueeze(-2) - 0.5 * z**2 - torch.log(stds).unsqueeze(-2) - LOG_SQRT_2PI, dim=-1
    )


# ----- divergences in log space on a grid, differentiable in q -----
def _kl(lp, lq, dx):
    return torch.sum(torch.exp(lp) * (lp - lq)) * dx


def _js(lp, lq, dx):
    lm = torch.logaddexp(lp, lq) - LOG2
    return 0.5 * _kl(lp, lm, dx) + 0.5 * _kl(lq, lm, dx)


def _alpha(alpha: float):
    def divergence(lp, lq, dx):
        return (torch.sum(torch.exp(alpha * lp + (1 - alpha) * lq)) * dx - 1) / (alpha * (alpha - 1))

    return divergence


def _w1(lp, lq, dx):
    return torch.sum(torch.abs(torch.cumsum(torch.exp(lp) - torch.exp(lq), 0) * dx)) * dx


FIT_DIVERGENCES: dict[str, tuple[str, Callable]] = {
    "kl": ("KL(p‖q), forward: mode covering", _kl),
    "reverse_kl": ("KL(q‖p), reverse: mode seeking", lambda lp, lq, dx: _kl(lq, lp, dx)),
    "js": ("Jensen–Shannon", _js),
    "tv": ("total variation", lambda lp, lq, dx: 0.5 * torch.sum(torch.abs(torch.exp(lp) - torch.exp(lq))) * dx),
    "hellinger": ("squared Hellinger", lambda lp, lq, dx: torch.sum((torch.exp(lp / 2) - torch.exp(lq / 2)) ** 2) * dx),
    "pearson": ("Pearson χ²", lambda lp, lq, dx: torch.sum(torch.exp(lq) * torch.expm1(lp - lq) ** 2) * dx),
    "neyman": ("Neyman χ²", lambda lp, lq, dx: torch.sum(torch.exp(lp) * torch.expm1(lq - lp) ** 2) * dx),
    "alpha_0.5": ("α-divergence, α = ½", _alpha(0.5)),
    "w1": ("Wasserstein-1", _w1),
}
"""Divergences a fit can minimise: key -> (label, D(log p, log q, dx) on a grid, in torch)."""


@dataclass
class FitResult:
    """The fitted mixture and the path there (for the animation): ``history`` holds
    (step, divergence, Mixture1D) every ``record_every`` steps, the last entry the final fit."""

    divergence: str
    fitted: Mixture1D
    value: float
    history: list[tuple[int, float, Mixture1D]] = field(default_factory=list)


def fit(target: Mixture1D, divergence: str, **options) -> FitResult:
    """Fit a mixture of Gaussians to ``target`` by minimising ``divergence``: the last result of
    :func:`fit_steps` (same options)."""
    return fit_all(target, [divergence], **options)[divergence]


def fit_all(target: Mixture1D, divergences: list[str], **options) -> dict[str, FitResult]:
    """One fit per divergence (the page's matrix), run together: the last yield of :func:`fit_steps`."""
    *_, last = fit_steps(target, divergences, **options)
    return last


def fit_steps(
    target: Mixture1D,
    divergences: str | list[str],
    components: int = 1,
    steps: int = 600,
    lr: float = 0.05,
    seed: int = 0,
    grid: np.ndarray | None = None,
    record_every: int = 20,
) -> Iterator[dict[str, FitResult]]:
    """Fit a mixture of ``components`` Gaussians to ``target`` by minimising each divergence,
    yielding {divergence: FitResult} every ``record_every`` steps (a page animates it).

    Parameters are unconstrained (weights by softmax, widths by softplus); q starts from unit
    widths and seeded means in the middle half of the grid, so a fit is reproducible from its
    seed, and different seeds show the different local optima of mode-seeking divergences.
    The fits are independent (each has its own parameters and its own loss term) but share one
    backward pass and one Adam step, which is what makes the full matrix fast; a fit whose
    divergence turns infinite stops there.
    """
    keys = [divergences] if isinstance(divergences, str) else list(divergences)
    unknown = [key for key in keys if key not in FIT_DIVERGENCES]
    if unknown or not keys:
        raise ValueError(
            f"Unknown divergence {', '.join(unknown) or '(none)'}; choose from {', '.join(FIT_DIVERGENCES)}."
        )
    if not 1 <= components <= 8:
        raise ValueError(f"The model has between 1 and 8 components; got {components}.")
    x = torch.as_tensor(default_grid(target) if grid is None else grid, dtype=torch.float64)
    dx = float(x[1] - x[0])
    log_p = target.log_density(x)
    generator = torch.Generator().manual_seed(seed)
    low, high = float(x[0]) / 2, float(x[-1]) / 2  # initial means: seeded, in the middle half of the grid
    initial_means = (
        (low + (high - low) * torch.rand(components, generator=generator, dtype=torch.float64)).sort().values
    )
    means = initial_means.repeat(len(keys), 1).requires_grad_()  # (fits, components)
    raw_stds = torch.full(
        (len(keys), components), math.log(math.expm1(INITIAL_STD)), dtype=torch.float64, requires_grad=True
    )
    logits = torch.zeros(len(keys), components, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([means, raw_stds, logits], lr=lr)
    histories: dict[str, list[tuple[int, float, Mixture1D]]] = {key: [] for key in keys}
    active = torch.ones(len(keys), dtype=torch.bool)

    def mixture(i: int) -> Mixture1D:
        stds = F.softplus(raw_stds[i]) + MIN_STD
        return Mixture1D(tuple(torch.softmax(logits[i], 0).tolist()), tuple(means[i].tolist()), tuple(stds.tolist()))

    for step in range(steps + 1):
        log_q = _mixture_log_density(
            x, torch.log_softmax(logits, 1), means, F.softplus(raw_stds) + MIN_STD
        )  # (fits, n)
        losses = [FIT_DIVERGENCES[key][1](log_p, log_q[i], dx) for i, key in enumerate(keys)]
        last = step == steps
        if step % record_every == 0 or last:
            with torch.no_grad():
                for i, key in enumerate(keys):
                    if active[i]:
                        histories[key].append((step, losses[i].item(), mixture(i)))
            yield {
                key: FitResult(key, history[-1][2], history[-1][1], list(history)) for key, history in histories.items()
            }
        active &= torch.stack([torch.isfinite(loss) for loss in losses]).detach()
        if last or not active.any():
            return
        optimizer.zero_grad()
        # log(1 + D): same minimiser, gradients scaled for divergences that start huge (chi^2)
        torch.stack([torch.log1p(loss) for i, loss in enumerate(losses) if active[i]]).sum().backward()
        for parameter in (means, raw_stds, logits):
            parameter.grad[~active] = 0.0
        optimizer.step()


def default_grid(*mixtures: Mixture1D, points: int = 2001, max_points: int = 20_001) -> np.ndarray:
    """A grid holding (almost) all the mass of every mixture: each component +- 6 widths, and
    each mixture's mean +- 6 of its overall standard deviations (where a one-Gaussian fit by a
    mass-covering divergence lives), with at least 5 points per narrowest width."""
    lows, highs, narrowest = [-5.0], [5.0], []
    for mixture in mixtures:
        weights, means, stds = (np.asarray(v, dtype=float) for v in (mixture.weights, mixture.means, mixture.stds))
        weights = weights / weights.sum()
        mean = float(weights @ means)
        spread = math.sqrt(max(float(weights @ (stds**2 + means**2)) - mean**2, 0.0))
        lows += [float(np.min(means - 6 * stds)), mean - 6 * spread]
        highs += [float(np.max(means + 6 * stds)), mean + 6 * spread]
        narrowest.append(float(stds.min()))
    low, high = min(lows), max(highs)
    return np.linspace(low, high, int(min(max_points, max(points, (high - low) / (min(narrowest) / 5)))))


# ----- the variational estimate -----
class Critic(nn.Module):
    """A small MLP critic v(x); T(x) = g_f(v(x)) through the f-divergence's output activation."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(1, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x[:, None]).squeeze(-1)


def variational_estimate(
    p: Mixture1D,
    q: Mixture1D,
    key: str,
    steps: int = 2000,
    batch: int = 512,
    lr: float = 2e-3,
    seed: int = 0,
    evaluation_samples: int = 20_000,
) -> Iterator[tuple[int, float]]:
    """Yield (step, estimate) as a critic learns to maximise E_p[T] - E_q[f*(T)] <= D_f(p||q)
    (``key`` in :data:`engine.f_divergences.F_DIVERGENCES`; for "js" the bound is on 2 JS, as in
    the f-GAN table). The estimate is evaluated on fixed held-out samples every 50 steps; the
    learning rate decays from ``lr`` to ``lr``/10 along a cosine over ``steps``."""
    if key not in F_DIVERGENCES:
        raise ValueError(f"Unknown f-divergence {key!r}; choose one of {', '.join(F_DIVERGENCES)}.")
    divergence = F_DIVERGENCES[key]
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    critic = Critic().double()
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, max(steps, 1), eta_min=lr / 10
    )  # a steadier critic at the end
    held_p, held_q = p.sample(evaluation_samples, generator), q.sample(evaluation_samples, generator)

    def bound(from_p: torch.Tensor, from_q: torch.Tensor) -> torch.Tensor:
        return (
            divergence.output_activation(critic(from_p)).mean() - divergence.conjugate_of_output(critic(from_q)).mean()
        )

    for step in range(steps + 1):
        if step % 50 == 0:
            with torch.no_grad():
                yield step, float(bound(held_p, held_q))
        if step == steps:
            return
        loss = -bound(p.sample(batch, generator), q.sample(batch, generator))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
