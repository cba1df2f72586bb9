"""The Arena's contenders: each family's own live task (the settings its page opens with), behind
one interface: a training step, samples, and a log-density where the family has one.

=============  ==========================================  ==========================================
contender      trained by                                   log q(x) on the held-out samples
=============  ==========================================  ==========================================
flow           maximum likelihood (the Flows page)          exact (change of variables)
gan            the non-saturating game (the GANs page)      none: judged by its samples only
vae            the ELBO (:mod:`engine.vae.toy`)             a bound: the IWAE bound L_k, k = 256
ddpm           eps-prediction (the Diffusion page)          exact through the probability-flow ODE
flow_matching  straight-path velocity (the Diffusion page)  exact through its ODE
rnade          maximum likelihood (the Autoregressive page) exact (chain rule)
=============  ==========================================  ==========================================
"""

from __future__ import annotations

from typing import Any

import torch

from engine.autoregressive.task import RnadeRunConfig, RnadeTrainingTask
from engine.diffusion.task import DiffusionRunConfig, DiffusionTrainingTask
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.gans.task import GanRunConfig, GanTrainingTask
from engine.targets import Target
from engine.vae.toy import ToyVaeTask

CONTENDERS = {
    "flow": "Normalizing flow",
    "gan": "GAN",
    "vae": "VAE",
    "ddpm": "Diffusion (DDPM)",
    "flow_matching": "Flow matching",
    "rnade": "RNADE",
}
DENSITY_KIND = {
    "flow": "exact",
    "gan": "none",
    "vae": "bound",
    "ddpm": "exact (ODE)",
    "flow_matching": "exact (ODE)",
    "rnade": "exact",
}
IWAE_K = 256
SAMPLE_STEPS = 50  # DDPM's DDIM steps and flow matching's Euler steps when the Arena samples


class Contender:
    """One family's model on ``target``: ``train_step()``, ``sample(n, seed)`` and ``log_density(x)``
    (None for a GAN; the IWAE bound for the VAE)."""

    def __init__(self, name: str, target: Target, seed: int):
        if name not in CONTENDERS:
            raise ValueError(f"Unknown contender {name!r}; choose among: {', '.join(CONTENDERS)}.")
        self.name, self.target, self.seed = name, target, seed
        key = target.key
        if name == "flow":
            self.task = FlowTrainingTask(FlowRunConfig(target=key, seed=seed), target)
        elif name == "gan":
            self.task = GanTrainingTask(GanRunConfig(target=key, seed=seed), target)
        elif name == "vae":
            self.task = ToyVaeTask(target, seed)
        elif name in ("ddpm", "flow_matching"):
            sampler = "ddim" if name == "ddpm" else "euler"
            self.task = DiffusionTrainingTask(
                DiffusionRunConfig(target=key, kind=name, sampler=sampler, sample_steps=SAMPLE_STEPS, seed=seed), target
            )
        else:
            self.task = RnadeTrainingTask(RnadeRunConfig(target=key, seed=seed), target)

    @property
    def density_kind(self) -> str:
        return DENSITY_KIND[self.name]

    def train_step(self) -> None:
        self.task.train_step()

    @torch.no_grad()
    def sample(self, n: int, seed: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed)
        if self.name == "flow":
            return self.task.flow.sample(n, generator)
        if self.name == "gan":
            return torch.from_numpy(self.task.samples(n, seed))
        if self.name in ("ddpm", "flow_matching"):
            return self.task.draw(n, seed=seed)
        return self.task.model.sample(n, generator)

    @torch.no_grad()
    def log_density(self, x: torch.Tensor) -> torch.Tensor | None:
        """log q(x) (exact), the IWAE bound on it (VAE), or None (GAN)."""
        if self.name == "flow":
            return self.task.flow.log_prob(x)
        if self.name == "vae":
            return self.task.model.iwae(x, IWAE_K, torch.Generator().manual_seed(self.seed))
        if self.name in ("ddpm", "flow_matching"):
            return self.task.log_likelihood(x)
        if self.name == "rnade":
            return self.task.model.log_prob(x)
        return None

    def state_dict(self) -> dict[str, Any]:
        return self.task.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.task.load_state_dict(state)
