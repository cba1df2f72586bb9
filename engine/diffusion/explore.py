"""The Diffusion page's view settings (apart from the run's): which noise level the field view shows."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import RunConfig, check_choice
from engine.diffusion.task import NOISE_LEVELS


@dataclass(frozen=True)
class DiffusionViewConfig(RunConfig):
    """What a Diffusion page link reproduces besides the run: the noise level of the field view."""

    noise_level: float = 0.2

    def __post_init__(self):
        check_choice("noise level", self.noise_level, NOISE_LEVELS)
