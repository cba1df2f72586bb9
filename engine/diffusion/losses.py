"""Training objectives (one minibatch each; ``t`` and ``noise`` may be given, for tests).

* DDPM, epsilon prediction (Ho et al., 2020, eq. 14; continuous t as in Song et al., 2021):
  L = E_{t ~ U(t_min, 1), x_0, eps} || eps - eps_theta(sqrt(abar(t)) x_0 + sqrt(1 - abar(t)) eps, t) ||^2.
  The same network is a score model (denoising score matching, Vincent 2011; Song & Ermon 2019):
  s_theta(x, t) = -eps_theta(x, t) / sqrt(1 - abar(t)) estimates grad_x log p_t(x).
* Flow matching / rectified flow (Lipman et al., "Flow matching for generative modeling", ICLR
  2023; Liu et al., "Flow straight and fast", ICLR 2023): x_t = (1 - t) x_0 + t x_1 with x_0 ~
  N(0, I) (or the noise a reflow pairs with x_1) and x_1 data,
  L = E_{t ~ U(0, 1)} || v_theta(x_t, t) - (x_1 - x_0) ||^2.
"""

from __future__ import annotations

import torch

from engine.diffusion.schedules import NoiseSchedule

T_MIN = 1e-3  # DDPM's smallest training time: the noise model is never asked about t = 0 exactly


def ddpm_loss(
    model,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    generator: torch.Generator | None = None,
    label: torch.Tensor | None = None,
    t: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over the batch of ||eps - eps_theta(x_t, t)||^2."""
    t = T_MIN + (1 - T_MIN) * torch.rand(len(x0), generator=generator) if t is None else t
    noise = torch.randn(x0.shape, generator=generator) if noise is None else noise
    predicted = model(schedule.add_noise(x0, t, noise), t, label)
    return (predicted - noise).pow(2).sum(dim=1).mean()


def flow_matching_loss(
    model,
    x1: torch.Tensor,
    generator: torch.Generator | None = None,
    x0: torch.Tensor | None = None,
    label: torch.Tensor | None = None,
    t: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over the batch of ||v_theta(x_t, t) - (x_1 - x_0)||^2 on the straight path x_0 -> x_1."""
    x0 = torch.randn(x1.shape, generator=generator) if x0 is None else x0
    t = torch.rand(len(x1), generator=generator) if t is None else t
    x_t = (1 - t)[:, None] * x0 + t[:, None] * x1
    return (model(x_t, t, label) - (x1 - x0)).pow(2).sum(dim=1).mean()
