"""Training an autoencoder on MNIST live, its held-out error falling towards (and, non-linear,
below) PCA's at the same latent size r: the notes' "AE as a non-linear generalisation of PCA".

Minibatch Adam on the grey-level training digits (the shipped subset's 4,000), minimising the
notes' loss  (1/B) sum_i ||x_i - D_phi(E_theta(x_i))||^2  (:mod:`engine.autoencoders.models`).

:class:`AutoencoderRunConfig` is what the page sets (and the URL carries); :class:`AutoencoderTrainingTask`
is what :class:`engine.live.run.LiveRun` steps; its frames are :class:`AutoencoderFrame`.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch

from engine.autoencoders.measures import squared_errors
from engine.autoencoders.models import KINDS, MAX_LATENT_DIM, Autoencoder
from engine.autoencoders.pca import PcaFit, fit_pca
from engine.batches import EpochBatches
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_choice, check_ranges, seeded
from engine.live.task import Frame
from engine.mnist import load_mnist

HELD_OUT_DIGITS = 500  # the held-out error is measured on these test digits
SHOWN_DIGITS = 8  # reconstructions shown in every frame


@functools.cache
def training_pca() -> PcaFit:
    """PCA of the 4,000 training digits, up to 64 components (once per process)."""
    return fit_pca(load_mnist().train_images, MAX_LATENT_DIM)


@dataclass(frozen=True, kw_only=True)
class AutoencoderFrame(Frame):
    """Held-out digits, their reconstructions by the AE and by PCA with the same r (uint8)."""

    originals: np.ndarray  # (SHOWN_DIGITS, 28, 28)
    reconstructions: np.ndarray
    pca_reconstructions: np.ndarray
    epochs: float


@dataclass(frozen=True)
class AutoencoderRunConfig(RunConfig):
    """Everything that defines a live autoencoder run; with the seed it reproduces the run exactly."""

    kind: str = "mlp"
    latent_dim: int = 8
    learning_rate: float = 1e-3
    batch_size: int = 64
    seed: int = 0
    max_steps: int = 3000  # 48 epochs of the 4,000 training digits at batch size 64

    LIVE_FIELDS = ("learning_rate", "batch_size")

    def __post_init__(self):
        check_choice("kind", self.kind, KINDS)
        check_ranges(
            self,
            [
                ("latent_dim", 1, MAX_LATENT_DIM),
                ("learning_rate", 1e-5, 0.1),
                ("batch_size", 8, 1000),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )


class AutoencoderTrainingTask(Checkpointed):
    """An :class:`Autoencoder` trained on minibatches of MNIST digits, epoch by epoch in a fresh
    seeded order. Loss per step: the batch's mean squared error per digit, ||x - x_hat||^2."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "rng", "batches")

    loss_names = ("squared error per digit",)

    def __init__(self, config: AutoencoderRunConfig):
        self.config = config
        data = load_mnist()
        self.train_images = torch.from_numpy(data.train_images)
        self.held_out = torch.from_numpy(data.test_images[:HELD_OUT_DIGITS])
        self.pca_error = training_pca().squared_errors(data.test_images[:HELD_OUT_DIGITS], [config.latent_dim])[
            config.latent_dim
        ]
        self.pca_shown = training_pca().reconstruct(data.test_images[:SHOWN_DIGITS], config.latent_dim)
        with seeded(config.seed):
            self.model = Autoencoder(config.kind, config.latent_dim)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.batches = EpochBatches(len(self.train_images), self.rng)

    def train_step(self) -> float:
        """One Adam step on the next minibatch; returns its mean ||x - x_hat||^2."""
        x = self.train_images[self.batches.next(self.config.batch_size)]
        loss = (self.model(x) - x).pow(2).sum(dim=(1, 2)).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        """The held-out squared error per digit, PCA's with the same r (the best linear map), and
        where training stands."""
        error = float(squared_errors(self.held_out, self.model(self.held_out)).mean())
        return {
            "held_out_error": error,
            "pca_error": self.pca_error,
            "epochs": self.batches.epochs,
            "learning_rate": self.config.learning_rate,
        }

    @torch.no_grad()
    def visuals(self, which: str = "all") -> AutoencoderFrame:
        """The first held-out digits, their reconstructions, and PCA's (``which`` is ignored: all cheap)."""
        as_bytes = lambda images: (np.clip(np.asarray(images), 0, 1) * 255).round().astype(np.uint8)  # noqa: E731
        originals = self.held_out[:SHOWN_DIGITS]
        return AutoencoderFrame(
            originals=as_bytes(originals),
            reconstructions=as_bytes(self.model(originals)),
            pca_reconstructions=as_bytes(self.pca_shown),
            epochs=self.batches.epochs,
        )

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.config.learning_rate:g})."

    def apply_live_settings(self, config: AutoencoderRunConfig) -> None:
        """Apply the learning rate and the batch size of ``config``."""
        self.config = dataclasses.replace(self.config, **config.live_settings())
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate
