"""Coloured MNIST at 32 x 32, where coarse and fine factors differ, so style mixing shows something.

Each image is an MNIST digit (the shipped subset, :mod:`engine.mnist`) scaled, slanted and
shifted (the shape factors: which digit, its size and its slant) and painted: the stroke in one
colour over a background of another (the colour factors). A StyleGAN learns the shape in its
coarse layers and the colours in its fine ones; swapping one group of layers then swaps one
group of factors.

Everything is drawn from a seeded ``torch.Generator``: the same seed gives the same images.
Images are float32 in [-1, 1], shape (n, 3, 32, 32), the generator's output range.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

RESOLUTION = 32
SCALE_RANGE = (0.8, 1.1)  # the digit's size, relative to MNIST's 20-pixel box in a 28-pixel frame
SLANT_RANGE = (-0.35, 0.35)  # horizontal shear
SHIFT_RANGE = (-0.08, 0.08)  # translation, in units of half the image
STROKE_SATURATION, STROKE_VALUE = (0.55, 1.0), (0.8, 1.0)  # bright, saturated strokes
BACKGROUND_SATURATION, BACKGROUND_VALUE = (0.3, 0.9), (0.1, 0.45)  # darker backgrounds of any hue


@dataclass(frozen=True)
class ColorFactors:
    """The factors behind a batch of coloured digits (each a tensor with one row per image)."""

    scale: torch.Tensor  # (n,)
    slant: torch.Tensor  # (n,)
    shift: torch.Tensor  # (n, 2)
    stroke: torch.Tensor  # (n, 3) RGB in [0, 1]
    background: torch.Tensor  # (n, 3) RGB in [0, 1]


def _uniform(n: int, bounds: tuple[float, float], generator: torch.Generator, *shape: int) -> torch.Tensor:
    low, high = bounds
    return low + (high - low) * torch.rand(n, *shape, generator=generator)


def _hsv_to_rgb(hue: torch.Tensor, saturation: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    return torch.tensor(
        [
            colorsys.hsv_to_rgb(h, s, v)
            for h, s, v in zip(hue.tolist(), saturation.tolist(), value.tolist(), strict=True)
        ],
        dtype=torch.float32,
    ).reshape(-1, 3)


def sample_factors(n: int, generator: torch.Generator) -> ColorFactors:
    """Random shape and colour factors for ``n`` images (stroke and background hues independent)."""
    stroke = _hsv_to_rgb(
        torch.rand(n, generator=generator),
        _uniform(n, STROKE_SATURATION, generator),
        _uniform(n, STROKE_VALUE, generator),
    )
    background = _hsv_to_rgb(
        torch.rand(n, generator=generator),
        _uniform(n, BACKGROUND_SATURATION, generator),
        _uniform(n, BACKGROUND_VALUE, generator),
    )
    return ColorFactors(
        _uniform(n, SCALE_RANGE, generator),
        _uniform(n, SLANT_RANGE, generator),
        _uniform(n, SHIFT_RANGE, generator, 2),
        stroke,
        background,
    )


def render(digits: torch.Tensor, factors: ColorFactors) -> torch.Tensor:
    """Grey digits (n, 28, 28) in [0, 1] -> coloured images (n, 3, 32, 32) in [-1, 1]: each digit
    padded to 32 x 32, scaled, slanted and shifted (one bilinear resampling), then painted
    stroke * intensity + background * (1 - intensity)."""
    n = len(digits)
    padded = F.pad(torch.as_tensor(digits, dtype=torch.float32)[:, None], (2, 2, 2, 2))
    # affine_grid maps output coordinates to input ones: the inverse of "scale, then slant"
    inverse_scale = 1 / factors.scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = inverse_scale
    theta[:, 0, 1] = -factors.slant * inverse_scale
    theta[:, 1, 1] = inverse_scale
    theta[:, :, 2] = -factors.shift * inverse_scale[:, None]
    grid = F.affine_grid(theta, (n, 1, RESOLUTION, RESOLUTION), align_corners=False)
    intensity = F.grid_sample(padded, grid, mode="bilinear", padding_mode="zeros", align_corners=False).clamp(0, 1)
    image = factors.stroke[:, :, None, None] * intensity + factors.background[:, :, None, None] * (1 - intensity)
    return image * 2 - 1


def color_digits(digits: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, ColorFactors]:
    """Render ``digits`` with freshly drawn factors; (images, factors)."""
    factors = sample_factors(len(digits), generator)
    return render(digits, factors), factors


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Images (n, 3, H, W) in [-1, 1] -> (n, H, W, 3) uint8, for display."""
    return ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def stroke_and_background(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimated stroke and background colours (n, 3) in [0, 1] of images in [-1, 1]: the mean
    colour of each image's brightest 5% of pixels by value (strokes are brighter than any
    background, and cover 10 to 20% of an image) and of its darkest half, which needs no mask and
    works on generated images too."""
    rgb = (images.detach().clamp(-1, 1) + 1) / 2
    n = len(rgb)
    flat = rgb.reshape(n, 3, -1)
    value = flat.max(dim=1).values  # HSV value per pixel

    def mean_colour(indices: torch.Tensor) -> torch.Tensor:
        return flat.gather(2, indices[:, None, :].expand(n, 3, indices.shape[1])).mean(-1)

    pixels = flat.shape[-1]
    return mean_colour(value.topk(pixels // 20, dim=1).indices), mean_colour((-value).topk(pixels // 2, dim=1).indices)
