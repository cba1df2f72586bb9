"""Divergences between two distributions: on a 1-D grid of densities (exact up to quadrature),
between sample sets (2-D), and in closed form for Gaussians (what the tests check against).

f-divergences (Csiszar, 1967; lecture notes, "f-GAN"): D_f(p||q) = int q f(p/q) dx, with f
convex and f(1) = 0; where q = 0 and p > 0 the integrand is p * f'(inf), f'(inf) = lim f(u)/u.
Each one below gives its f and its convex conjugate f*(t) = sup_u (u t - f(u)); the f-GAN
table in :data:`engine.f_divergences.F_DIVERGENCES` has the same f's (and the output activations).

Conventions: natural logarithms (nats); ``math.inf`` where a divergence is infinite (a support
mismatch), never NaN; densities on a grid are renormalised to integrate to 1 (``dx`` is the
grid step) and a density that is nowhere positive is refused with a ValueError.
"""

from __future__ import annotations

import math

import numpy as np
import ot
from scipy.special import logsumexp

LOG2 = math.log(2.0)
QUANTILE_LEVELS = 20_001  # u-grid for the 1-D Wasserstein distances by quantile functions


def normalise(density: np.ndarray, dx: float) -> np.ndarray:
    """``density`` scaled to integrate to 1 on the grid; ValueError if it is not a density."""
    density = np.asarray(density, dtype=np.float64)
    if not np.all(np.isfinite(density)) or np.any(density < 0):
        raise ValueError("A density must be finite and non-negative everywhere on the grid.")
    mass = density.sum() * dx
    if mass <= 0:
        raise ValueError("A density is zero everywhere on the grid: give it some mass (a width > 0, a weight > 0).")
    return density / mass


def _pair(p: np.ndarray, q: np.ndarray, dx: float) -> tuple[np.ndarray, np.ndarray]:
    if np.shape(p) != np.shape(q):
        raise ValueError(f"p and q must be on the same grid; got shapes {np.shape(p)} and {np.shape(q)}.")
    return normalise(p, dx), normalise(q, dx)


def _finite_or_inf(value: float) -> float:
    return value if math.isfinite(value) else math.inf


# ----- f-divergences on a grid -----
def kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """KL(p||q) = int p log(p/q); f(u) = u log u, f*(t) = exp(t - 1). Infinite when p > 0 where q = 0."""
    p, q = _pair(p, q, dx)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    support = p > 0
    return max(0.0, float(np.sum(p[support] * np.log(p[support] / q[support])) * dx))


def reverse_kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """KL(q||p) = int q log(q/p); f(u) = -log u, f*(t) = -1 - log(-t) (t < 0). Mode seeking as a loss in q."""
    return kl(q, p, dx)


def jensen_shannon(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JS(p, q) = 1/2 KL(p||m) + 1/2 KL(q||m), m = (p + q)/2; 0 <= JS <= log 2, = log 2 iff the
    supports are disjoint. f(u) = 1/2 [u log u - (u + 1) log((u + 1)/2)], f*(t) = -1/2 log(2 - e^{2t})
    (half the f-GAN table's f, which gives 2 JS)."""
    p, q = _pair(p, q, dx)
    m = (p + q) / 2
    return min(LOG2, 0.5 * kl(p, m, dx) + 0.5 * kl(q, m, dx))


def total_variation(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """TV(p, q) = 1/2 int |p - q| in [0, 1]; f(u) = 1/2 |u - 1|, f*(t) = t (|t| <= 1/2)."""
    p, q = _pair(p, q, dx)
    return min(1.0, 0.5 * float(np.abs(p - q).sum()) * dx)


def squared_hellinger(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """H^2(p, q) = int (sqrt p - sqrt q)^2 in [0, 2] (the f-GAN table's convention, without a 1/2);
    f(u) = (sqrt u - 1)^2, f*(t) = t / (1 - t) (t < 1)."""
    p, q = _pair(p, q, dx)
    return min(2.0, float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) * dx)


def pearson_chi2(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """Pearson chi^2(p||q) = int (p - q)^2 / q; f(u) = (u - 1)^2, f*(t) = t^2/4 + t. Infinite when p > 0 where q = 0."""
    p, q = _pair(p, q, dx)
    if np.any((p > 0) & (q == 0)):
        return math.inf
    support = q > 0
    return _finite_or_inf(float(np.sum((p[support] - q[support]) ** 2 / q[support])) * dx)


def neyman_chi2(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """Neyman chi^2(p||q) = int (p - q)^2 / p = Pearson chi^2(q||p); f(u) = (1 - u)^2 / u,
    f*(t) = 2 - 2 sqrt(1 - t) (t <= 1)."""
    return pearson_chi2(q, p, dx)


def alpha_divergence(p: np.ndarray, q: np.ndarray, dx: float, alpha: float) -> float:
    """Amari's alpha-divergence D_alpha(p||q) = (int p^a q^(1-a) - 1) / (a (a - 1)) (Cichocki &
    Amari, 2010): f(u) = (u^a - a u - (1 - a)) / (a (a - 1)), f*(t) = ((1 + (a - 1) t)^(a/(a-1)) - 1)/a.
    a -> 1 gives KL(p||q), a -> 0 gives KL(q||p), a = 1/2 gives 2 H^2, a = 2 gives chi^2 / 2."""
    if abs(alpha - 1.0) < 1e-9:
        return kl(p, q, dx)
    if abs(alpha) < 1e-9:
        return reverse_kl(p, q, dx)
    p, q = _pair(p, q, dx)
    if (alpha > 1 and np.any((p > 0) & (q == 0))) or (alpha < 0 and np.any((q > 0) & (p == 0))):
        return math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = float(np.nansum(np.where((p > 0) & (q > 0), p**alpha * q ** (1 - alpha), 0.0))) * dx
    return _finite_or_inf(max(0.0, (overlap - 1.0) / (alpha * (alpha - 1.0))))


def renyi(p: np.ndarray, q: np.ndarray, dx: float, alpha: float) -> float:
    """Renyi divergence R_alpha(p||q) = log(int p^a q^(1-a)) / (a - 1) (Renyi, 1961); a -> 1 gives
    KL(p||q), a = 1/2 gives -2 log(1 - H^2/2). Not an f-divergence, but a monotone function of
    the alpha-divergence."""
    if abs(alpha - 1.0) < 1e-9:
        return kl(p, q, dx)
    if alpha <= 0:
        raise ValueError(f"The Renyi divergence needs alpha > 0; got {alpha}.")
    p, q = _pair(p, q, dx)
    if alpha > 1 and np.any((p > 0) & (q == 0)):
        return math.inf
    overlap = float(np.sum(np.where((p > 0) & (q > 0), p**alpha * q ** (1 - alpha), 0.0))) * dx
    if overlap <= 0:
        return math.inf
    return _finite_or_inf(max(0.0, math.log(overlap) / (alpha - 1.0)))


def from_log_densities(log_p: np.ndarray, log_q: np.ndarray, dx: float) -> dict[str, float]:
    """The f-divergences above from log densities on a grid of any dimension (``dx``: the cell's
    length, area, ...): "kl", "reverse_kl", "js", "tv", "hellinger", "pearson", "neyman",
    "alpha_0.5" and "renyi_2", with the same formulas, in log space where densities underflow.
    Far out in two narrow Gaussians' tails both densities are 0.0 in floating point while
    p log(p/q) is not; here KL = sum p (log p - log q) dx and int p^2/q = exp(logsumexp(2 log p -
    log q)) dx stay exact. Both are renormalised on the grid; a log density of -inf is a true
    zero, so a support mismatch is ``math.inf`` (never NaN)."""
    lp, lq = (np.asarray(v, dtype=np.float64).ravel() for v in (log_p, log_q))
    if (
        lp.shape != lq.shape
        or np.isnan(lp).any()
        or np.isnan(lq).any()
        or np.isposinf(lp).any()
        or np.isposinf(lq).any()
    ):
        raise ValueError("Log densities must be finite or -inf, on the same grid.")
    if np.isneginf(lp).all() or np.isneginf(lq).all():
        raise ValueError("A density is zero everywhere on the grid: give it some mass (a width > 0, a weight > 0).")
    log_dx = math.log(dx)
    lp, lq = lp - logsumexp(lp) - log_dx, lq - logsumexp(lq) - log_dx
    p, q = np.exp(lp), np.exp(lq)

    def kl_(l1: np.ndarray, l2: np.ndarray) -> float:
        if np.any(np.isfinite(l1) & np.isneginf(l2)):
            return math.inf
        inside = np.isfinite(l1)
        return max(0.0, float(np.sum(np.exp(l1[inside]) * (l1[inside] - l2[inside])) * dx))

    def log_square_ratio(l1: np.ndarray, l2: np.ndarray) -> float:
        """log int p1^2 / p2 dx (inf on a support mismatch)."""
        if np.any(np.isfinite(l1) & np.isneginf(l2)):
            return math.inf
        inside = np.isfinite(l1)
        return max(0.0, float(logsumexp(2 * l1[inside] - l2[inside])) + log_dx)

    lm = np.logaddexp(lp, lq) - LOG2
    log_pearson, log_neyman = log_square_ratio(lp, lq), log_square_ratio(lq, lp)
    chi2 = lambda log_value: _finite_or_inf(math.expm1(log_value)) if log_value < 700 else math.inf  # noqa: E731
    return {
        "kl": kl_(lp, lq),
        "reverse_kl": kl_(lq, lp),
        "js": min(LOG2, 0.5 * kl_(lp, lm) + 0.5 * kl_(lq, lm)),
        "tv": 0.5 * float(np.abs(p - q).sum() * dx),
        "hellinger": float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) * dx),
        "pearson": chi2(log_pearson),
        "neyman": chi2(log_neyman),
        "renyi_2": log_pearson,
        "alpha_0.5": max(0.0, 4 * (1 - float(np.sum(np.sqrt(p * q)) * dx))),
    }


# ----- integral probability metrics on a grid -----
def _cdf(density: np.ndarray, dx: float) -> np.ndarray:
    return np.clip(np.cumsum(density) * dx, 0.0, 1.0)


def wasserstein_1d(p: np.ndarray, q: np.ndarray, x: np.ndarray, order: int = 1) -> float:
    """W_r(p, q) = (int_0^1 |F^-1(u) - G^-1(u)|^r du)^(1/r) from the quantile functions of the
    two densities on the grid ``x`` (Villani, 2009, Remark 2.19). For r = 1 this is also
    int |F(x) - G(x)| dx (Kantorovich-Rubinstein, the WGAN critic's value; notes: "WGAN").
    Finite even for disjoint supports: it is |theta| for two point masses theta apart."""
    dx = float(x[1] - x[0])
    p, q = _pair(p, q, dx)
    if order == 1:
        return float(np.abs(_cdf(p, dx) - _cdf(q, dx)).sum() * dx)
    levels = (np.arange(QUANTILE_LEVELS) + 0.5) / QUANTILE_LEVELS
    edges = np.concatenate([[x[0] - dx / 2], x + dx / 2])  # each cell's mass spread evenly over it
    quantiles = [np.interp(levels, np.concatenate([[0.0], _cdf(d, dx)]), edges) for d in (p, q)]
    return float(np.mean(np.abs(quantiles[0] - quantiles[1]) ** order) ** (1.0 / order))


def gaussian_kernel_matrix(x: np.ndarray, bandwidth: float) -> np.ndarray:
    """The kernel matrix k(x_i, x_j) = exp(-(x_i - x_j)^2 / (2 h^2)) of a 1-D grid."""
    return np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * bandwidth**2))


def mmd_1d(p: np.ndarray, q: np.ndarray, x: np.ndarray, bandwidth: float = 1.0) -> float:
    """MMD(p, q) with the Gaussian kernel k(x, y) = exp(-(x - y)^2 / (2 h^2)) (Gretton et al.,
    2012): MMD^2 = E k(X, X') + E k(Y, Y') - 2 E k(X, Y) = int int k(x, y) (p - q)(x) (p - q)(y)."""
    if bandwidth <= 0:
        raise ValueError(f"The kernel bandwidth must be positive; got {bandwidth}.")
    dx = float(x[1] - x[0])
    p, q = _pair(p, q, dx)
    difference = (p - q) * dx
    return math.sqrt(max(0.0, float(difference @ gaussian_kernel_matrix(x, bandwidth) @ difference)))


# ----- between sample sets (any dimension) -----
def wasserstein_samples(a: np.ndarray, b: np.ndarray, order: int = 1) -> tuple[float, np.ndarray]:
    """Exact W_r between two empirical distributions (uniform weights) by linear programming
    (POT's ``ot.emd``; Flamary et al., 2021), and the optimal transport plan (n_a, n_b)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError("Both sample sets must be non-empty arrays of points of the same dimension.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("Sample sets must be finite.")
    cost = ot.dist(a, b, metric="euclidean") ** order
    plan = ot.emd(np.full(len(a), 1 / len(a)), np.full(len(b), 1 / len(b)), cost)
    return float(np.sum(plan * cost)) ** (1.0 / order), plan


def mmd_samples(a: np.ndarray, b: np.ndarray, bandwidth: float = 1.0) -> float:
    """Unbiased estimate of MMD^2 with the Gaussian kernel (Gretton et al., 2012, eq. 3); may be
    slightly negative when p = q."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("MMD needs at least two samples from each distribution.")
    kernel = lambda u, v: np.exp(-ot.dist(u, v, metric="sqeuclidean") / (2 * bandwidth**2))  # noqa: E731
    k_aa, k_bb = kernel(a, a), kernel(b, b)
    n, m = len(a), len(b)
    within_a = (k_aa.sum() - np.trace(k_aa)) / (n * (n - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (m * (m - 1))
    return float(within_a + within_b - 2 * kernel(a, b).mean())


# ----- closed forms for Gaussians N(m1, s1^2) and N(m2, s2^2) -----
def kl_gaussians(m1: float, s1: float, m2: float, s2: float) -> float:
    """KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2."""
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def w2_gaussians(m1: float, s1: float, m2: float, s2: float) -> float:
    """W_2 between 1-D Gaussians = sqrt((m1 - m2)^2 + (s1 - s2)^2) (Dowson & Landau, 1982)."""
    return math.hypot(m1 - m2, s1 - s2)


def squared_hellinger_gaussians(m1: float, s1: float, m2: float, s2: float) -> float:
    """int (sqrt p - sqrt q)^2 = 2 (1 - BC), BC = sqrt(2 s1 s2 / (s1^2 + s2^2)) exp(-(m1 - m2)^2 / (4 (s1^2 + s2^2)))."""
    bhattacharyya = math.sqrt(2 * s1 * s2 / (s1**2 + s2**2)) * math.exp(-((m1 - m2) ** 2) / (4 * (s1**2 + s2**2)))
    return 2 * (1 - bhattacharyya)


def tv_gaussians_equal_width(m1: float, m2: float, s: float) -> float:
    """TV between N(m1, s^2) and N(m2, s^2) = 2 Phi(|m1 - m2| / (2 s)) - 1 = erf(|m1 - m2| / (2 sqrt 2 s))."""
    return math.erf(abs(m1 - m2) / (2 * math.sqrt(2) * s))


def mmd_gaussians(m1: float, s1: float, m2: float, s2: float, bandwidth: float = 1.0) -> float:
    """MMD with a Gaussian kernel of width h between 1-D Gaussians, from
    E exp(-(X - Y)^2 / (2 h^2)) = h / sqrt(h^2 + v) exp(-d^2 / (2 (h^2 + v))), X - Y ~ N(d, v)."""

    def expected_kernel(d: float, v: float) -> float:
        return bandwidth / math.sqrt(bandwidth**2 + v) * math.exp(-(d**2) / (2 * (bandwidth**2 + v)))

    squared = (
        expected_kernel(0, 2 * s1**2) + expected_kernel(0, 2 * s2**2) - 2 * expected_kernel(m1 - m2, s1**2 + s2**2)
    )
    return math.sqrt(max(0.0, squared))
