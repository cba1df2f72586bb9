"""The GANs page's presets: configurations that reliably show mode collapse, next to ones that
reliably avoid it, each with a one-line reason (measured by ``python -m benchmarks gans``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.gans.task import GanRunConfig


@dataclass(frozen=True)
class Preset:
    """A named configuration with a one-line reason it behaves as it does."""

    label: str
    explanation: str
    settings: dict[str, Any]

    def config(self, seed: int = 0, **overrides) -> GanRunConfig:
        return GanRunConfig(**{**self.settings, "seed": seed, **overrides})


# Presets that reliably show mode collapse next to ones that reliably avoid it, all with the
# default networks (2 hidden layers of 128), measured by `python -m benchmarks gans` (figures in
# benchmarks/results/gans.json).
PRESETS: dict[str, Preset] = {
    "collapse": Preset(
        "Mode collapse",
        "With small, equal learning rates and 16-D noise, the generator pushes all its samples towards whatever "
        "spot the discriminator currently rates most real; the discriminator then marks that spot fake and the "
        "whole cloud hops to another mode: nothing rewards covering all modes at once.",
        dict(target="ring8_narrow", g_lr=1e-4, d_lr=1e-4, noise_dim=16),
    ),
    "collapse_r1": Preset(
        "Same, fixed by R1",
        "The same GAN with an R1 penalty: the discriminator can no longer build steep cliffs at the real data, so "
        "its landscape stays smooth and the generator spreads over every mode instead of chasing the latest peak.",
        dict(target="ring8_narrow", g_lr=1e-4, d_lr=1e-4, noise_dim=16, r1_gamma=0.1),
    ),
    "stable": Preset(
        "Sharp on all 8 modes",
        "A fairly high learning rate finds all 8 modes quickly, then halving it every 2,000 steps lets the samples "
        "settle sharply onto each mode instead of jittering around them.",
        dict(target="ring8_narrow", g_lr=2e-3, d_lr=2e-3, lr_half_life=2000),
    ),
    "stable_grid": Preset(
        "All 25 modes of the grid",
        "The same schedule with a small R1 penalty, which keeps the discriminator smooth around each of the 25 "
        "modes so that none of them stops attracting samples, and Adam without momentum (beta1 = 0, as in "
        "StyleGAN2), which stops the two players from overshooting each other.",
        dict(target="grid25_narrow", g_lr=2e-3, d_lr=2e-3, lr_half_life=2000, r1_gamma=0.1, beta1=0.0, beta2=0.99),
    ),
}
