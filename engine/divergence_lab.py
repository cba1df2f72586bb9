"""What the Divergences page computes: its URL config, every divergence of a pair of densities,
the fit matrix, the disjoint-supports sweep and the GAN value at the optimal discriminator."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from engine import divergences as dv
from engine.divergence_fitting import FIT_DIVERGENCES, Mixture1D, default_grid, fit
from engine.run_config import RunConfig, check_ranges

VIEWS = {"fit": "🎯 Fitting lab", "disjoint": "↔️ Disjoint supports", "gan": "⚔️ GAN and JS", "fgan": "📐 f-divergences"}
MEASURES: dict[str, str] = {
    "kl": "KL(p‖q)", "reverse_kl": "KL(q‖p)", "js": "JS", "tv": "TV", "hellinger": "H²", "pearson": "Pearson χ²",
    "neyman": "Neyman χ²", "alpha_0.5": "α = ½", "renyi_2": "Rényi α = 2", "w1": "W₁", "w2": "W₂", "mmd": "MMD",
}  # fmt: skip
DISJOINT_HALF_WIDTH = 0.05  # the two "parallel lines": boxes of width 0.1


def parse_mixture(text: str) -> Mixture1D:
    """'w:mean:width,w:mean:width' (what the URL carries) -> Mixture1D; ValueError with a sentence."""
    try:
        parts = [tuple(float(v) for v in item.split(":")) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ValueError(f"The target {text!r} is not a list of weight:mean:width triples.") from None
    if not parts or any(len(p) != 3 for p in parts):
        raise ValueError(f"The target {text!r} is not a list of weight:mean:width triples.")
    weights, means, stds = zip(*parts, strict=True)
    return Mixture1D(weights, means, stds)


def format_mixture(mixture: Mixture1D) -> str:
    return ",".join(f"{w:g}:{m:g}:{s:g}" for w, m, s in zip(mixture.weights, mixture.means, mixture.stds, strict=True))


@dataclass(frozen=True)
class DivergenceLabConfig(RunConfig):
    """Everything a Divergences page link reproduces."""

    view: str = "fit"
    target: str = "0.4:-3:0.8,0.6:3:1"
    components: int = 1
    fitted_by: str = "kl,reverse_kl,js,w1"  # the divergences the fitting lab minimises
    seed: int = 0
    theta: float = 0.5
    q_mean: float = 0.0  # the GAN view's q: one Gaussian
    q_width: float = 2.0
    f_key: str = "kl"

    def __post_init__(self):
        if self.view not in VIEWS:
            raise ValueError(f"Unknown view {self.view!r}; choose one of {', '.join(VIEWS)}.")
        parse_mixture(self.target)
        if not self.fitted_by:
            raise ValueError("Pick at least one divergence to fit q by.")
        unknown = [key for key in self.fitted_by.split(",") if key not in FIT_DIVERGENCES]
        if unknown:
            raise ValueError(f"Fits can minimise {', '.join(FIT_DIVERGENCES)}; got {self.fitted_by!r}.")
        check_ranges(self, [("components", 1, 4), ("seed", 0, 2**31 - 1), ("theta", -2, 2), ("q_mean", -8, 8), ("q_width", 0.05, 8)])

    @property
    def mixture(self) -> Mixture1D:
        return parse_mixture(self.target)


def density(mixture: Mixture1D, x: np.ndarray) -> np.ndarray:
    return np.exp(mixture.log_density(torch.as_tensor(x, dtype=torch.float64)).numpy())


def measure_all(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> dict[str, float]:
    """Every divergence of :data:`MEASURES` between two densities on the grid ``x`` (inf where infinite)."""
    dx = float(x[1] - x[0])
    coarse = slice(None, None, max(1, len(x) // 800))  # MMD's kernel matrix is n^2
    return {
        "kl": dv.kl(p, q, dx), "reverse_kl": dv.reverse_kl(p, q, dx), "js": dv.jensen_shannon(p, q, dx),
        "tv": dv.total_variation(p, q, dx), "hellinger": dv.squared_hellinger(p, q, dx), "pearson": dv.pearson_chi2(p, q, dx),
        "neyman": dv.neyman_chi2(p, q, dx), "alpha_0.5": dv.alpha_divergence(p, q, dx, 0.5), "renyi_2": dv.renyi(p, q, dx, 2.0),
        "w1": dv.wasserstein_1d(p, q, x, 1), "w2": dv.wasserstein_1d(p, q, x, 2), "mmd": dv.mmd_1d(p[coarse], q[coarse], x[coarse]),
    }  # fmt: skip


def fit_matrix(target: Mixture1D, fitted_by: list[str], components: int, seed: int) -> tuple[dict[str, Mixture1D], dict[str, dict[str, float]]]:
    """Fit q by each divergence in ``fitted_by``; rows: fitted by, columns: every measure of the fit."""
    x = default_grid(target)
    p = density(target, x)
    fits = {key: fit(target, key, components=components, seed=seed, grid=x).fitted for key in fitted_by}
    return fits, {key: measure_all(p, density(mixture, x), x) for key, mixture in fits.items()}


def disjoint_sweep(thetas: np.ndarray, points: int = 4001) -> dict[str, np.ndarray]:
    """The WGAN paper's example in 1-D (Arjovsky et al., 2017, Example 1): p a narrow box at 0, q the
    same box at theta. Once the boxes no longer overlap, JS = log 2, KL = inf and TV = 1 whatever
    theta is, while W1 = |theta|."""
    x = np.linspace(-3, 3, points)
    dx = float(x[1] - x[0])
    p = (np.abs(x) <= DISJOINT_HALF_WIDTH).astype(float)
    curves: dict[str, list[float]] = {"js": [], "kl": [], "tv": [], "w1": []}
    for theta in thetas:
        q = (np.abs(x - theta) <= DISJOINT_HALF_WIDTH).astype(float)
        curves["js"].append(dv.jensen_shannon(p, q, dx))
        curves["kl"].append(dv.kl(p, q, dx))
        curves["tv"].append(dv.total_variation(p, q, dx))
        curves["w1"].append(dv.wasserstein_1d(p, q, x, 1))
    return {key: np.array(values) for key, values in curves.items()}


def gan_value_at_optimum(p: np.ndarray, q: np.ndarray, dx: float) -> tuple[float, float]:
    """(V(D*, G), 2 JS(p, q) - log 4) with D* = p/(p + q) (Goodfellow et al., 2014, Theorem 1;
    lecture notes, "GAN = JSD minimization"): V = E_p log D* + E_q log(1 - D*). The two agree."""
    p, q = dv.normalise(p, dx), dv.normalise(q, dx)
    total = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(p > 0, p * np.log(p / total), 0.0).sum() + np.where(q > 0, q * np.log(q / total), 0.0).sum()
    return float(value * dx), 2 * dv.jensen_shannon(p, q, dx) - math.log(4)
