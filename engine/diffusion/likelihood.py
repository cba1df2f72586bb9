"""Exact log-likelihood through an ODE (Chen et al., "Neural ordinary differential equations",
NeurIPS 2018; Grathwohl et al., FFJORD, ICLR 2019; Song et al., 2021, appendix D.2): along a
trajectory of dx/dt = f(x, t), d/dt log p_t(x_t) = -div f(x_t, t), so

    log p_{t0}(x) = log p_{t1}(x(t1)) + int_{t0}^{t1} div f(x(t), t) dt.

In 2-D the divergence is the trace of a 2 x 2 Jacobian, computed exactly by autograd (two
backward passes), not by Hutchinson's estimate E[e^T J e]; the ODE is solved by torchdiffeq's
adaptive Dormand-Prince (dopri5) to the given tolerances, so the figure is exact up to them.

* Flow matching: f = v, from t0 = 1 (data) to t1 = 0, where p_0 = N(0, I).
* Diffusion: the probability-flow ODE of the VP SDE, f(x, t) = -1/2 beta(t) (x + score(x, t))
  with score = -eps(x, t) / sigma(t), from t0 = T_MIN to t1 = 1, where p_1 ~ N(0, I) (abar(1) is
  4e-5 linear, 9e-5 cosine). This is the density of x_{T_MIN}: the data plus Gaussian noise of
  std sigma(T_MIN) (0.01 with the linear schedule), a hair wider than the data's own density.
"""

from __future__ import annotations

import math

import torch
from torchdiffeq import odeint

from engine.diffusion.losses import T_MIN
from engine.diffusion.schedules import NoiseSchedule


def standard_normal_log_density(x: torch.Tensor) -> torch.Tensor:
    return -0.5 * x.pow(2).sum(dim=1) - 0.5 * x.shape[1] * math.log(2 * math.pi)


def divergence(field, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(f(x, t), div f(x, t)) with the divergence exact: sum_i d f_i / d x_i by autograd."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        f = field(x, t)
        trace = sum(
            torch.autograd.grad(f[:, i].sum(), x, retain_graph=i < x.shape[1] - 1)[0][:, i] for i in range(x.shape[1])
        )
    return f.detach(), trace.detach()


def hutchinson_divergence(
    field, x: torch.Tensor, t: torch.Tensor, probes: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Hutchinson's unbiased estimate E_e[e^T (df/dx) e], e Rademacher, averaged over ``probes``."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        f = field(x, t)
        total = torch.zeros(len(x))
        for _ in range(probes):
            e = torch.randint(0, 2, x.shape, generator=generator).float() * 2 - 1
            total += (torch.autograd.grad(f, x, e, retain_graph=True)[0] * e).sum(dim=1)
    return total / probes


def ode_log_likelihood(
    field, x: torch.Tensor, t0: float, t1: float, log_prior, rtol: float = 1e-5, atol: float = 1e-5
) -> tuple[torch.Tensor, int]:
    """log p_{t0}(x) for each row of ``x`` (n, dim), and the number of field evaluations."""
    evaluations = [0]

    def dynamics(t, state):
        evaluations[0] += 1
        f, div = divergence(field, state[:, :-1], t.expand(len(state)))
        return torch.cat([f, div[:, None]], dim=1)

    start = torch.cat([x.detach().float(), torch.zeros(len(x), 1)], dim=1)
    end = odeint(dynamics, start, torch.tensor([t0, t1]), rtol=rtol, atol=atol, method="dopri5")[-1]
    return log_prior(end[:, :-1]) + end[:, -1], evaluations[0]


def flow_matching_log_likelihood(velocity, x: torch.Tensor, **tolerances) -> tuple[torch.Tensor, int]:
    """log q(x) of a flow-matching model: data at t = 1, N(0, I) at t = 0."""
    return ode_log_likelihood(velocity, x, 1.0, 0.0, standard_normal_log_density, **tolerances)


def probability_flow(eps, schedule: NoiseSchedule):
    """The VP probability-flow ODE's field f(x, t) = -1/2 beta(t) (x - eps(x, t) / sigma(t))."""
    return lambda x, t: -0.5 * schedule.beta(t)[:, None] * (x - eps(x, t) / schedule.sigma(t)[:, None])


def diffusion_log_likelihood(
    eps, schedule: NoiseSchedule, x: torch.Tensor, t_min: float = T_MIN, **tolerances
) -> tuple[torch.Tensor, int]:
    """log q(x) of a diffusion model (of x at t_min, see the module docstring), via its probability-flow ODE."""
    return ode_log_likelihood(probability_flow(eps, schedule), x, t_min, 1.0, standard_normal_log_density, **tolerances)
