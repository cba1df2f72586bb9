"""What the Style Mixing page shows, computed: its URL config, the mixing grid of StyleGAN's
figure 3, truncation rows, where the noise acts, interpolation in z and in w, and the images as
one picture (numpy uint8, ready to encode).

Seeds map to z as in stylegan2-ada's scripts (:func:`engine.stylegan.models.z_from_seed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import RunConfig, check_choice, check_ranges
from engine.stylegan.data import to_uint8
from engine.stylegan.evaluate import PRESETS
from engine.stylegan.models import NOISE_MODES, Generator, z_from_seed, z_from_seeds

SOURCE_FIELDS = ("seeds_a", "seeds_b", "layers")  # the mixing and truncation views' settings
VIEWS = {
    "mixing": "🎨 Style mixing",
    "truncation": "✂️ Truncation",
    "noise": "🌫️ Noise",
    "interpolate": "↔️ z vs w",
    "influence": "📊 Layer influence",
}
MAX_SEEDS = 8
MAX_SEED = 2**31 - 1
NUM_LAYERS = 7
CELL = 96  # pixels per generated image on the page (32 x 32, upscaled)
GAP = 4


def parse_seeds(text: str, name: str = "Seeds") -> list[int]:
    """'1,2,3' or '1-4' (or both, '1-3,10') -> [1, 2, 3, ...]; ValueError with a sentence."""
    seeds: list[int] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        try:
            if "-" in part[1:]:
                low, high = (int(v) for v in part.split("-", 1))
                if high < low:
                    raise ValueError
                if high - low >= MAX_SEEDS:
                    raise OverflowError
                seeds.extend(range(low, high + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise ValueError(f"{name}: {part!r} is not a seed or a range like 3-6.") from None
        except OverflowError:
            raise ValueError(f"{name}: at most {MAX_SEEDS} seeds; {part!r} has {high - low + 1}.") from None
    if not seeds:
        raise ValueError(f"{name}: give at least one seed, e.g. 1,2,3 or 1-6.")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"{name}: at most {MAX_SEEDS} seeds; got {len(seeds)}.")
    if any(not 0 <= s <= MAX_SEED for s in seeds):
        raise ValueError(f"{name}: seeds are between 0 and {MAX_SEED}.")
    return seeds


def parse_layers(text: str) -> list[int]:
    """'0,1,2' -> [0, 1, 2] (the style layers that take source B's w); '' -> []."""
    try:
        layers = sorted({int(p) for p in str(text).split(",") if p.strip()})
    except ValueError:
        raise ValueError(f"Layers: {text!r} is not a list of layer numbers like 0,1,2.") from None
    if any(not 0 <= layer < NUM_LAYERS for layer in layers):
        raise ValueError(f"Layers are numbered 0 to {NUM_LAYERS - 1}; got {text!r}.")
    return layers


@dataclass(frozen=True)
class StyleMixingConfig(RunConfig):
    """Everything a Style Mixing link reproduces."""

    view: str = "mixing"
    seeds_a: str = "1-6"  # the top row: whose styles an image keeps
    seeds_b: str = "101-106"  # the left column: whose styles are copied in
    layers: str = "0,1,2"  # the layers copied from B (coarse)
    psi: float = 1.0
    cutoff: int = NUM_LAYERS  # truncation applies to the first `cutoff` layers
    noise: str = "const"
    noise_layers: str = "0,1,2,3,4,5,6"
    seed: int = 7  # one seed for the noise, interpolation and influence views
    seed_to: int = 21  # the interpolation's other end

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        parse_seeds(self.seeds_a, "Source A seeds")
        parse_seeds(self.seeds_b, "Source B seeds")
        parse_layers(self.layers)
        parse_layers(self.noise_layers)
        if self.noise not in NOISE_MODES:
            raise ValueError(f"Noise is one of {', '.join(NOISE_MODES)}; got {self.noise!r}.")
        check_ranges(
            self, [("psi", -1, 1.5), ("cutoff", 0, NUM_LAYERS), ("seed", 0, MAX_SEED), ("seed_to", 0, MAX_SEED)]
        )


def preset_of(layers: list[int]) -> str | None:
    """'coarse', 'middle' or 'fine' when ``layers`` is exactly that preset."""
    return next((name for name, members in PRESETS.items() if list(members) == layers), None)


@torch.no_grad()
def mixing_grid(generator: Generator, config: StyleMixingConfig) -> np.ndarray:
    """StyleGAN's style-mixing figure: source A across the top, source B down the left, and in
    each cell A's ws with B's copied in at ``config.layers`` (truncation and noise as set)."""
    seeds_a, seeds_b = parse_seeds(config.seeds_a), parse_seeds(config.seeds_b)
    ws_a = generator.map(z_from_seeds(seeds_a, generator.z_dim), config.psi, config.cutoff)
    ws_b = generator.map(z_from_seeds(seeds_b, generator.z_dim), config.psi, config.cutoff)
    layers, noise_layers = parse_layers(config.layers), parse_layers(config.noise_layers)

    def synthesize(ws):
        return generator.synthesize(ws, config.noise, noise_layers, torch.Generator().manual_seed(config.seed))

    mixed = Generator.mix_styles(ws_a.repeat(len(seeds_b), 1, 1), ws_b.repeat_interleave(len(seeds_a), dim=0), layers)
    images = to_uint8(torch.cat([synthesize(ws_a), synthesize(ws_b), synthesize(mixed)]))
    n_a, n_b = len(seeds_a), len(seeds_b)
    cells = [[None] + list(images[:n_a])]
    for j in range(n_b):
        cells.append([images[n_a + j]] + list(images[n_a + n_b + j * n_a : n_a + n_b + (j + 1) * n_a]))
    return tile(cells)


@torch.no_grad()
def truncation_rows(
    generator: Generator, seeds: list[int], psis: list[float], cutoff: int, noise: str = "const"
) -> np.ndarray:
    """One row per seed, one column per psi (psi = 0: the average image, the same in every row)."""
    z = z_from_seeds(seeds, generator.z_dim)
    columns = [to_uint8(generator.synthesize(generator.map(z, psi, cutoff), noise)) for psi in psis]
    return tile([[columns[c][r] for c in range(len(psis))] for r in range(len(seeds))])


@torch.no_grad()
def noise_spread(
    generator: Generator, seed: int, noise_layers: list[int], draws: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """(four draws of the image with fresh noise in ``noise_layers``, the per-pixel standard
    deviation over ``draws`` draws as a (32, 32) map): where the noise acts."""
    ws = generator.map(z_from_seed(seed, generator.z_dim)).expand(draws, -1, -1)
    images = generator.synthesize(ws, "random", noise_layers, torch.Generator().manual_seed(seed))
    spread = ((images + 1) / 2).std(dim=0).mean(dim=0).numpy()
    return tile([list(to_uint8(images[:4]))]), spread


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation, for Gaussian z (Shoemake, 1985; White, 2016)."""
    omega = torch.arccos(((a / a.norm()) * (b / b.norm())).sum().clamp(-1, 1))
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.no_grad()
def interpolations(
    generator: Generator, seed: int, seed_to: int, steps: int = 8, noise: str = "const"
) -> tuple[np.ndarray, np.ndarray]:
    """(rows of images interpolating in z, by slerp, and in w, by lerp), and the distance between
    consecutive images in each (mean absolute pixel change): smaller, steadier steps in w."""
    z0, z1 = z_from_seed(seed, generator.z_dim), z_from_seed(seed_to, generator.z_dim)
    ts = np.linspace(0, 1, steps)
    in_z = generator.synthesize(generator.map(torch.cat([slerp(z0, z1, t) for t in ts])), noise)
    w0, w1 = generator.map(z0), generator.map(z1)
    in_w = generator.synthesize(torch.cat([torch.lerp(w0, w1, float(t)) for t in ts]), noise)
    steps_z = (in_z[1:] - in_z[:-1]).abs().mean(dim=(1, 2, 3)).numpy()
    steps_w = (in_w[1:] - in_w[:-1]).abs().mean(dim=(1, 2, 3)).numpy()
    return tile([list(to_uint8(in_z)), list(to_uint8(in_w))]), np.stack([steps_z, steps_w])


def tile(cells: list[list[np.ndarray | None]], cell: int = CELL, gap: int = GAP) -> np.ndarray:
    """Rows of (32, 32, 3) images (None: an empty cell) upscaled to ``cell`` pixels, on white."""
    rows, columns = len(cells), max(len(r) for r in cells)
    canvas = np.full((rows * (cell + gap) - gap, columns * (cell + gap) - gap, 3), 255, dtype=np.uint8)
    for r, row in enumerate(cells):
        for c, image in enumerate(row):
            if image is None:
                continue
            big = F.interpolate(
                torch.from_numpy(image).permute(2, 0, 1)[None].float(),
                size=(cell, cell),
                mode="bicubic",
                align_corners=False,
            )
            canvas[r * (cell + gap) : r * (cell + gap) + cell, c * (cell + gap) : c * (cell + gap) + cell] = (
                big[0].clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
            )
    return canvas
