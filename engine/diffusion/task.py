"""Training a diffusion model (DDPM, epsilon prediction) or flow matching on a 2-D target, live.

Each step is one minibatch of fresh target samples and one Adam step on the model's loss
(:mod:`engine.diffusion.losses`). The figures a page shows:

* ``w1``: exact Wasserstein-1 (POT) between 400 samples drawn with the chosen sampler and
  steps (the same noise every time) and 400 held-out target samples (every metrics call);
* ``kl``, ``nll`` and the floor ``entropy``: exact, through the ODE (:mod:`engine.diffusion.likelihood`),
  on the first :data:`KL_POINTS` of the held-out samples the Flows page scores on
  (:func:`engine.flows.task.held_out_samples`), at tolerance :data:`LIVE_TOLERANCE`; costly
  (~0.5 s), so only on the costly frames (:class:`engine.live.task.TrainingTask`'s "layers").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from engine import metrics, sample_metrics
from engine.config import RunConfig, check_choice, check_ranges, seeded
from engine.diffusion import samplers
from engine.diffusion.likelihood import diffusion_log_likelihood, flow_matching_log_likelihood
from engine.diffusion.losses import ddpm_loss, flow_matching_loss
from engine.diffusion.models import DenoisingMLP
from engine.diffusion.schedules import SCHEDULES, NoiseSchedule
from engine.flows.task import DENSITY_IMAGE_SIZE, held_out_samples
from engine.live.task import Frame
from engine.schedules import halving_factor
from engine.targets import CUSTOM_TARGET_KEYS, Target, target_keys
from engine.targets import views as target_views

KINDS = {"ddpm": "diffusion (DDPM, ε-prediction)", "flow_matching": "flow matching (rectified flow)"}
SAMPLERS_OF = {"ddpm": samplers.DIFFUSION_SAMPLERS, "flow_matching": samplers.FLOW_SAMPLERS}
W1_POINTS = 400
KL_POINTS = 512
LIVE_TOLERANCE = 1e-4
SAMPLES_SHOWN = 800
PATHS_SHOWN = 60
LR_FLOOR = 0.05


@dataclass(frozen=True, kw_only=True)
class DiffusionFrame(Frame):
    """Samples (and some of their paths from noise, (k, steps + 1, 2)) over the target's density."""

    extent: tuple
    target_density: np.ndarray
    samples: np.ndarray
    paths: np.ndarray


@dataclass(frozen=True)
class DiffusionRunConfig(RunConfig):
    """Everything that defines a run; with the seed it reproduces the run exactly."""

    target: str = "ring8"
    kind: str = "flow_matching"
    schedule: str = "linear"  # DDPM's noise schedule
    hidden: int = 128
    layers: int = 3
    learning_rate: float = 2e-3
    lr_half_life: int = 3000
    batch_size: int = 256
    sampler: str = "euler"
    sample_steps: int = 50
    seed: int = 0
    max_steps: int = 20_000

    LIVE_FIELDS = ("learning_rate", "lr_half_life", "batch_size", "sampler", "sample_steps")

    def __post_init__(self):
        check_choice("2-D target", self.target, [*target_keys(2), *CUSTOM_TARGET_KEYS])
        check_choice("model", self.kind, KINDS)
        check_choice("noise schedule", self.schedule, SCHEDULES)
        check_choice(f"sampler for {KINDS[self.kind]}", self.sampler, SAMPLERS_OF[self.kind])
        check_ranges(self, [("hidden", 8, 512), ("layers", 1, 6), ("learning_rate", 1e-5, 0.1), ("lr_half_life", 0, 1_000_000),
                            ("batch_size", 8, 4096), ("sample_steps", 1, 1000), ("seed", 0, 2**31 - 1),
                            ("max_steps", 1, 200_000)])  # fmt: skip


class DiffusionTrainingTask:
    """A :class:`DenoisingMLP` trained on fresh samples of a 2-D target."""

    loss_names = ("loss",)

    def __init__(self, config: DiffusionRunConfig, target: Target):
        if target.dim != 2:
            raise ValueError(f"Diffusion and flow matching here model 2-D data; this target is {target.dim}-D.")
        self.config, self.target = config, target
        self.schedule = NoiseSchedule(config.schedule)
        with seeded(config.seed):
            self.model = DenoisingMLP(hidden=config.hidden, layers=config.layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.steps_done = 0
        self.held_out = held_out_samples(target, config.seed)
        self.held_out_log_p = target.log_prob(self.held_out[:KL_POINTS]) if target.has_exact_density else None
        self.target_density = target_views.density_image(target, DENSITY_IMAGE_SIZE)
        self.likelihood: dict[str, float] = {}

    def current_learning_rate(self) -> float:
        return self.config.learning_rate * halving_factor(self.steps_done, self.config.lr_half_life, LR_FLOOR)

    def train_step(self) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = self.current_learning_rate()
        x = self.target.sample(self.config.batch_size, self.generator)
        if self.config.kind == "ddpm":
            loss = ddpm_loss(self.model, self.schedule, x, self.generator)
        else:
            loss = flow_matching_loss(self.model, x, self.generator)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        return loss.item()

    def draw(self, n: int, keep_path: bool = False, seed_offset: int = 1) -> torch.Tensor:
        """n samples with the configured sampler and steps, from the same noise each time."""
        generator = torch.Generator().manual_seed(self.config.seed + seed_offset)
        return samplers.sample(self.config.sampler, self.model, self.schedule, n, self.config.sample_steps, generator, keep_path)

    @torch.no_grad()
    def log_likelihood(self, x: torch.Tensor, tolerance: float = LIVE_TOLERANCE) -> torch.Tensor:
        """Exact log q(x) through the ODE (see :mod:`engine.diffusion.likelihood`)."""
        if self.config.kind == "ddpm":
            return diffusion_log_likelihood(self.model, self.schedule, x, rtol=tolerance, atol=tolerance)[0]
        return flow_matching_log_likelihood(self.model, x, rtol=tolerance, atol=tolerance)[0]

    def measure_likelihood(self) -> None:
        """NLL, KL(p||q) and H(p) on the first KL_POINTS held-out samples, through the ODE (costly)."""
        log_q = self.log_likelihood(self.held_out[:KL_POINTS])
        self.likelihood = metrics.held_out_figures(log_q, self.held_out_log_p) | {"likelihood_step": self.steps_done}

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        samples = self.draw(W1_POINTS).numpy()
        w1 = sample_metrics.wasserstein1(self.held_out[:W1_POINTS].numpy(), samples)
        return {"w1": w1, "learning_rate": self.current_learning_rate(), **self.likelihood}

    @torch.no_grad()
    def visuals(self, which: str = "all") -> DiffusionFrame:
        """Samples and paths every frame; the exact likelihood figures on the costly ones."""
        if which != "fast":
            self.measure_likelihood()
        paths = self.draw(SAMPLES_SHOWN, keep_path=True)
        return DiffusionFrame(extent=self.target.extent, target_density=self.target_density, samples=paths[-1].numpy(),
                              paths=paths[:, :PATHS_SHOWN].transpose(0, 1).numpy())  # fmt: skip

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.current_learning_rate():g}) or a larger batch."

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), "generator": self.generator.get_state(),
                "steps_done": self.steps_done}  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.steps_done = state["steps_done"]

    def apply_live_settings(self, config: DiffusionRunConfig) -> None:
        """The learning-rate schedule and batch size, and the sampler and its steps (the next frames use them)."""
        self.config = dataclasses.replace(self.config, **config.live_settings())

