"""What the VAE page shows, as a config (the URL carries it) and the computations behind each view."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.config import RunConfig, check_choice, check_ranges
from engine.mnist import binarize
from engine.vae.bounds import IWAE_CURVE_KS, elbo_terms, iwae_bounds
from engine.vae.latent import SPACINGS, interpolate, posterior_on_grid
from engine.vae.models import VAE
from engine.vae.shipped import SHIPPED_VAES

VIEWS = {
    "map": "🗺️ Latent map",
    "interpolate": "↔️ Interpolate",
    "posterior": "✏️ Draw → posterior",
    "beta": "⚖️ β side by side",
    "live": "🏋️ Train live",
}
INTERPOLATIONS = ("linear", "spherical")
TEST_DIGITS = 1000  # the held-out split of the shipped subset
POSTERIOR_GRID = 61  # p(z|x) on 61 x 61 points (twice: a coarse pass, then the window shown)
RECONSTRUCTION_SAMPLES = 100  # Monte Carlo draws for one digit's E_q log p(x|z)


@dataclass(frozen=True)
class VaeViewConfig(RunConfig):
    """Everything a VAE page link reproduces (the live-training view has its own config)."""

    view: str = "map"
    model: str = "vae-2d"
    grid: int = 20
    spacing: str = "quantile"
    encodings: bool = True
    z1: float = 0.0
    z2: float = 0.0
    start: int = 0  # test digits: interpolation ends, and the digit whose posterior is shown
    end: int = 1
    steps: int = 10
    interpolation: str = "spherical"
    from_digit: int = 4  # latent arithmetic: z + alpha (mean of to_digit - mean of from_digit)
    to_digit: int = 9
    source: str = "drawn"  # the posterior view's input: "drawn" on the canvas, or a "test" digit

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        check_choice("model", self.model, SHIPPED_VAES)
        check_choice("grid spacing", self.spacing, SPACINGS)
        check_choice("interpolation", self.interpolation, INTERPOLATIONS)
        if self.source not in ("test", "drawn"):
            raise ValueError(f"The posterior's input is 'test' or 'drawn'; got {self.source!r}.")
        check_ranges(
            self,
            [
                ("grid", 5, 30),
                ("z1", -4, 4),
                ("z2", -4, 4),
                ("start", 0, TEST_DIGITS - 1),
                ("end", 0, TEST_DIGITS - 1),
                ("steps", 3, 16),
                ("from_digit", 0, 9),
                ("to_digit", 0, 9),
            ],
        )


@torch.no_grad()
def decode(model: VAE, z: np.ndarray | torch.Tensor) -> np.ndarray:
    """Decoder means for latent points (k, d) -> (k, 28, 28)."""
    return model.decode(torch.as_tensor(np.asarray(z), dtype=torch.float32).reshape(-1, model.latent_dim)).numpy()


def interpolation_path(model: VAE, image_a: np.ndarray, image_b: np.ndarray, steps: int, kind: str) -> np.ndarray:
    """Latent points from the posterior mean of image A to that of image B."""
    with torch.no_grad():
        mu, _ = model.encode(binarize(np.stack([image_a, image_b])))
    return interpolate(mu[0], mu[1], steps, kind).numpy()


def arithmetic_path(z: np.ndarray, class_means: np.ndarray, from_digit: int, to_digit: int, steps: int) -> np.ndarray:
    """z + alpha (m_to - m_from) for alpha from 0 to 1: moving a digit along the difference of two class means."""
    alpha = np.linspace(0.0, 1.0, steps)[:, None]
    return z[None, :] + alpha * (class_means[to_digit] - class_means[from_digit])[None, :]


def class_means(encodings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean posterior mean of each digit's test encodings, (10, d)."""
    return np.stack([encodings[labels == digit].mean(axis=0) for digit in range(10)])


@dataclass
class DigitInference:
    """One digit through the model: q(z|x), its reconstruction, its bounds and (2-D) p(z|x)."""

    binary: np.ndarray  # the binarized input, (28, 28)
    mu: np.ndarray
    sigma: np.ndarray
    reconstruction_image: np.ndarray  # decode(mu)
    reconstruction: float  # E_q log p(x|z), Monte Carlo
    kl: float  # closed form
    iwae: list[float]  # L_k for IWAE_CURVE_KS
    posterior: np.ndarray | None = None  # p(z|x) on the grid posterior_axes (rows: z_2 decreasing)
    posterior_axes: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def elbo(self) -> float:
        return self.reconstruction - self.kl


@torch.no_grad()
def infer_digit(model: VAE, image: np.ndarray, seed: int = 0) -> DigitInference:
    """Encode one digit (28 x 28 in [0, 1]; binarized here) and measure everything the view shows."""
    x = binarize(image).reshape(1, -1)
    generator = torch.Generator().manual_seed(seed)
    mu, log_var = model.encode(x)
    terms = elbo_terms(model, x, samples=RECONSTRUCTION_SAMPLES, generator=generator)
    iwae = [bound.item() for bound in iwae_bounds(model, x, IWAE_CURVE_KS, IWAE_CURVE_KS[-1], generator).values()]
    mu, sigma = mu[0].numpy(), (0.5 * log_var[0]).exp().numpy()
    inference = DigitInference(
        binary=x.reshape(28, 28).numpy(),
        mu=mu,
        sigma=sigma,
        reconstruction_image=decode(model, mu)[0],
        reconstruction=terms["reconstruction"].item(),
        kl=terms["kl"].item(),
        iwae=iwae,
    )
    if model.latent_dim == 2:
        # p(z|x) can sit far from q (the amortization gap): a coarse pass over [-4, 4]^2 finds its
        # mode, and the square window shown covers both q's mean and that mode.
        coarse_axis = np.linspace(-4.0, 4.0, POSTERIOR_GRID)
        coarse = posterior_on_grid(model, x, coarse_axis, coarse_axis)
        row, column = np.unravel_index(coarse.argmax(), coarse.shape)
        mode = np.array([coarse_axis[column], coarse_axis[::-1][row]])
        center = (mu.clip(-4.0, 4.0) + mode) / 2
        half_width = max(4.0 * float(sigma.max()), 0.75, float(np.abs(mu - mode).max()) / 2 + 0.5)
        offsets = np.linspace(-half_width, half_width, POSTERIOR_GRID)
        inference.posterior_axes = (center[0] + offsets, center[1] + offsets)
        inference.posterior = posterior_on_grid(model, x, *inference.posterior_axes)
    return inference
