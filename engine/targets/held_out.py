"""What every live 2-D density model is scored on and drawn with, so that their figures compare.

- :func:`held_out_samples`: the ``HELD_OUT_SIZE`` samples a run with ``seed`` is scored on (its
  NLL, KL(p||q) = E_p[log p - log q] by Monte Carlo, W1, modes): the same for flows, RNADE,
  diffusion and flow matching and the Arena's contenders.
- :class:`DensityFrame`: the cheap 2-D views of a density model, the target's and the model's
  densities on one ``DENSITY_IMAGE_SIZE`` grid over the target's extent, and model samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.live.task import Frame
from engine.targets.base import Target

HELD_OUT_SIZE = 4096
HELD_OUT_SEED_OFFSET = 1_000_003
DENSITY_IMAGE_SIZE = 56  # evaluation grid; the pages upsample it smoothly


def held_out_samples(target: Target, seed: int) -> torch.Tensor:
    """The HELD_OUT_SIZE samples a run with ``seed`` is scored on, drawn apart from its training
    batches (seed + HELD_OUT_SEED_OFFSET)."""
    return target.sample(HELD_OUT_SIZE, torch.Generator().manual_seed(seed + HELD_OUT_SEED_OFFSET))


@dataclass(frozen=True, kw_only=True)
class DensityFrame(Frame):
    """The cheap 2-D views: target and model densities on a grid over ``extent``, model samples."""

    extent: tuple
    target_density: np.ndarray  # (size, size)
    model_density: np.ndarray  # (size, size), the same grid
    samples: np.ndarray  # (n, 2): the model's samples
