"""Training autoregressive models live: FVSBN, NADE or MADE on binarized MNIST digits, and RNADE
on the Flows page's 2-D targets.

Both maximise the exact log-likelihood (the notes' "Maximum likelihood"):

    minimise  -(1/B) sum_b log p(x_b),   log p(x) = sum_i log p(x_i | x_<i).

:class:`AutoregressiveRunConfig` / :class:`AutoregressiveTrainingTask`: the digits (the training
4,000, binarized as the VAE page's; held-out NLL on the first 500 held-out digits), frames
:class:`DigitsFrame`. :class:`RnadeRunConfig` / :class:`RnadeTrainingTask`: RNADE on a 2-D target,
fresh samples each step, its held-out NLL and KL(p||q) on the *same* held-out samples the Flows
page's run with this seed uses (so the numbers compare); its frames are the Flows page's
:class:`engine.targets.held_out.DensityFrame`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from engine import metrics, render
from engine.autoregressive.models import FVSBN, MADE, NADE, bits_per_dim
from engine.autoregressive.rnade import RNADE2D
from engine.batches import EpochBatches
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_choice, check_ranges, seeded
from engine.live.task import Frame
from engine.mnist import binarize, load_mnist
from engine.targets import CUSTOM_TARGET_KEYS, Target, target_keys
from engine.targets import views as target_views
from engine.targets.held_out import DENSITY_IMAGE_SIZE, DensityFrame, held_out_samples

LIVE_MODELS = {
    "fvsbn": "FVSBN (a logistic regression per pixel)",
    "nade": "NADE (shared weights)",
    "made": "MADE (masked MLP)",
}
HIDDEN_SIZES = (16, 32, 64, 128, 256, 500)
NADE_MAX_HIDDEN = 128  # NADE's logits hold (n, hidden, 784) activations: 157 MB a batch of 100 at 500
HELD_OUT_DIGITS = 500
SHOWN_SAMPLES = 8
RNADE_SAMPLES_SHOWN = 800


@dataclass(frozen=True, kw_only=True)
class DigitsFrame(Frame):
    """Fresh samples (uint8 0/255), and p(x_i = 1 | x_<i) for every pixel of one held-out digit."""

    samples: np.ndarray  # (SHOWN_SAMPLES, 28, 28)
    digit: np.ndarray  # (28, 28) the held-out digit
    conditionals: np.ndarray  # (28, 28) float in [0, 1]
    epochs: float


@dataclass(frozen=True)
class AutoregressiveRunConfig(RunConfig):
    """Everything that defines a live run on the digits; with the seed it reproduces the run."""

    model: str = "made"
    hidden: int = 500  # NADE's and MADE's hidden units (FVSBN has none)
    learning_rate: float = 1e-3
    batch_size: int = 100
    seed: int = 0
    max_steps: int = 4000  # 100 epochs of the 4,000 training digits at batch size 100

    LIVE_FIELDS = ("learning_rate", "batch_size")

    def __post_init__(self):
        check_choice("model", self.model, LIVE_MODELS)
        check_choice("number of hidden units", self.hidden, HIDDEN_SIZES)
        if self.model == "nade" and self.hidden > NADE_MAX_HIDDEN:
            raise ValueError(
                f"NADE takes at most {NADE_MAX_HIDDEN} hidden units here (its activations grow as hidden x 784 "
                f"per digit); got {self.hidden}."
            )
        check_ranges(
            self,
            [("learning_rate", 1e-5, 0.1), ("batch_size", 8, 1000), ("seed", 0, 2**31 - 1), ("max_steps", 1, 200_000)],
        )

    def build_model(self) -> FVSBN | NADE | MADE:
        if self.model == "fvsbn":
            return FVSBN()
        return NADE(hidden=self.hidden) if self.model == "nade" else MADE(hidden=(self.hidden,), seed=self.seed)


class AutoregressiveTrainingTask(Checkpointed):
    """Adam on minibatches of the binarized training digits, epoch by epoch in a seeded order."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "rng", "batches")

    loss_names = ("NLL per digit (nats)",)

    def __init__(self, config: AutoregressiveRunConfig):
        self.config = config
        data = load_mnist()
        self.train_images = binarize(data.train_images).reshape(-1, 784)
        self.held_out = binarize(data.test_images[:HELD_OUT_DIGITS]).reshape(-1, 784)
        with seeded(config.seed):
            self.model = config.build_model()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.batches = EpochBatches(len(self.train_images), self.rng)
        self.samples: np.ndarray | None = None

    def train_step(self) -> float:
        """One Adam step on the next minibatch; returns its mean -log p(x) in nats."""
        loss = -self.model.log_prob(self.train_images[self.batches.next(self.config.batch_size)]).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        """Held-out NLL (nats per digit, exact) and bits per dimension, and where training stands."""
        nll = float(torch.cat([-self.model.log_prob(chunk) for chunk in self.held_out.split(100)]).mean())
        return {
            "held_out_nll": nll,
            "bits_per_dim": bits_per_dim(nll),
            "epochs": self.batches.epochs,
            "learning_rate": self.config.learning_rate,
        }

    @torch.no_grad()
    def visuals(self, which: str = "all") -> DigitsFrame:
        """The conditionals of held-out digit 0 (every frame), and samples from the same seed each
        time (so they differ only by what was learned; 784 passes, so only on "layers" and "all"
        frames: see :class:`engine.live.task.TrainingTask`)."""
        if which != "fast" or self.samples is None:
            generator = torch.Generator().manual_seed(self.config.seed)
            self.samples = (self.model.sample(SHOWN_SAMPLES, generator) * 255).to(torch.uint8).numpy()
        digit = self.held_out[:1]
        conditionals = torch.sigmoid(self.model.logits(digit))
        return DigitsFrame(
            samples=self.samples,
            digit=(digit.reshape(28, 28) * 255).to(torch.uint8).numpy(),
            conditionals=conditionals.reshape(28, 28).numpy(),
            epochs=self.batches.epochs,
        )

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.config.learning_rate:g})."

    def apply_live_settings(self, config: AutoregressiveRunConfig) -> None:
        self.config = dataclasses.replace(self.config, **config.live_settings())
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate


# ----- RNADE on 2-D targets -----


@dataclass(frozen=True)
class RnadeRunConfig(RunConfig):
    """An RNADE run on a 2-D target (``target``: a key of :mod:`engine.targets`, or drawn/CSV)."""

    target: str = "ring8"
    components: int = 10
    hidden: int = 64
    learning_rate: float = 3e-3
    batch_size: int = 256
    seed: int = 0
    max_steps: int = 20_000  # ~40 s at ~500 steps/s

    LIVE_FIELDS = ("learning_rate", "batch_size")

    def __post_init__(self):
        check_choice("2-D target", self.target, [*target_keys(2), *CUSTOM_TARGET_KEYS])
        check_ranges(
            self,
            [
                ("components", 1, 64),
                ("hidden", 4, 512),
                ("learning_rate", 1e-5, 0.1),
                ("batch_size", 8, 4096),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )


class RnadeTrainingTask(Checkpointed):
    """Maximum likelihood on fresh samples of the target (one batch a step), as the Flows page does."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "generator")

    loss_names = ("NLL (nats)",)

    def __init__(self, config: RnadeRunConfig, target: Target):
        if target.dim != 2:
            raise ValueError(f"RNADE here models 2-D data; this target is {target.dim}-D.")
        self.config, self.target = config, target
        with seeded(config.seed):
            self.model = RNADE2D(config.components, config.hidden)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.held_out = held_out_samples(target, config.seed)
        self.held_out_log_p = target.log_prob(self.held_out) if target.has_exact_density else None
        self.target_density = target_views.density_image(target, DENSITY_IMAGE_SIZE)

    def train_step(self) -> float:
        loss = -self.model.log_prob(self.target.sample(self.config.batch_size, self.generator)).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        """The Flows page's figures, computed the same way: held-out NLL, KL(p||q) and H(p)."""
        return metrics.held_out_figures(self.model.log_prob(self.held_out), self.held_out_log_p) | {
            "learning_rate": self.config.learning_rate
        }

    @torch.no_grad()
    def visuals(self, which: str = "all") -> DensityFrame:
        grid = torch.from_numpy(render.grid_points(self.target.extent, DENSITY_IMAGE_SIZE))
        density = self.model.log_prob(grid).exp().reshape(DENSITY_IMAGE_SIZE, DENSITY_IMAGE_SIZE).numpy()
        samples = self.model.sample(RNADE_SAMPLES_SHOWN, torch.Generator().manual_seed(self.config.seed))
        return DensityFrame(
            extent=self.target.extent,
            target_density=self.target_density,
            model_density=density,
            samples=samples.numpy(),
        )

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.config.learning_rate:g}) or fewer mixture components."

    def apply_live_settings(self, config: RnadeRunConfig) -> None:
        self.config = dataclasses.replace(self.config, **config.live_settings())
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate
