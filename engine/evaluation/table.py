"""One evaluation table for every shipped image model: each model's samples scored in the MNIST
classifier's features against the held-out digits (:mod:`engine.evaluation.metrics`), its test
log-likelihood where it has one (exact for the autoregressive models, the IWAE bound with
k = 5,000 for the VAEs: both from the model cards, on the same 1,000 binarized held-out digits),
and its sampling time.

What each model's samples are: the VAEs' decoder means p(x | z), z ~ N(0, I) (grey levels; a
Bernoulli draw per pixel would be salt and pepper); the autoregressive models' binary digits,
drawn pixel by pixel; the image GANs' digits (random classes or codes); the style-based generator's coloured digits made grey (value, stroke to 1,
background to 0, centre-cropped to 28 x 28; :func:`engine.stylegan.evaluate.grey_digits`). The
real side is the 1,000 held-out digits in grey; the floor is 1,000 training digits against them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE, load_shipped
from engine.evaluation.metrics import inception_score, precision_recall
from engine.image_gans.explore import draw_inputs
from engine.image_gans.models import ImageGenerator
from engine.image_gans.shipped import SHIPPED_IMAGE_GANS
from engine.mnist import load_mnist
from engine.mnist_classifier import CLASSIFIER, MnistClassifier, classifier_outputs
from engine.pretrained import PRETRAINED_DIR, load_model
from engine.sample_metrics import frechet_distance
from engine.vae.models import VAE
from engine.vae.shipped import SHIPPED_VAES

STYLEGAN = "stylegan-color-digits"


@dataclass(frozen=True)
class ImageModel:
    name: str  # folder in pretrained/
    label: str
    family: str
    likelihood: str  # "exact", "bound" or "none"


IMAGE_MODELS = {
    **{name: ImageModel(name, vae.label, "VAE", "bound") for name, vae in SHIPPED_VAES.items()},
    **{
        name: ImageModel(name, shipped.label, "autoregressive", "exact")
        for name, shipped in SHIPPED_AUTOREGRESSIVE.items()
    },
    **{name: ImageModel(name, label, "GAN", "none") for name, label in SHIPPED_IMAGE_GANS.items()},
    STYLEGAN: ImageModel(STYLEGAN, "Style-based generator (grey)", "GAN", "none"),
}


def sampler(name: str) -> Callable[[int, torch.Generator], torch.Tensor]:
    """``draw(n, generator)`` -> n digits (n, 28, 28) in [0, 1] from the shipped model ``name``."""
    family = IMAGE_MODELS[name].family
    if family == "VAE":
        vae = load_model(name, VAE).eval()
        return lambda n, g: vae.decode(torch.randn(n, vae.latent_dim, generator=g)).reshape(n, 28, 28)
    if family == "autoregressive":
        model = load_shipped(name)
        return lambda n, g: model.sample(n, g).float()
    if name in SHIPPED_IMAGE_GANS:
        gan = load_model(name, ImageGenerator).eval()

        def draw(n: int, g: torch.Generator) -> torch.Tensor:
            z, labels, codes = draw_inputs(gan, n, g)
            return gan(z, labels, codes)

        return draw
    from engine.stylegan.evaluate import grey_digits
    from engine.stylegan.models import Generator

    generator = load_model(name, Generator).eval()
    return lambda n, g: grey_digits(
        generator.synthesize(generator.map(torch.randn(n, generator.z_dim, generator=g)), "random", generator=g)
    )


def card_nll(name: str) -> float | None:
    """-log p(x) per held-out digit in nats from the model card: exact, or the VAE's IWAE bound (an upper bound)."""
    figures = json.loads((PRETRAINED_DIR / name / "figures.json").read_text())
    if "held_out_nll_nats" in figures:
        return float(figures["held_out_nll_nats"])
    return -float(figures["log_likelihood"]) if "log_likelihood" in figures else None


@dataclass
class RealDigits:
    """The classifier and the real side: held-out digits' features, and the floor's training digits'."""

    classifier: MnistClassifier
    held_out: np.ndarray
    training: np.ndarray
    training_probabilities: np.ndarray

    @classmethod
    def load(cls, count: int = 1000) -> RealDigits:
        classifier = load_model(CLASSIFIER, MnistClassifier).eval()
        split = load_mnist()
        held_out = classifier_outputs(classifier, torch.as_tensor(split.test_images[:count], dtype=torch.float32))[0]
        training = classifier_outputs(classifier, torch.as_tensor(split.train_images[:count], dtype=torch.float32))
        return cls(classifier, held_out, *training)

    def floor(self) -> dict[str, float]:
        """The scores of real digits: what a perfect model would get with this many samples."""
        precision, recall = precision_recall(self.held_out, self.training)
        return {
            "fid": frechet_distance(self.held_out, self.training),
            "inception_score": inception_score(self.training_probabilities),
            "precision": precision,
            "recall": recall,
        }


@torch.no_grad()
def evaluate(
    name: str, real: RealDigits, n: int = 1000, seed: int = 0, batch: int = 100
) -> dict[str, float | str | None]:
    """Every figure of the table for one model (n samples, drawn in batches, timed)."""
    draw, generator = sampler(name), torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    images = torch.cat([draw(min(batch, n - start), generator) for start in range(0, n, batch)])
    sample_ms = 1000 * (time.perf_counter() - started) / n
    features, probabilities = classifier_outputs(real.classifier, images)
    precision, recall = precision_recall(real.held_out, features)
    return {
        "model": name,
        "label": IMAGE_MODELS[name].label,
        "family": IMAGE_MODELS[name].family,
        "fid": frechet_distance(real.held_out, features),
        "inception_score": inception_score(probabilities),
        "precision": precision,
        "recall": recall,
        "nll": card_nll(name),
        "likelihood": IMAGE_MODELS[name].likelihood,
        "sample_ms": sample_ms,
        "samples": n,
    }
