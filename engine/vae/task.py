"""Training a small VAE on MNIST digits, live, so that its latent space can be watched forming.

Minibatch Adam on digits binarized afresh each batch (:mod:`engine.mnist`), minimising the beta-VAE objective

    loss(x) = -E_{q(z|x)}[log p(x|z)] + beta * w_t * KL(q(z|x) || p(z))

(Kingma & Welling, 2014; Higgins et al., 2017; lecture notes, "VAE optimization"), one posterior
sample per digit through the reparameterization z = mu + sigma * eps. The KL weight w_t rises
linearly from 0 to 1 over the first ``kl_warmup_epochs`` epochs (Bowman et al., 2016), which
keeps the two latent units from collapsing onto the prior early on. The latent is 2-D, so the
test digits' encodings can be drawn as a scatter and a grid of latent points decoded beside it
(Kingma & Welling, 2014, Fig. 4).

:class:`VaeRunConfig` is everything a page sets (and what a URL carries); :class:`VaeTrainingTask`
is what :class:`engine.live.run.LiveRun` steps; :mod:`engine.vae.views` draws its frames
(:class:`VaeLatentFrame`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from engine.batches import EpochBatches
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_ranges, seeded
from engine.live.task import Frame
from engine.mnist import binarize, load_mnist
from engine.vae.bounds import elbo_terms
from engine.vae.latent import grid_points, knn_accuracy, tile
from engine.vae.models import VAE

LATENT_DIM = 2  # the live model's latent is always 2-D: it is what the scatter and the grid show
HELD_OUT_DIGITS = 500  # held-out ELBO, reconstruction and KL are measured on these test digits
KNN_TRAIN_DIGITS = 1000  # 5-NN accuracy: test encodings voted by this many training encodings
KNN_K = 5
GRID_SIZE = 12  # decoded latent grid: GRID_SIZE x GRID_SIZE digits
GRID_SPACING = "quantile"  # cells at Gaussian quantiles: each holds the same prior mass


@dataclass(frozen=True, kw_only=True)
class VaeLatentFrame(Frame):
    """The live VAE's views: the test digits' encodings and the decoded latent grid."""

    means: np.ndarray  # (n, 2): posterior means of the test digits
    labels: np.ndarray  # (n,)
    grid: np.ndarray  # (28 * grid_size, 28 * grid_size) uint8: the decoder's mean image at grid_z
    grid_z: np.ndarray  # (grid_size ** 2, 2)
    grid_size: int
    epochs: float  # epochs done when the frame was made


@dataclass(frozen=True)
class VaeRunConfig(RunConfig):
    """Everything that defines a live VAE run; with the seed it reproduces the run exactly.
    The latent is always 2-D (:data:`LATENT_DIM`)."""

    hidden: int = 256  # width of each hidden layer, encoder and decoder alike
    hidden_layers: int = 1
    beta: float = 1.0  # weight of the KL term: 1 is the ELBO, other values a beta-VAE
    learning_rate: float = 1e-3
    batch_size: int = 100
    kl_warmup_epochs: int = 2  # the KL weight rises linearly from 0 over this many epochs; 0: no warm-up
    seed: int = 0
    max_steps: int = 4000  # 100 epochs of the 4,000 training digits at batch size 100

    # Fields that apply to a running model; changing any other field rebuilds it.
    LIVE_FIELDS = ("beta", "learning_rate", "batch_size", "kl_warmup_epochs")

    def __post_init__(self):
        check_ranges(
            self,
            [
                ("hidden", 16, 1024),
                ("hidden_layers", 1, 3),
                ("beta", 0, 10),
                ("learning_rate", 1e-5, 0.1),
                ("batch_size", 16, 1000),
                ("kl_warmup_epochs", 0, 50),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return (self.hidden,) * self.hidden_layers


def build_vae_seeded(config: VaeRunConfig) -> VAE:
    """A VAE whose initial weights depend only on the seed (:func:`engine.config.seeded`)."""
    with seeded(config.seed):
        return VAE(LATENT_DIM, config.hidden_widths, config.beta)


class VaeTrainingTask(Checkpointed):
    """A 2-D VAE trained on minibatches of MNIST digits, epoch by epoch, each pixel drawn as
    Bernoulli(intensity) afresh for every batch (as the shipped models were trained).

    Each epoch visits the training digits in a fresh seeded order; the last batch of an epoch
    holds what is left. Losses per step: the batch's negative ELBO -E_q[log p(x|z)] + KL (what
    bounds -log p(x), whatever beta is), its reconstruction error -E_q[log p(x|z)] and its KL, in
    nats per digit.
    """

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("model", "optimizer", "rng", "batches", "steps_done")

    loss_names = ("negative ELBO", "reconstruction error", "KL")

    def __init__(self, config: VaeRunConfig):
        self.config = config
        data = load_mnist()
        self.train_images = torch.from_numpy(data.train_images).reshape(-1, 784)  # grey levels, binarized per batch
        self.held_out = binarize(data.test_images[:HELD_OUT_DIGITS]).reshape(-1, 784)
        self.test_images = binarize(data.test_images).reshape(-1, 784)
        self.test_labels = data.test_labels
        self.knn_images = binarize(data.train_images[:KNN_TRAIN_DIGITS]).reshape(-1, 784)
        self.knn_labels = data.train_labels[:KNN_TRAIN_DIGITS]
        self.grid_z = torch.from_numpy(grid_points(GRID_SIZE, GRID_SPACING))

        self.model = build_vae_seeded(config)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.learning_rate, fused=True)
        self.rng = torch.Generator().manual_seed(config.seed)  # batch order and posterior samples
        self.steps_done = 0
        self.batches = EpochBatches(len(self.train_images), self.rng)

    # ----- TrainingTask -----

    @property
    def epochs_done(self) -> float:
        return self.batches.epochs

    def kl_weight(self) -> float:
        """beta * w_t, with w_t = min(1, epochs done / kl_warmup_epochs) (1 without warm-up)."""
        warmup = self.config.kl_warmup_epochs
        return self.config.beta * (min(1.0, self.epochs_done / warmup) if warmup > 0 else 1.0)

    def train_step(self) -> tuple[float, float, float]:
        """One Adam step on the next minibatch; returns the batch's (negative ELBO,
        reconstruction error, KL), means in nats per digit."""
        kl_weight = self.kl_weight()
        x = torch.bernoulli(self.train_images[self.batches.next(self.config.batch_size)], generator=self.rng)
        terms = elbo_terms(self.model, x, samples=1, generator=self.rng)
        reconstruction, kl = terms["reconstruction"].mean(), terms["kl"].mean()
        loss = -reconstruction + kl_weight * kl
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        reconstruction_error, kl_value = -reconstruction.item(), kl.item()
        return reconstruction_error + kl_value, reconstruction_error, kl_value

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        """Held-out ELBO and its terms on :data:`HELD_OUT_DIGITS` test digits (one posterior sample
        each, the same noise every time so that only the model moves the numbers), the 5-NN
        accuracy of test encodings, and where training stands."""
        terms = elbo_terms(self.model, self.held_out, samples=1, generator=torch.Generator().manual_seed(0))
        test_means = self.model.encode(self.held_out)[0].numpy()
        train_means = self.model.encode(self.knn_images)[0].numpy()
        labels = self.test_labels[:HELD_OUT_DIGITS]
        return {
            "elbo": terms["elbo"].mean().item(),
            "reconstruction": terms["reconstruction"].mean().item(),
            "kl": terms["kl"].mean().item(),
            "knn_accuracy": knn_accuracy(train_means, self.knn_labels, test_means, labels, k=KNN_K),
            "epochs": self.epochs_done,
            "kl_weight": self.kl_weight(),
            "learning_rate": self.config.learning_rate,
        }

    @torch.no_grad()
    def visuals(self, which: str = "all") -> VaeLatentFrame:
        """The test digits' encodings (posterior means) with their labels, and the decoded latent
        grid as a uint8 image (all cheap: ``which`` is ignored)."""
        probabilities = self.model.decode(self.grid_z).numpy()
        return VaeLatentFrame(
            means=self.model.encode(self.test_images)[0].numpy(),
            labels=self.test_labels,
            grid=(tile(probabilities, GRID_SIZE) * 255).round().astype(np.uint8),
            grid_z=self.grid_z.numpy(),
            grid_size=GRID_SIZE,
            epochs=self.epochs_done,
        )

    def divergence_advice(self) -> str:
        return (
            f"Try a lower learning rate (now {self.config.learning_rate:g}) or a larger batch "
            f"(now {self.config.batch_size})."
        )

    # ----- live knobs -----

    def apply_live_settings(self, config: VaeRunConfig) -> None:
        """Apply beta, the learning rate, the batch size and the KL warm-up of ``config``."""
        self.config = dataclasses.replace(self.config, **config.live_settings())
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate
