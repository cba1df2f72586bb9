"""Training a diffusion model (DDPM, epsilon prediction) or flow matching on a 2-D target, live.

Each step is one minibatch of fresh target samples and one Adam step on the model's loss
(:mod:`engine.diffusion.losses`). The figures a page shows:

* ``w1``: exact Wasserstein-1 (POT) between 400 samples drawn with the chosen sampler and
  steps (the same noise every time) and 400 held-out target samples (every metrics call);
* ``kl``, ``nll`` and the floor ``entropy``: exact, through the ODE (:mod:`engine.diffusion.likelihood`),
  on the first :data:`KL_POINTS` of the held-out samples the Flows page scores on
  (:func:`engine.targets.held_out.held_out_samples`), at tolerance :data:`LIVE_TOLERANCE`; costly
  (~0.5 s), so only on the costly frames (:class:`engine.live.task.TrainingTask`'s "layers");
* with ``conditional`` (targets with modes: the condition of a sample is its nearest mode),
  ``class_accuracy``, ``spread`` and ``drift`` (:meth:`DiffusionTrainingTask.class_figures`) at
  the guidance scale w: classifier-free guidance (Ho & Salimans, 2021) sharpens each class as w
  grows, and moves it away from the others.

Reflow (Liu et al., "Flow straight and fast", ICLR 2023; flow matching only): :meth:`reflow` draws
:data:`REFLOW_PAIRS` couples (z, x = ODE(z)) from the current model and trains on them from then
on, x_0 = z and x_1 = x instead of independent noise and data: the 2-rectified flow, whose paths
are straighter, so fewer Euler steps sample as well (the target is now the model's own samples).

Every frame also holds the noised data and the learned field at each of :data:`NOISE_LEVELS`
(the forward process, and what the model learned to undo at each level).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from engine import metrics, render, sample_metrics
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_choice, check_ranges, seeded
from engine.diffusion import samplers
from engine.diffusion.likelihood import diffusion_log_likelihood, flow_matching_log_likelihood
from engine.diffusion.losses import T_MIN, ddpm_loss, flow_matching_loss
from engine.diffusion.models import DenoisingMLP
from engine.diffusion.schedules import SCHEDULES, NoiseSchedule
from engine.live.task import Frame
from engine.schedules import halving_factor
from engine.targets import CUSTOM_TARGET_KEYS, Target, target_keys
from engine.targets import views as target_views
from engine.targets.held_out import DENSITY_IMAGE_SIZE, held_out_samples

KINDS = {"ddpm": "diffusion (DDPM, ε-prediction)", "flow_matching": "flow matching (rectified flow)"}
SAMPLERS_OF = {"ddpm": samplers.DIFFUSION_SAMPLERS, "flow_matching": samplers.FLOW_SAMPLERS}
W1_POINTS = 400
KL_POINTS = 512
LIVE_TOLERANCE = 1e-4
SAMPLES_SHOWN = 800
PATHS_SHOWN = 60
LR_FLOOR = 0.05
# How noisy x_t is, from data (0) to pure noise (1): DDPM's t; flow matching's 1 - t.
NOISE_LEVELS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
FIELD_GRID = 17  # arrows per side
NOISED_POINTS = 2000
LABEL_DROP = 0.2  # the share of training rows without their class, for classifier-free guidance
STEP_COUNTS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
DENSITY_GRID = 40
REFLOW_PAIRS = 8192
REFLOW_STEPS = 100  # Heun steps for the couples' ODE


@dataclass(frozen=True, kw_only=True)
class DiffusionFrame(Frame):
    """Samples (and some of their paths from noise, (k, steps + 1, 2)) over the target's density;
    at each of :data:`NOISE_LEVELS`, the noised data's density (levels, pixels, pixels) and the
    learned field on a grid (levels, FIELD_GRID^2, 4: x, y, dx, dy), pointing towards the data."""

    extent: tuple
    target_density: np.ndarray
    samples: np.ndarray
    paths: np.ndarray
    noised_density: np.ndarray
    field: np.ndarray
    labels: np.ndarray | None = None  # the class each sample was drawn for (conditional runs)


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
    conditional: bool = False  # on the target's modes, with classifier-free guidance
    guidance: float = 0.0  # the guidance scale w of conditional sampling
    seed: int = 0
    max_steps: int = 20_000

    LIVE_FIELDS = ("learning_rate", "lr_half_life", "batch_size", "sampler", "sample_steps", "guidance")

    def __post_init__(self):
        check_choice("2-D target", self.target, [*target_keys(2), *CUSTOM_TARGET_KEYS])
        check_choice("model", self.kind, KINDS)
        check_choice("noise schedule", self.schedule, SCHEDULES)
        check_choice(f"sampler for {KINDS[self.kind]}", self.sampler, SAMPLERS_OF[self.kind])
        check_ranges(
            self,
            [
                ("hidden", 8, 512),
                ("layers", 1, 6),
                ("learning_rate", 1e-5, 0.1),
                ("lr_half_life", 0, 1_000_000),
                ("batch_size", 8, 4096),
                ("sample_steps", 1, 1000),
                ("guidance", 0, 20),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )


class DiffusionTrainingTask(Checkpointed):
    """A :class:`DenoisingMLP` trained on fresh samples of a 2-D target."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "generator", "steps_done", "reflow_pairs", "reflows")

    loss_names = ("loss",)

    def __init__(self, config: DiffusionRunConfig, target: Target):
        if target.dim != 2:
            raise ValueError(f"Diffusion and flow matching here model 2-D data; this target is {target.dim}-D.")
        if config.conditional and target.modes is None:
            raise ValueError(
                "A class-conditional model needs a target made of separate modes (the ring of 8, the grid of 25, "
                "...): the class of a sample is its mode."
            )
        self.config, self.target = config, target
        self.schedule = NoiseSchedule(config.schedule)
        self.modes = torch.as_tensor(target.modes, dtype=torch.float32) if config.conditional else None
        with seeded(config.seed):
            self.model = DenoisingMLP(
                hidden=config.hidden, layers=config.layers, classes=0 if self.modes is None else len(self.modes)
            )
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.steps_done = 0
        self.held_out = held_out_samples(target, config.seed)
        self.held_out_log_p = target.log_prob(self.held_out[:KL_POINTS]) if target.has_exact_density else None
        self.target_density = target_views.density_image(target, DENSITY_IMAGE_SIZE)
        self.noised_density = self._noised_densities()
        self.likelihood: dict[str, float] = {}
        self.reflow_pairs: tuple[torch.Tensor, torch.Tensor] | None = None
        self.reflows = 0

    def current_learning_rate(self) -> float:
        return self.config.learning_rate * halving_factor(self.steps_done, self.config.lr_half_life, LR_FLOOR)

    def train_step(self) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = self.current_learning_rate()
        if self.reflow_pairs is not None:
            rows = torch.randint(0, len(self.reflow_pairs[0]), (self.config.batch_size,), generator=self.generator)
            loss = flow_matching_loss(
                self.model, self.reflow_pairs[1][rows], self.generator, x0=self.reflow_pairs[0][rows]
            )
            return self._optimize(loss)
        x = self.target.sample(self.config.batch_size, self.generator)
        label = None
        if self.modes is not None:  # its mode, or (a share of the rows) "no class"
            label = self.nearest_mode(x)
            label[torch.rand(len(x), generator=self.generator) < LABEL_DROP] = len(self.modes)
        if self.config.kind == "ddpm":
            loss = ddpm_loss(self.model, self.schedule, x, self.generator, label=label)
        else:
            loss = flow_matching_loss(self.model, x, self.generator, label=label)
        return self._optimize(loss)

    def _optimize(self, loss: torch.Tensor) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        return loss.item()

    @torch.no_grad()
    def reflow(self) -> int:
        """Couple REFLOW_PAIRS noise points with where the model's ODE takes them (Heun, REFLOW_STEPS)
        and train on those couples from now on (see the module docstring); returns the reflow count."""
        if self.config.kind != "flow_matching" or self.modes is not None:
            raise ValueError(
                "Reflow straightens an unconditional flow-matching model's paths; pick flow matching without classes."
            )
        z = torch.randn(REFLOW_PAIRS, 2, generator=torch.Generator().manual_seed(self.config.seed + 100 + self.reflows))
        self.reflow_pairs = (z, samplers.flow_ode(self.model, REFLOW_PAIRS, REFLOW_STEPS, heun=True, x0=z))
        self.reflows += 1
        return self.reflows

    def nearest_mode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, self.modes).argmin(dim=1)

    def sample_labels(self, n: int) -> torch.Tensor | None:
        """The classes conditional samples are drawn for: every mode in turn (None: unconditional)."""
        return None if self.modes is None else torch.arange(n) % len(self.modes)

    def draw(
        self,
        n: int,
        keep_path: bool = False,
        seed: int | None = None,
        sampler: str | None = None,
        steps: int | None = None,
    ) -> torch.Tensor:
        """n samples with the configured (or the given) sampler and steps, from the same noise each
        time (the run's seed + 1 unless given); a conditional model draws every mode in turn, guided
        at the configured scale."""
        generator = torch.Generator().manual_seed(self.config.seed + 1 if seed is None else seed)
        field = self.model.guided(self.sample_labels(n), self.config.guidance)
        return samplers.sample(
            sampler or self.config.sampler,
            field,
            self.schedule,
            n,
            steps or self.config.sample_steps,
            generator,
            keep_path,
        )

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
        samples = self.draw(W1_POINTS)
        figures = {
            "w1": self._w1(samples),
            "learning_rate": self.current_learning_rate(),
            "reflows": self.reflows,
            **self.likelihood,
        }
        if self.modes is not None:
            figures |= self.class_figures(samples)
        return figures

    def _w1(self, samples: torch.Tensor) -> float:
        return sample_metrics.wasserstein1(self.held_out[:W1_POINTS].numpy(), samples.numpy())

    def class_figures(self, samples: torch.Tensor) -> dict[str, float]:
        """Per class (the samples drawn for mode k), averaged over the classes: ``class_accuracy``,
        the share whose nearest mode is k; ``spread``, their mean distance to their own centre
        over the target's, s sqrt(pi / 2) in 2-D (1: as wide as the target; below 1, sharper);
        ``drift``, their centre's distance from mode k in units of s (guidance pushes the classes
        apart, where the unconditional model is least sure of them)."""
        labels = self.sample_labels(len(samples))
        finite = torch.isfinite(samples).all(dim=1)
        accuracy = float((self.nearest_mode(samples[finite]) == labels[finite]).float().sum() / len(samples))
        spreads, drifts = [], []
        for k, mode in enumerate(self.modes):
            drawn = samples[finite & (labels == k)]
            if len(drawn):
                centre = drawn.mean(dim=0)
                spreads.append((drawn - centre).norm(dim=1).mean())
                drifts.append((centre - mode).norm())
        s = self.target.mode_std
        return {
            "class_accuracy": accuracy,
            "spread": float(torch.stack(spreads).mean() / (s * math.sqrt(math.pi / 2))),
            "drift": float(torch.stack(drifts).mean() / s),
        }

    def quality_by_steps(self, step_counts: tuple[int, ...] = STEP_COUNTS) -> dict[str, list[tuple[int, float]]]:
        """W1 of W1_POINTS samples against the held-out samples, for every sampler of this model
        at each number of steps (the same noise each time): quality against sampling cost."""
        with torch.no_grad():
            return {
                sampler: [
                    (steps, self._w1(self.draw(W1_POINTS, sampler=sampler, steps=steps))) for steps in step_counts
                ]
                for sampler in SAMPLERS_OF[self.config.kind]
            }

    def learned_density(self, size: int = DENSITY_GRID) -> np.ndarray:
        """q(x) on a size x size grid over the extent, exact through the ODE (tolerance 1e-3; a few
        seconds), the unconditional model's for a conditional run."""
        grid = torch.from_numpy(render.grid_points(self.target.extent, size))
        return self.log_likelihood(grid, tolerance=1e-3).exp().reshape(size, size).numpy()

    def _noised_densities(self) -> np.ndarray:
        """The density of x_t at each noise level, a histogram of noised held-out samples."""
        x0 = self.held_out[:NOISED_POINTS]
        noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(self.config.seed + 2))
        return np.stack(
            [
                render.histogram_density(
                    self.noised(x0, level, noise).numpy(), self.target.extent, DENSITY_IMAGE_SIZE, blur_pixels=1.5
                )
                for level in NOISE_LEVELS
            ]
        )

    def noised(self, data: torch.Tensor, level: float, noise: torch.Tensor) -> torch.Tensor:
        """x_t at noise level ``level`` (0: the data, 1: the noise): DDPM's sqrt(abar(t)) data +
        sigma(t) noise at t = level; flow matching's (1 - t) noise + t data at t = 1 - level."""
        if self.config.kind == "ddpm":
            return self.schedule.add_noise(data, torch.full((len(data),), max(level, T_MIN)), noise)
        return level * noise + (1 - level) * data

    def _fields(self) -> np.ndarray:
        """The learned field at each noise level on a grid: DDPM's score -eps / sigma(t), flow
        matching's velocity v (both point towards the data; unconditional)."""
        (x0, x1), (y0, y1) = self.target.extent
        axis_x, axis_y = torch.linspace(x0, x1, FIELD_GRID + 2)[1:-1], torch.linspace(y0, y1, FIELD_GRID + 2)[1:-1]
        grid = torch.stack(torch.meshgrid(axis_x, axis_y, indexing="xy"), dim=-1).reshape(-1, 2)
        fields = []
        for level in NOISE_LEVELS:
            if self.config.kind == "ddpm":
                t = torch.full((len(grid),), max(level, T_MIN))
                f = -self.model(grid, t) / self.schedule.sigma(t)[:, None]
            else:
                f = self.model(grid, torch.full((len(grid),), 1 - level))
            fields.append(torch.cat([grid, f], dim=1))
        return torch.stack(fields).numpy()

    @torch.no_grad()
    def visuals(self, which: str = "all") -> DiffusionFrame:
        """Samples and paths every frame; the exact likelihood figures on the costly ones."""
        if which != "fast":
            self.measure_likelihood()
        paths = self.draw(SAMPLES_SHOWN, keep_path=True)
        labels = self.sample_labels(SAMPLES_SHOWN)
        return DiffusionFrame(
            extent=self.target.extent,
            target_density=self.target_density,
            samples=paths[-1].numpy(),
            paths=paths[:, :PATHS_SHOWN].transpose(0, 1).numpy(),
            noised_density=self.noised_density,
            field=self._fields(),
            labels=None if labels is None else labels.numpy(),
        )

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.current_learning_rate():g}) or a larger batch."

    def apply_live_settings(self, config: DiffusionRunConfig) -> None:
        """The learning-rate schedule and batch size, the sampler, its steps and the guidance scale (the next frames use them)."""
        self.config = dataclasses.replace(self.config, **config.live_settings())
