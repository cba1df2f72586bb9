"""What the Image GANs page computes from a shipped generator: samples from a fixed noise grid,
the class-conditional grid, InfoGAN's codes swept one at a time (with what each continuous code
does to the digit: its slant and width, measured from the ink's moments), interpolation in z."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from engine.config import RunConfig, check_choice, check_ranges
from engine.image_gans.models import CLASSES, CONTINUOUS_CODES, ImageGenerator, infogan_codes
from engine.image_gans.shipped import SHIPPED_IMAGE_GANS

VIEWS = {
    "samples": "🎲 Samples",
    "classes": "🔢 Classes × noise",
    "codes": "🎛️ InfoGAN's codes",
    "interpolate": "↔️ Interpolation in z",
    "train": "🏋️ Train a DCGAN live",
}
SWEEP = np.linspace(-1.0, 1.0, 9)


@dataclass(frozen=True)
class ImageGanViewConfig(RunConfig):
    view: str = "samples"
    model: str = "gan-dcgan"
    seed: int = 0
    seed_to: int = 1  # interpolation's end

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        check_choice("model", self.model, SHIPPED_IMAGE_GANS)
        check_ranges(self, [("seed", 0, 2**31 - 1), ("seed_to", 0, 2**31 - 1)])


def draw_inputs(generator: ImageGenerator, n: int, rng: torch.Generator, labels: torch.Tensor | None = None):
    """(z, labels, codes or None) for n samples; random labels unless given (InfoGAN: the categorical
    code; its continuous codes uniform on [-1, 1])."""
    z = torch.randn(n, generator.z_dim, generator=rng)
    labels = torch.randint(0, CLASSES, (n,), generator=rng) if labels is None else labels
    # Only InfoGAN draws codes: drawing them for every kind would move the other kinds' later draws
    # from ``rng``, and with them the shipped figures (the evaluation table's samples).
    continuous = torch.rand(n, CONTINUOUS_CODES, generator=rng) * 2 - 1 if generator.kind == "infogan" else None
    return z, labels, infogan_codes(generator, labels, continuous)


@torch.no_grad()
def sample(
    generator: ImageGenerator, n: int, seed: int = 0, labels: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(n digits (n, 28, 28), the class or categorical code each was drawn for: 0, 1, ..., 9, 0, ... unless given)."""
    z, labels, codes = draw_inputs(
        generator, n, torch.Generator().manual_seed(seed), torch.arange(n) % CLASSES if labels is None else labels
    )
    return generator(z, labels, codes), labels


@torch.no_grad()
def class_grid(generator: ImageGenerator, columns: int = 8, seed: int = 0) -> torch.Tensor:
    """(10, columns, 28, 28): row k is class k (InfoGAN: code k), column j the same noise z_j in every row."""
    z = torch.randn(columns, generator.z_dim, generator=torch.Generator().manual_seed(seed)).repeat(CLASSES, 1)
    labels = torch.arange(CLASSES).repeat_interleave(columns)
    return generator(z, labels, infogan_codes(generator, labels)).reshape(CLASSES, columns, 28, 28)


@torch.no_grad()
def code_sweep(generator: ImageGenerator, code: int, seed: int = 0) -> torch.Tensor:
    """InfoGAN: (10, len(SWEEP), 28, 28): row k is categorical code k, the continuous code ``code`` swept
    from -1 to 1 across, the other at 0, one z for the whole grid."""
    z = torch.randn(1, generator.z_dim, generator=torch.Generator().manual_seed(seed)).repeat(CLASSES * len(SWEEP), 1)
    continuous = torch.zeros(len(z), CONTINUOUS_CODES)
    continuous[:, code] = torch.as_tensor(SWEEP, dtype=torch.float32).repeat(CLASSES)
    labels = torch.arange(CLASSES).repeat_interleave(len(SWEEP))
    return generator(z, None, infogan_codes(generator, labels, continuous)).reshape(CLASSES, len(SWEEP), 28, 28)


def slant_and_width(images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Per image, from the ink's second moments (x right, y up): slant = cov(x, y) / var(y) (how far
    the stroke leans right per row), width = the ink's horizontal standard deviation in pixels."""
    ink = images.reshape(-1, 28, 28).double().clamp_min(0)
    ys, xs = torch.meshgrid(
        -torch.arange(28.0, dtype=torch.float64), torch.arange(28.0, dtype=torch.float64), indexing="ij"
    )
    mass = ink.sum(dim=(1, 2)).clamp_min(1e-9)
    mx, my = (ink * xs).sum(dim=(1, 2)) / mass, (ink * ys).sum(dim=(1, 2)) / mass
    cxy = (ink * (xs - mx[:, None, None]) * (ys - my[:, None, None])).sum(dim=(1, 2)) / mass
    vy = (ink * (ys - my[:, None, None]) ** 2).sum(dim=(1, 2)) / mass
    vx = (ink * (xs - mx[:, None, None]) ** 2).sum(dim=(1, 2)) / mass
    return (cxy / vy.clamp_min(1e-9)).numpy(), vx.sqrt().numpy()


def code_effects(generator: ImageGenerator, seeds: int = 20) -> dict[str, tuple[float, float]]:
    """For each continuous code, the correlation of its value with the digits' slant and width over
    sweeps of ``seeds`` noise vectors and every categorical code: which code does what."""
    effects = {}
    for code in range(CONTINUOUS_CODES):
        values, slants, widths = [], [], []
        for seed in range(seeds):
            grid = code_sweep(generator, code, seed)
            slant, width = slant_and_width(grid)
            values.append(np.tile(SWEEP, CLASSES))
            slants.append(slant)
            widths.append(width)
        v, s, w = np.concatenate(values), np.concatenate(slants), np.concatenate(widths)
        effects[f"c{code + 1}"] = (float(np.corrcoef(v, s)[0, 1]), float(np.corrcoef(v, w)[0, 1]))
    return effects


def code_agreement(codes: np.ndarray, digits: np.ndarray) -> tuple[float, np.ndarray]:
    """(the share of samples whose classifier digit matches their categorical code under the best
    one-to-one map of codes to digits, that map: digit of each code), by Hungarian matching on the
    10 x 10 confusion matrix (scipy)."""
    confusion = np.zeros((CLASSES, CLASSES))
    np.add.at(confusion, (codes, digits), 1)
    rows, columns = linear_sum_assignment(-confusion)
    return float(confusion[rows, columns].sum() / len(codes)), columns


@torch.no_grad()
def interpolation(generator: ImageGenerator, seed: int, seed_to: int, steps: int = 10, label: int = 3) -> torch.Tensor:
    """(steps, 28, 28): G along the straight line from z(seed) to z(seed_to), the class (or code) fixed."""
    a = torch.randn(1, generator.z_dim, generator=torch.Generator().manual_seed(seed))
    b = torch.randn(1, generator.z_dim, generator=torch.Generator().manual_seed(seed_to))
    t = torch.linspace(0, 1, steps)[:, None]
    z = (1 - t) * a + t * b
    labels = torch.full((steps,), label)
    return generator(z, labels, infogan_codes(generator, labels))


def tile(images: torch.Tensor | np.ndarray, gap: int = 2) -> np.ndarray:
    """(rows, columns, 28, 28) -> one grey image with white gaps, values in [0, 1] (ink dark)."""
    rows, columns = images.shape[:2]
    out = np.ones((rows * (28 + gap) - gap, columns * (28 + gap) - gap))
    for r in range(rows):
        for c in range(columns):
            out[r * (28 + gap) : r * (28 + gap) + 28, c * (28 + gap) : c * (28 + gap) + 28] = 1 - np.asarray(
                images[r, c]
            )
    return out
