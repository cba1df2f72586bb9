"""What the Autoregressive page shows, as a config (the URL carries it) and the computations behind
each view: pure functions of the shipped models and the held-out digits (the page caches them).

* Sampling: :func:`record_sampling` draws digits pixel by pixel and keeps, for every pixel, the
  probability p(x_i = 1 | x_<i) it was drawn with and the step it was drawn at, so any step of
  the sampling can be shown again (:func:`sampling_state`).
* Completion: :func:`complete` keeps the top rows and samples the rest (raster order).
* Surprise: :func:`surprise_map`, -log p(x_i | x_<i) per pixel, summing to -log p(x).
* Receptive fields: :func:`dependency_map`, which inputs the logit of one pixel depends on, by
  autograd (d logit_i / d x_j != 0 at random inputs), not by hand.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.autoregressive.models import MADE, AutoregressiveModel, PixelTransformer
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from engine.config import RunConfig, check_choice, check_ranges

VIEWS = {
    "sample": "🎲 Sampling, pixel by pixel",
    "complete": "✍️ Completion",
    "surprise": "🔥 What surprises the model",
    "receptive": "👁️ Who sees what",
    "table": "📊 Likelihoods",
    "live": "🏋️ Train live (digits)",
    "rnade": "🌀 RNADE on 2-D data",
}
SIDE, PIXELS = 28, 784
KNOWN_ROWS = 14  # completion keeps the top half
MAX_SAMPLES = 16
HELD_OUT = 1000
DIGIT_SOURCES = {"held_out": "a held-out digit", "drawn": "my drawing"}


@dataclass(frozen=True)
class AutoregressiveViewConfig(RunConfig):
    """Everything an Autoregressive page link reproduces (the live views have their own configs)."""

    view: str = "sample"
    model: str = "ar-pixelcnn"  # a folder of SHIPPED_AUTOREGRESSIVE (sampling)
    samples: int = 4
    seed: int = 0
    ordering: int = 0  # MADE trained on several orderings: which one samples
    step: int = PIXELS  # the sampling step shown (784: finished)
    source: str = "held_out"  # completion and surprise: a held-out digit or the user's drawing
    digit: int = 0  # index among the held-out digits
    row: int = 14  # the receptive-field view's output pixel
    column: int = 14

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        check_choice("model", self.model, SHIPPED_AUTOREGRESSIVE)
        check_choice("digit source", self.source, DIGIT_SOURCES)
        check_ranges(
            self,
            [
                ("samples", 1, MAX_SAMPLES),
                ("seed", 0, 2**31 - 1),
                ("ordering", 0, 7),
                ("step", 0, PIXELS),
                ("digit", 0, HELD_OUT - 1),
                ("row", 0, SIDE - 1),
                ("column", 0, SIDE - 1),
            ],
        )

    @property
    def pixel(self) -> int:
        return self.row * SIDE + self.column


# ----- sampling, pixel by pixel -----


@dataclass(frozen=True)
class SamplingRecord:
    """A finished (or partial) sampling of n digits: the pixels (n, D), the probability each pixel
    was drawn with (n, D), and each pixel's place in the order (D,) (-1: not drawn yet)."""

    images: np.ndarray
    probabilities: np.ndarray
    place: np.ndarray
    seconds: float  # sampling time, the views' drawing excluded

    @property
    def steps(self) -> int:
        return int((self.place >= 0).sum())


def record_sampling(
    model: AutoregressiveModel,
    n: int,
    seed: int,
    ordering: int = 0,
    every: int = SIDE,
    on_frame: Callable[[SamplingRecord], None] | None = None,
) -> SamplingRecord:
    """Sample n digits (generator seeded by ``seed``), calling ``on_frame`` with the record so far
    every ``every`` pixels (its time is not counted as sampling)."""
    x = torch.zeros(n, model.pixels)
    probabilities = np.zeros((n, model.pixels), dtype=np.float32)
    place = np.full(model.pixels, -1)
    seconds, started = 0.0, time.perf_counter()
    for step, (_, pixel, probability) in enumerate(
        model.sample_steps(x, torch.Generator().manual_seed(seed), ordering)
    ):
        probabilities[:, pixel] = probability.numpy()
        place[pixel] = step
        if on_frame is not None and (step + 1) % every == 0 and step + 1 < model.pixels:
            seconds += time.perf_counter() - started
            on_frame(SamplingRecord(x.numpy().copy(), probabilities.copy(), place.copy(), seconds))
            started = time.perf_counter()
    seconds += time.perf_counter() - started
    return SamplingRecord(x.numpy().copy(), probabilities, place, seconds)


def sampling_state(record: SamplingRecord, step: int) -> SamplingRecord:
    """The record as it stood after ``step`` pixels: later pixels undrawn (place -1)."""
    drawn = (record.place >= 0) & (record.place < step)
    return SamplingRecord(
        np.where(drawn, record.images, 0),
        np.where(drawn, record.probabilities, 0),
        np.where(drawn, record.place, -1),
        record.seconds,
    )


# ----- completion -----


def top_half(digit: np.ndarray) -> np.ndarray:
    """The binarized digit with its bottom rows cleared: what the models are given."""
    given = (np.asarray(digit, dtype=np.float32).reshape(SIDE, SIDE) > 0.5).astype(np.float32)
    given[KNOWN_ROWS:] = 0
    return given


def complete(model: AutoregressiveModel, given: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """``samples`` completions (samples, 28, 28) of the top :data:`KNOWN_ROWS` rows of ``given``,
    each drawn from p(bottom | top) in raster order (MADE: its raster ordering 0)."""
    known = torch.zeros(PIXELS, dtype=torch.bool)
    known[: KNOWN_ROWS * SIDE] = True
    start = torch.as_tensor(top_half(given)).reshape(1, PIXELS).repeat(samples, 1)
    return model.sample(samples, torch.Generator().manual_seed(seed), given=start, known=known).numpy()


# ----- surprise -----


@torch.no_grad()
def surprise_map(model: AutoregressiveModel, digit: np.ndarray) -> np.ndarray:
    """-log p(x_i | x_<i) for every pixel of a binary digit, (28, 28) in nats; it sums to -log p(x)."""
    x = torch.as_tensor(np.asarray(digit, dtype=np.float32)).reshape(1, PIXELS)
    return F.binary_cross_entropy_with_logits(model.logits(x), x, reduction="none").reshape(SIDE, SIDE).numpy()


def binarized(digit: np.ndarray) -> np.ndarray:
    return (np.asarray(digit, dtype=np.float32).reshape(SIDE, SIDE) > 0.5).astype(np.float32)


# ----- receptive fields -----


def dependency_map(
    model: AutoregressiveModel, pixel: int, ordering: int = 0, trials: int = 3, seed: int = 0
) -> np.ndarray:
    """(28, 28) bool: the inputs x_j on which the logit of ``pixel`` depends, i.e. where
    d logit_pixel / d x_j != 0 at any of ``trials`` random binary images (the transformer's inputs
    are tokens: the gradient is taken at their embeddings; token j + 1 carries pixel j)."""
    x = (torch.rand(trials, PIXELS, generator=torch.Generator().manual_seed(seed)) < 0.3).float()
    if isinstance(model, PixelTransformer):
        embedded = []
        hook = model.tokens.register_forward_hook(lambda module, inputs, output: embedded.append(output))
        try:
            with torch.enable_grad():
                logit = model.logits(x, ordering)[:, pixel].sum()
                (gradient,) = torch.autograd.grad(logit, embedded[0])
        finally:
            hook.remove()
        seen = torch.zeros(PIXELS, dtype=torch.bool)
        seen[:-1] = gradient[:, 1:].abs().sum(dim=(0, 2)) > 0
    else:
        x.requires_grad_(True)
        with torch.enable_grad():
            (gradient,) = torch.autograd.grad(model.logits(x, ordering)[:, pixel].sum(), x)
        seen = gradient.abs().sum(dim=0) > 0
    return seen.reshape(SIDE, SIDE).numpy()


def earlier_pixels(model: AutoregressiveModel, pixel: int, ordering: int = 0) -> np.ndarray:
    """(28, 28) bool: the pixels before ``pixel`` in the model's order (what it may see)."""
    order = model.order(ordering).numpy()
    place = np.empty(PIXELS, dtype=int)
    place[order] = np.arange(PIXELS)
    return (place < place[pixel]).reshape(SIDE, SIDE)


def made_masks(model: MADE, ordering: int = 0) -> list[np.ndarray]:
    """The MADE's masks, input to output (each (units out, units in)), and their product's support:
    output i depends on input j."""
    return [mask.numpy() for mask in model.masks(ordering)] + [model.connectivity(ordering).numpy()]


# ----- the likelihood table -----


@torch.no_grad()
def held_out_nll(
    model: AutoregressiveModel, images: torch.Tensor, batch: int = 250, mixture: bool = False
) -> tuple[float, float]:
    """Mean -log p(x) over ``images`` (n, 784) binary, in nats, and its standard error (``mixture``:
    of a MADE's ensemble over its orderings, :meth:`MADE.mixture_log_prob`)."""
    log_prob = model.mixture_log_prob if mixture else model.log_prob
    nll = torch.cat([-log_prob(images[i : i + batch]) for i in range(0, len(images), batch)])
    return float(nll.mean()), float(nll.std() / math.sqrt(len(nll)))


def scored_models() -> list[tuple[str, str, bool]]:
    """(shipped name, label, mixture) for every likelihood the page reports: each model, and for
    a MADE trained on several orderings, its first ordering and the mixture over all of them."""
    rows = []
    for name, entry in SHIPPED_AUTOREGRESSIVE.items():
        several = entry.orderings > 1
        rows.append((name, entry.label + (": ordering 0 alone" if several else ""), False))
        if several:
            rows.append((name, entry.label + ": mixture of all", True))
    return rows


def sampling_ms_per_digit(sample: Callable[[int], object], n: int = 10) -> float:
    """Wall time of drawing ``n`` digits at once, per digit (ms)."""
    started = time.perf_counter()
    sample(n)
    return (time.perf_counter() - started) / n * 1000
