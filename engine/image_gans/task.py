"""A small DCGAN trained live on the digits (the Image GANs page's "Train live" view).

The shipped DCGAN's networks at half the width (:mod:`engine.image_gans.models`), the same
loss as ``python -m engine.train.image_gans`` (non-saturating, Adam with beta1 0.5, one D step per
G step) on minibatches of the 4,000 training digits, on the GPU when the engine finds one. By
default with the recipe the shipped InfoGAN needed, not the DCGAN paper's (z of 64, both learning
rates 2e-4): z of 16 and G's learning rate 1e-3. Measured at width 32 on one CPU thread (FID of 500
samples at steps 300 / 600 / 1,200): the paper's 928 / 327 / 217, z 16 alone 810 / 310 / 177, G's
lr 1e-3 alone 209 / 176 / 113, both 214 / 128 / 71: digits a few times sooner in a live demo. Metrics every call: D's mean output on real and on fake digits; on the costly frames the
classifier-feature FID of 500 samples against the 1,000 held-out digits
(:mod:`engine.evaluation.metrics`). Every frame: the 64 digits of a fixed noise grid.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_ranges, seeded
from engine.device import get_device
from engine.image_gans.models import ImageDiscriminator, ImageGenerator
from engine.live.task import Frame
from engine.mnist import load_mnist
from engine.mnist_classifier import CLASSIFIER, MnistClassifier, classifier_outputs
from engine.pretrained import load_model
from engine.sample_metrics import frechet_distance

FID_SAMPLES = 500
GRID = 8


@dataclass(frozen=True, kw_only=True)
class DcganFrame(Frame):
    grid: np.ndarray  # (GRID, GRID, 28, 28) in [0, 1], from the same noise every frame
    epochs: float


@dataclass(frozen=True)
class LiveDcganConfig(RunConfig):
    width: int = 32
    z_dim: int = 16
    g_learning_rate: float = 1e-3
    d_learning_rate: float = 2e-4
    batch_size: int = 64
    seed: int = 0
    max_steps: int = 20_000

    LIVE_FIELDS = ("g_learning_rate", "d_learning_rate", "batch_size")

    def __post_init__(self):
        check_ranges(
            self,
            [
                ("width", 8, 64),
                ("z_dim", 2, 128),
                ("g_learning_rate", 1e-5, 0.01),
                ("d_learning_rate", 1e-5, 0.01),
                ("batch_size", 8, 256),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )


class LiveDcganTask(Checkpointed):
    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("generator", "discriminator", "g_optimizer", "d_optimizer", "rng", "steps_done", "fid")
    loss_names = ("D loss", "G loss")

    def __init__(self, config: LiveDcganConfig):
        self.config, self.device = config, get_device()
        with seeded(config.seed):
            self.generator = ImageGenerator("dcgan", z_dim=config.z_dim, width=config.width).to(self.device)
            self.discriminator = ImageDiscriminator("dcgan", width=config.width).to(self.device)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), lr=config.g_learning_rate, betas=(0.5, 0.999))
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), lr=config.d_learning_rate, betas=(0.5, 0.999)
        )
        data = load_mnist()
        self.images = torch.as_tensor(data.train_images, dtype=torch.float32)
        self.held_out = torch.as_tensor(data.test_images, dtype=torch.float32)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_noise = torch.randn(
            GRID * GRID, self.generator.z_dim, generator=torch.Generator().manual_seed(config.seed + 1)
        )
        self.steps_done = 0
        self.fid: dict[str, float] = {}
        self._classifier: MnistClassifier | None = None
        self._real_features: np.ndarray | None = None

    def _to(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device)

    def train_step(self) -> tuple[float, float]:
        batch = self.config.batch_size
        real = self._to(self.images[torch.randint(0, len(self.images), (batch,), generator=self.rng)])
        fake = self.generator(self._to(torch.randn(batch, self.generator.z_dim, generator=self.rng)))
        ones, zeros = torch.ones(batch, device=self.device), torch.zeros(batch, device=self.device)
        d_loss = F.binary_cross_entropy_with_logits(
            self.discriminator(real)[0], ones
        ) + F.binary_cross_entropy_with_logits(self.discriminator(fake.detach())[0], zeros)
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        g_loss = F.binary_cross_entropy_with_logits(self.discriminator(fake)[0], ones)
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        self.steps_done += 1
        return d_loss.item(), g_loss.item()

    @torch.no_grad()
    def _samples(self, noise: torch.Tensor) -> torch.Tensor:
        self.generator.eval()
        try:
            return self.generator(self._to(noise)).cpu()
        finally:
            self.generator.train()

    def measure_fid(self) -> None:
        """Classifier-feature FID of FID_SAMPLES samples against the held-out digits (costly frames)."""
        if self._classifier is None:
            self._classifier = load_model(CLASSIFIER, MnistClassifier).eval()
            self._real_features = classifier_outputs(self._classifier, self.held_out)[0]
        noise = torch.randn(
            FID_SAMPLES, self.generator.z_dim, generator=torch.Generator().manual_seed(self.config.seed + 2)
        )
        features = classifier_outputs(self._classifier, self._samples(noise))[0]
        self.fid = {"fid": frechet_distance(self._real_features, features), "fid_step": self.steps_done}

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        real = self._to(self.images[: self.config.batch_size])
        fake = self._samples(self.fixed_noise[: self.config.batch_size])
        self.discriminator.eval()
        try:
            d_real = torch.sigmoid(self.discriminator(real)[0]).mean().item()
            d_fake = torch.sigmoid(self.discriminator(self._to(fake))[0]).mean().item()
        finally:
            self.discriminator.train()
        return {"d_real": d_real, "d_fake": d_fake, **self.fid}

    def visuals(self, which: str = "all") -> DcganFrame:
        if which != "fast":
            self.measure_fid()
        grid = self._samples(self.fixed_noise).reshape(GRID, GRID, 28, 28).numpy()
        return DcganFrame(grid=grid, epochs=self.steps_done * self.config.batch_size / len(self.images))

    def divergence_advice(self) -> str:
        return f"Try lower learning rates (now G {self.config.g_learning_rate:g}, D {self.config.d_learning_rate:g})."

    def apply_live_settings(self, config: LiveDcganConfig) -> None:
        """The players' learning rates and the batch size."""
        self.config = dataclasses.replace(self.config, **config.live_settings())
        for optimizer, learning_rate in (
            (self.g_optimizer, self.config.g_learning_rate),
            (self.d_optimizer, self.config.d_learning_rate),
        ):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate
