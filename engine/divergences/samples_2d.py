"""Two 2-D distributions compared: sample-based estimates (exact W1 and W2 between the sample
sets with their optimal transport plan, MMD) and, where both have a density, the f-divergences
on a grid (exact up to quadrature).

The sample estimates are what one can compute for a GAN's generator, which has no density
(its samples: :func:`engine.gans.models.generator_samples`):
W_r between empirical measures by linear programming (POT; Flamary et al., 2021) and the
unbiased MMD^2 with a Gaussian kernel (Gretton et al., 2012). On n samples both are themselves
noisy: W1 between two sample sets of the same distribution is not 0 but shrinks like n^(-1/2)
in 2-D, and the unbiased MMD^2 scatters around 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.divergences import measures as dv
from engine.targets import Target

GRID_POINTS = (161, 801)  # per axis, for the grid divergences: at least, and at most
DEFAULT_FEATURE_WIDTH = 0.1  # assumed for targets that do not state a mode width
MMD_BANDWIDTH = 1.0
GRID_MEASURES = {
    "kl": "KL(p‖q)",
    "reverse_kl": "KL(q‖p)",
    "js": "JS",
    "tv": "TV",
    "hellinger": "H²",
    "alpha_0.5": "α = ½",
}
"""The chi^2 divergences are left out: int p^2/q lives in the tails beyond any plotting box."""
SAMPLE_MEASURES = {"w1": "W₁", "w2": "W₂", "mmd2": "MMD²"}


def target_samples(target: Target, n: int, seed: int, shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """``n`` samples of a 2-D target (reproducible from ``seed``), translated by ``shift``."""
    return target.sample(n, torch.Generator().manual_seed(seed)).double().numpy() + np.asarray(shift)


@dataclass(frozen=True)
class SampleComparison:
    """W1, W2 and MMD^2 between two sample sets, and the optimal plan of W_plan_order."""

    values: dict[str, float]
    plan: np.ndarray
    plan_order: int


def compare_samples(
    a: np.ndarray, b: np.ndarray, plan_order: int = 2, bandwidth: float = MMD_BANDWIDTH
) -> SampleComparison:
    """Every sample-based measure of :data:`SAMPLE_MEASURES` between the point sets ``a`` and ``b``."""
    if plan_order not in (1, 2):
        raise ValueError(f"The plan drawn is W1's or W2's; got order {plan_order}.")
    w1, plan1 = dv.wasserstein_samples(a, b, 1)
    w2, plan2 = dv.wasserstein_samples(a, b, 2)
    values = {"w1": w1, "w2": w2, "mmd2": dv.mmd_samples(a, b, bandwidth)}
    return SampleComparison(values, plan1 if plan_order == 1 else plan2, plan_order)


def plan_segments(
    a: np.ndarray, b: np.ndarray, plan: np.ndarray, threshold: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """The transport plan as line segments a_i -> b_j for every pair it moves mass between: x and
    y arrays with NaN between segments (one plot trace draws them all)."""
    i, j = np.nonzero(plan > threshold)
    nan = np.full(len(i), np.nan)
    return np.column_stack([a[i, 0], b[j, 0], nan]).ravel(), np.column_stack([a[i, 1], b[j, 1], nan]).ravel()


def common_box(p: Target, q: Target, shift: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """A box holding both targets' extents (q's translated by ``shift``)."""
    (pxl, pxh), (pyl, pyh) = p.extent
    (qxl, qxh), (qyl, qyh) = q.extent
    sx, sy = shift
    return (min(pxl, qxl + sx), max(pxh, qxh + sx)), (min(pyl, qyl + sy), max(pyh, qyh + sy))


def grid_divergences(p: Target, q: Target, shift: tuple[float, float] = (0.0, 0.0)) -> dict[str, float]:
    """The f-divergences of :data:`GRID_MEASURES` between two 2-D densities on a common grid
    (q translated by ``shift``; formulas in :mod:`engine.divergences`), computed from log
    densities (:func:`engine.divergences.from_log_densities`) so that far tails do not underflow
    into false infinities; ``math.inf`` on a support mismatch, never NaN. ValueError when either has no density. The grid step is at most 2/3 of
    the narrower mode width (the Riemann sum of a Gaussian is then exact to ~1e-8)."""
    if not (p.has_exact_density and q.has_exact_density):
        raise ValueError("Grid divergences need a density for both; a sample set or a generator has none.")
    (x_low, x_high), (y_low, y_high) = common_box(p, q, shift)
    width = min(target.mode_std or DEFAULT_FEATURE_WIDTH for target in (p, q))
    points = int(np.clip(max(x_high - x_low, y_high - y_low) / (width / 1.5), *GRID_POINTS))
    xs, ys = np.linspace(x_low, x_high, points), np.linspace(y_low, y_high, points)
    area = float((xs[1] - xs[0]) * (ys[1] - ys[0]))
    grid = torch.as_tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2))
    with torch.no_grad():
        lp = p.log_prob(grid).double().numpy()
        lq = q.log_prob(grid - torch.as_tensor(shift, dtype=grid.dtype)).double().numpy()
    values = dv.from_log_densities(lp, lq, area)
    return {key: values[key] for key in GRID_MEASURES}
