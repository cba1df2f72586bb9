"""Corruptions, and the classical filters a denoising autoencoder is measured against
(seeds: "Applications of AE: Denoising"; Vincent et al., JMLR 2010).

A corruption is a kind and a level: ``gaussian`` (x + sigma * noise, clipped to [0, 1]; level =
sigma), ``salt_and_pepper`` (a fraction ``level`` of pixels set to 0 or 1, half each) and
``block`` (a square of side round(level * 28) set to 0 at a random place: the digit partly
masked). All drawn from a ``torch.Generator``, so a seed gives the same noise.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

CORRUPTIONS = ("gaussian", "salt_and_pepper", "block")
CORRUPTION_LABELS = {"gaussian": "Gaussian noise", "salt_and_pepper": "salt and pepper", "block": "masked block"}
FILTERS = ("median", "gaussian")


def corrupt(images: torch.Tensor, kind: str, level: float, generator: torch.Generator) -> torch.Tensor:
    """A corrupted copy of ``images`` (n, 28, 28) in [0, 1] (see the module docstring)."""
    if kind not in CORRUPTIONS:
        raise ValueError(f"The corruption must be one of {', '.join(CORRUPTIONS)}; got {kind!r}.")
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"The corruption level must be between 0 and 1; got {level}.")
    images = torch.as_tensor(images, dtype=torch.float32).reshape(-1, 28, 28)
    if kind == "gaussian":
        return (images + level * torch.randn(images.shape, generator=generator)).clamp(0.0, 1.0)
    if kind == "salt_and_pepper":
        hit = torch.rand(images.shape, generator=generator) < level
        salt = torch.rand(images.shape, generator=generator) < 0.5
        return torch.where(hit, salt.float(), images)
    side = round(level * 28)
    corrupted = images.clone()
    if side == 0:
        return corrupted
    corners = torch.randint(0, 28 - side + 1, (len(images), 2), generator=generator)
    for image, (row, column) in zip(corrupted, corners.tolist()):
        image[row : row + side, column : column + side] = 0.0
    return corrupted


def classical_filter(images, kind: str, size: float) -> np.ndarray:
    """A median filter (``size`` x ``size`` window) or a Gaussian blur (sigma = ``size``) of each
    digit (scipy.ndimage)."""
    images = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    if kind == "median":
        return np.stack([ndimage.median_filter(image, size=int(size)) for image in images])
    if kind == "gaussian":
        return np.stack([ndimage.gaussian_filter(image, sigma=size) for image in images])
    raise ValueError(f"The filter must be one of {', '.join(FILTERS)}; got {kind!r}.")
