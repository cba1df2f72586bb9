"""What the Style Mixing page and its benchmark measure on a generator.

* :func:`digits_of`: the MNIST classifier's digit for coloured 32 x 32 images, read from their
  brightness (stroke over background, normalised per image, cropped to 28 x 28).
* :func:`mixing_scores`: style mixing that works, in numbers: with source B's *coarse* styles the
  image should show B's digit; with B's *fine* styles it should keep A's digit while its colours
  move to B's.
* :func:`style_influence`: for each layer, how much the image changes when only that layer's w is
  swapped for another seed's (mean absolute pixel change), which shows which layers are coarse.
* :func:`classifier_fid`: the Frechet distance between Gaussian fits of the classifier's 64
  features on generated and on real held-out images (Heusel et al., 2017, with this network in
  place of Inception; comparable only with itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.mnist_classifier import MnistClassifier, classifier_outputs
from engine.sample_metrics import frechet_distance
from engine.stylegan.data import stroke_and_background
from engine.stylegan.models import Generator, z_from_seeds

COARSE, MIDDLE, FINE = (0, 1, 2), (3, 4), (5, 6)
PRESETS = {"coarse": COARSE, "middle": MIDDLE, "fine": FINE}


def grey_digits(images: torch.Tensor) -> torch.Tensor:
    """Coloured images (n, 3, 32, 32) in [-1, 1] -> MNIST-like (n, 28, 28) in [0, 1]: per-pixel
    value (max over RGB) rescaled so the background is 0 and the stroke 1, centre-cropped."""
    stroke, background = stroke_and_background(images)
    value = ((images.clamp(-1, 1) + 1) / 2).max(dim=1).values
    low, high = background.max(dim=1).values, stroke.max(dim=1).values
    grey = (value - low[:, None, None]) / (high - low).clamp_min(0.05)[:, None, None]
    return grey.clamp(0, 1)[:, 2:30, 2:30]


@torch.no_grad()
def digits_of(classifier: MnistClassifier, images: torch.Tensor) -> torch.Tensor:
    return classifier(grey_digits(images)).argmax(dim=1)


@dataclass(frozen=True)
class MixingScores:
    coarse_takes_b_digit: float  # share of cells with B's coarse styles classified as B's digit
    fine_keeps_a_digit: float  # share of cells with B's fine styles classified as A's digit
    fine_colour_to_b: float  # share of those whose stroke colour is nearer B's than A's
    cells: int


@torch.no_grad()
def mixing_scores(
    generator: Generator, classifier: MnistClassifier, seeds_a: list[int], seeds_b: list[int], coarse=COARSE, fine=FINE
) -> MixingScores:
    """Every (A, B) pair mixed at the coarse and at the fine layers (noise off). Cells where the
    classifier cannot tell A's digit from B's are still counted (a stricter measure)."""
    ws_a = generator.map(z_from_seeds(seeds_a, generator.z_dim))
    ws_b = generator.map(z_from_seeds(seeds_b, generator.z_dim))
    images_a, images_b = generator.synthesize(ws_a, "none"), generator.synthesize(ws_b, "none")
    digit_a, digit_b = digits_of(classifier, images_a), digits_of(classifier, images_b)
    stroke_a, _ = stroke_and_background(images_a)
    stroke_b, _ = stroke_and_background(images_b)
    takes_b = keeps_a = colour_b = 0
    for j in range(len(seeds_b)):
        b = ws_b[j : j + 1].expand_as(ws_a)
        with_coarse = generator.synthesize(Generator.mix_styles(ws_a, b, coarse), "none")
        with_fine = generator.synthesize(Generator.mix_styles(ws_a, b, fine), "none")
        takes_b += int((digits_of(classifier, with_coarse) == digit_b[j]).sum())
        keeps_a += int((digits_of(classifier, with_fine) == digit_a).sum())
        stroke, _ = stroke_and_background(with_fine)
        colour_b += int(((stroke - stroke_b[j]).norm(dim=1) < (stroke - stroke_a).norm(dim=1)).sum())
    cells = len(seeds_a) * len(seeds_b)
    return MixingScores(takes_b / cells, keeps_a / cells, colour_b / cells, cells)


@torch.no_grad()
def style_influence(generator: Generator, seeds: int = 64, seed: int = 0) -> np.ndarray:
    """Mean |change| per pixel (in [0, 2] units) when only layer i's w comes from another z, for
    each layer i (noise off)."""
    rng = torch.Generator().manual_seed(seed)
    ws_a = generator.map(torch.randn(seeds, generator.z_dim, generator=rng))
    ws_b = generator.map(torch.randn(seeds, generator.z_dim, generator=rng))
    base = generator.synthesize(ws_a, "none")
    return np.array(
        [
            float((generator.synthesize(Generator.mix_styles(ws_a, ws_b, [i]), "none") - base).abs().mean())
            for i in range(generator.num_ws)
        ]
    )


@torch.no_grad()
def classifier_features(classifier: MnistClassifier, images: torch.Tensor) -> np.ndarray:
    """The classifier's features of colour images, after :func:`grey_digits`."""
    return classifier_outputs(classifier, grey_digits(images))[0]


@torch.no_grad()
def classifier_fid(
    generator: Generator, classifier: MnistClassifier, real: torch.Tensor, n: int = 5000, seed: int = 0
) -> float:
    """FID in the classifier's features between ``n`` generated images (psi = 1, random noise) and ``real``."""
    rng = torch.Generator().manual_seed(seed)
    fake = torch.cat(
        [
            generator.synthesize(
                generator.map(torch.randn(500, generator.z_dim, generator=rng)), "random", generator=rng
            )
            for _ in range(-(-n // 500))
        ]
    )[:n]
    return frechet_distance(classifier_features(classifier, fake), classifier_features(classifier, real))


def real_held_out(count: int | None = None, seed: int = 1) -> torch.Tensor:
    """The held-out digits rendered in colour (a fixed seed), the real side of the FID."""
    from engine.mnist import load_mnist
    from engine.stylegan.data import color_digits

    digits = torch.as_tensor(load_mnist().test_images[:count])
    images, _ = color_digits(digits, torch.Generator().manual_seed(seed))
    return images
