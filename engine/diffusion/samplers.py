"""Samplers, each with the number of steps as the knob; ``field(x, t)`` is the model's output (eps
for diffusion, v for flow matching; see :meth:`DenoisingMLP.guided` for the conditional and
guided fields). Each returns the samples, or with ``keep_path`` the whole path (steps + 1, n, dim)
from noise to data.

* :func:`ddpm_ancestral`: the reverse process of Ho et al. (2020), Algorithm 2, on the grid
  t_k = k / N: x_{k-1} = (x_k - beta_k / sqrt(1 - abar_k) eps) / sqrt(alpha_k) + sigma_k z with the
  posterior variance sigma_k^2 = beta_k (1 - abar_{k-1}) / (1 - abar_k).
* :func:`ddim`: deterministic DDIM (Song, Meng & Ermon, ICLR 2021, eta = 0), a discretisation of
  the probability-flow ODE: x_hat_0 = (x_k - sqrt(1 - abar_k) eps) / sqrt(abar_k),
  x_{k-1} = sqrt(abar_{k-1}) x_hat_0 + sqrt(1 - abar_{k-1}) eps.
* :func:`annealed_langevin`: Song & Ermon (NeurIPS 2019), Algorithm 1, with the score
  s = -eps / sigma(t): at each level, x <- x + (a / 2) s(x, t) + sqrt(a) z with a = step_scale
  sigma(t)^2, a DDIM step between levels, and a last denoising step x_hat_0 (Tweedie's formula)
  at the smallest level. Its samples come out a little too wide: with steps ~ sigma^2 the chains
  stop mixing at small sigma.
* :func:`flow_ode`: the flow-matching ODE dx/dt = v(x, t) from t = 0 (noise)
  to t = 1 (data); Heun (the trapezoidal predictor-corrector) costs two evaluations a step.
"""

from __future__ import annotations

import torch

from engine.diffusion.losses import T_MIN
from engine.diffusion.schedules import NoiseSchedule

SAMPLERS = {
    "ddpm": "DDPM ancestral (reverse SDE)",
    "ddim": "DDIM (probability-flow ODE)",
    "langevin": "annealed Langevin (score)",
    "euler": "flow matching, Euler",
    "heun": "flow matching, Heun",
}
DIFFUSION_SAMPLERS = ("ddpm", "ddim", "langevin")
FLOW_SAMPLERS = ("euler", "heun")


def _finish(path: list[torch.Tensor], keep_path: bool) -> torch.Tensor:
    return torch.stack(path) if keep_path else path[-1]


def _start(n: int, dim: int, generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(n, dim, generator=generator)


@torch.no_grad()
def ddpm_ancestral(
    field,
    schedule: NoiseSchedule,
    n: int,
    steps: int,
    generator: torch.Generator | None = None,
    dim: int = 2,
    keep_path: bool = False,
) -> torch.Tensor:
    x = _start(n, dim, generator)
    path = [x]
    times = torch.linspace(0.0, 1.0, steps + 1)
    for k in range(steps, 0, -1):
        abar, abar_before = schedule.alpha_bar(times[k]), schedule.alpha_bar(times[k - 1])
        alpha = abar / abar_before
        beta = 1 - alpha
        eps = field(x, times[k].expand(n))
        x = (x - beta / (1 - abar).sqrt() * eps) / alpha.sqrt()
        if k > 1:
            x = x + (beta * (1 - abar_before) / (1 - abar)).sqrt() * torch.randn(x.shape, generator=generator)
        path.append(x)
    return _finish(path, keep_path)


@torch.no_grad()
def ddim(
    field,
    schedule: NoiseSchedule,
    n: int,
    steps: int,
    generator: torch.Generator | None = None,
    dim: int = 2,
    keep_path: bool = False,
) -> torch.Tensor:
    x = _start(n, dim, generator)
    path = [x]
    times = torch.linspace(0.0, 1.0, steps + 1)
    for k in range(steps, 0, -1):
        abar, abar_before = schedule.alpha_bar(times[k]), schedule.alpha_bar(times[k - 1])
        eps = field(x, times[k].expand(n))
        x0 = (x - (1 - abar).sqrt() * eps) / abar.sqrt()
        x = abar_before.sqrt() * x0 + (1 - abar_before).sqrt() * eps
        path.append(x)
    return _finish(path, keep_path)


@torch.no_grad()
def annealed_langevin(
    field,
    schedule: NoiseSchedule,
    n: int,
    steps: int,
    generator: torch.Generator | None = None,
    dim: int = 2,
    keep_path: bool = False,
    steps_per_level: int = 10,
    step_scale: float = 0.2,
) -> torch.Tensor:
    """``steps`` noise levels from t = 1 down to T_MIN, ``steps_per_level`` Langevin steps each;
    each level starts from the last one's samples moved by a DDIM step (the predictor of Song et
    al.'s predictor-corrector sampler): in the VP process the data's mean drifts with t, which
    Langevin steps ~ sigma^2 cannot follow once sigma is small."""
    x = _start(n, dim, generator)
    path = [x]
    levels = torch.linspace(1.0, T_MIN, steps)
    for level, t in enumerate(levels):
        if level:
            before = levels[level - 1]
            eps = field(x, before.expand(n))
            x0 = (x - schedule.sigma(before) * eps) / schedule.alpha_bar(before).sqrt()
            x = schedule.alpha_bar(t).sqrt() * x0 + schedule.sigma(t) * eps
        sigma = schedule.sigma(t)
        a = step_scale * sigma**2
        for _ in range(steps_per_level):
            score = -field(x, t.expand(n)) / sigma
            x = x + a / 2 * score + a.sqrt() * torch.randn(x.shape, generator=generator)
        path.append(x)
    t = levels[-1]
    x = (x - schedule.sigma(t) * field(x, t.expand(n))) / schedule.alpha_bar(t).sqrt()  # Tweedie: E[x_0 | x_t]
    path.append(x)
    return _finish(path, keep_path)


@torch.no_grad()
def flow_ode(
    field,
    n: int,
    steps: int,
    generator: torch.Generator | None = None,
    dim: int = 2,
    keep_path: bool = False,
    heun: bool = False,
    x0: torch.Tensor | None = None,
) -> torch.Tensor:
    """Euler: x <- x + dt v(x, t); Heun: the Euler step as a predictor, then x <- x + dt/2 (v(x, t) + v(x_pred, t + dt))."""
    x = _start(n, dim, generator) if x0 is None else x0
    path = [x]
    dt = 1.0 / steps
    for k in range(steps):
        t = torch.full((len(x),), k * dt)
        v = field(x, t)
        x = x + dt / 2 * (v + field(x + dt * v, t + dt)) if heun else x + dt * v
        path.append(x)
    return _finish(path, keep_path)


def sample(
    sampler: str,
    field,
    schedule: NoiseSchedule | None,
    n: int,
    steps: int,
    generator: torch.Generator | None = None,
    keep_path: bool = False,
) -> torch.Tensor:
    """Dispatch by name (a key of :data:`SAMPLERS`)."""
    if sampler in DIFFUSION_SAMPLERS:
        function = {"ddpm": ddpm_ancestral, "ddim": ddim, "langevin": annealed_langevin}[sampler]
        return function(field, schedule, n, steps, generator, keep_path=keep_path)
    if sampler in FLOW_SAMPLERS:
        return flow_ode(field, n, steps, generator, keep_path=keep_path, heun=sampler == "heun")
    raise ValueError(f"Unknown sampler {sampler!r}; choose one of: {', '.join(SAMPLERS)}.")
