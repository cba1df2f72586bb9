"""What the Divergences page computes: its URL config, every divergence of a pair of densities,
the fit matrix, the disjoint-supports sweep and the GAN value at the optimal discriminator
(the 2-D sample comparison is :mod:`engine.divergences.samples_2d`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from engine.config import RunConfig, check_choice, check_ranges
from engine.divergences import measures as dv
from engine.divergences.fitting import FIT_DIVERGENCES, FitResult, Mixture1D, default_grid, fit_all
from engine.targets import target_keys

VIEWS = {
    "fit": "🎯 Fitting lab",
    "disjoint": "↔️ Disjoint supports",
    "gan": "⚔️ p vs q: GAN and JS",
    "fgan": "📐 f-divergences",
    "samples": "🌐 2-D samples and transport",
}
TARGET_VIEWS = ("fit", "gan", "fgan")  # the views that use the editable 1-D target
EXAMPLE_TARGETS = {
    "Two modes, far apart": "0.4:-3:0.8,0.6:3:1",
    "Two overlapping modes": "0.5:-1:1,0.5:1.5:0.7",
    "Three modes": "0.3:-4:0.6,0.4:0:0.8,0.3:4:0.6",
    "A narrow and a wide mode": "0.5:-2:0.3,0.5:2:2",
    "A big and a small mode": "0.85:-2:1,0.15:3:0.5",
    "One Gaussian": "1:1:1.5",
}
GENERATOR_SOURCES = {"gan": "🥊 Your GAN (GANs page, this tab)", "upload": "📄 A generator file (.safetensors)"}
SAMPLE_SOURCES = tuple(target_keys(2)) + tuple(GENERATOR_SOURCES)
MEASURES: dict[str, str] = {
    "kl": "KL(p‖q)",
    "reverse_kl": "KL(q‖p)",
    "js": "JS",
    "tv": "TV",
    "hellinger": "H²",
    "pearson": "Pearson χ²",
    "neyman": "Neyman χ²",
    "alpha_0.5": "α = ½",
    "renyi_2": "Rényi α = 2",
    "w1": "W₁",
    "w2": "W₂",
    "mmd": "MMD",
}
MAX_TARGET_COMPONENTS = 10
MIN_TARGET_WIDTH = 0.05
DISJOINT_HALF_WIDTH = 0.05  # the two "parallel lines": boxes of width 0.1
CRITIC_Q = Mixture1D((1.0,), (0.0,), (2.0,))  # the f-divergence view's q: N(0, 2^2)
CRITIC_STEPS = 1500  # the f-divergence view trains its critic this long


def mixture_rows(text: str) -> list[tuple[float, float, float]]:
    """'w:mean:width,w:mean:width' (what the URL carries) -> [(weight, mean, width), ...], values
    unchecked (the table editor shows them as they are); ValueError if it is not such a list."""
    try:
        rows = [tuple(float(v) for v in item.split(":")) for item in text.split(",") if item.strip()]
    except ValueError:
        rows = []
    if not rows or any(len(row) != 3 for row in rows):
        raise ValueError(f"The target {text!r} is not a list of weight:mean:width triples.")
    return rows


def mixture_formula(rows) -> str:
    """[(weight, mean, width), ...] -> '0.4·N(−3, 0.8²) + 0.6·N(3, 1²)' (weights as given)."""
    return " + ".join(f"{w:g}·N({m:g}, {s:g}²)".replace("-", "−") for w, m, s in rows)


def parse_mixture(text: str) -> Mixture1D:
    """The target's text -> Mixture1D; ValueError with a sentence."""
    weights, means, stds = zip(*mixture_rows(text), strict=True)
    return Mixture1D(weights, means, stds)


def format_rows(rows) -> str:
    """[(weight, mean, width), ...] -> the target's text (the inverse of :func:`mixture_rows`)."""
    return ",".join(":".join(f"{value:g}" for value in row) for row in rows)


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
    p_samples: str = "ring8"  # the 2-D view: two sample sources, q's shift along x, sample count, plan drawn
    q_samples: str = "grid25"
    q_shift: float = 0.0
    samples: int = 300
    plan_order: int = 2

    def __post_init__(self):
        check_choice("view", self.view, VIEWS)
        mixture = parse_mixture(self.target)
        if len(mixture.weights) > MAX_TARGET_COMPONENTS:
            raise ValueError(f"The target has at most {MAX_TARGET_COMPONENTS} components; got {len(mixture.weights)}.")
        if max(map(abs, mixture.means)) > 50 or not MIN_TARGET_WIDTH <= min(mixture.stds) <= max(mixture.stds) <= 20:
            raise ValueError(
                f"Keep the target's means within ±50 and its widths between {MIN_TARGET_WIDTH:g} and 20 (what the page's grid resolves)."
            )
        if not self.fitted_by:
            raise ValueError("Pick at least one divergence to fit q by.")
        unknown = [key for key in self.fitted_by.split(",") if key not in FIT_DIVERGENCES]
        if unknown:
            raise ValueError(f"Fits can minimise {', '.join(FIT_DIVERGENCES)}; got {self.fitted_by!r}.")
        if self.p_samples not in target_keys(2):
            raise ValueError(f"p must be one of the 2-D targets ({', '.join(target_keys(2))}); got {self.p_samples!r}.")
        if self.q_samples not in SAMPLE_SOURCES:
            raise ValueError(
                f"q must be a 2-D target or one of {', '.join(GENERATOR_SOURCES)}; got {self.q_samples!r}."
            )
        if self.plan_order not in (1, 2):
            raise ValueError(f"The plan drawn is W1's or W2's (1 or 2); got {self.plan_order}.")
        check_ranges(
            self,
            [
                ("components", 1, 4),
                ("seed", 0, 2**31 - 1),
                ("theta", -2, 2),
                ("q_mean", -8, 8),
                ("q_width", 0.05, 8),
                ("q_shift", -6, 6),
                ("samples", 20, 1000),
            ],
        )

    @property
    def mixture(self) -> Mixture1D:
        return parse_mixture(self.target)


def density(mixture: Mixture1D, x: np.ndarray) -> np.ndarray:
    return np.exp(mixture.log_density(torch.as_tensor(x, dtype=torch.float64)).numpy())


def square_ratio_is_finite(a: Mixture1D, b: Mixture1D) -> bool:
    """Whether int a^2 / b dx is finite for two Gaussian mixtures: in the tails a^2 / b behaves like
    exp(-x^2 (1/s_a^2 - 1/(2 s_b^2))) for the widest components, so it is finite exactly when
    2 s_b^2 > s_a^2 (equality: the integrand tends to a constant, also infinite)."""
    widest = lambda m: max(s for w, s in zip(m.weights, m.stds, strict=True) if w > 0)  # noqa: E731
    return 2 * widest(b) ** 2 > widest(a) ** 2


def measure_mixtures(p: Mixture1D, q: Mixture1D) -> dict[str, float]:
    """Every divergence of :data:`MEASURES` between two Gaussian mixtures, on a grid holding both:
    the f-divergences from log densities (:func:`engine.divergences.from_log_densities`, so far
    tails do not underflow into false infinities), W1, W2 and MMD from the densities. Pearson
    chi^2 and Renyi-2 (int p^2/q) and Neyman chi^2 (int q^2/p), whose integrands grow in the tails
    when one density is much narrower than the other, are infinite exactly when
    :func:`square_ratio_is_finite` says so, not where a grid happens to end."""
    x = default_grid(p, q)
    dx = float(x[1] - x[0])
    log_p, log_q = (m.log_density(torch.as_tensor(x, dtype=torch.float64)).numpy() for m in (p, q))
    measures = dv.from_log_densities(log_p, log_q, dx)
    if not square_ratio_is_finite(p, q):
        measures["pearson"] = measures["renyi_2"] = math.inf
    if not square_ratio_is_finite(q, p):
        measures["neyman"] = math.inf
    p_density, q_density = np.exp(log_p), np.exp(log_q)
    coarse = slice(None, None, max(1, len(x) // 800))  # MMD's kernel matrix is n^2
    measures |= {
        "w1": dv.wasserstein_1d(p_density, q_density, x, 1),
        "w2": dv.wasserstein_1d(p_density, q_density, x, 2),
        "mmd": dv.mmd_1d(p_density[coarse], q_density[coarse], x[coarse]),
    }
    return {key: measures[key] for key in MEASURES}


def view_range(*mixtures: Mixture1D) -> tuple[float, float]:
    """The x range a chart shows: every component +- 4 widths."""
    low = min(m - 4 * s for mixture in mixtures for m, s in zip(mixture.means, mixture.stds, strict=True))
    high = max(m + 4 * s for mixture in mixtures for m, s in zip(mixture.means, mixture.stds, strict=True))
    return low, high


def fit_matrix(
    target: Mixture1D, fitted_by: list[str], components: int, seed: int
) -> tuple[dict[str, FitResult], dict[str, dict[str, float]]]:
    """Fit q by each divergence in ``fitted_by`` (each fit with its path, for the animation); the
    matrix's rows: fitted by, columns: every measure between p and the fit."""
    fits = fit_all(target, fitted_by, components=components, seed=seed)
    return fits, {key: measure_mixtures(target, result.fitted) for key, result in fits.items()}


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


def exact_f_divergence(p: Mixture1D, q: Mixture1D, key: str) -> float:
    """D_f(p||q) for an f of :data:`engine.f_divergences.F_DIVERGENCES`, on the f-GAN table's scale
    (its Jensen-Shannon f gives 2 JS; Nowozin et al., 2016, Table 1)."""
    measures = measure_mixtures(p, q)
    return 2 * measures["js"] if key == "js" else measures[key]
