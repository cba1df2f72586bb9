"""Metrics computed from samples alone: mode coverage, histogram divergences, Wasserstein-1.

These judge a generator (a GAN, or any model) by comparing its samples with the target's,
without any density. Inputs are numpy arrays (torch tensors are accepted too) of shape (n, d),
or (n,) in 1-D; outputs are floats (and one numpy array). All three are estimates from finite
samples, and the page should label them as such.

- :func:`mode_statistics`: modes captured, high-quality samples, reverse KL over modes
  (Srivastava et al., "VEEGAN", NeurIPS 2017; Lin et al., "PacGAN", NeurIPS 2018).
- :func:`histogram_divergences`: KL and Jensen-Shannon between binned samples.
- :func:`wasserstein1`: exact earth mover's distance between (subsampled) empirical
  distributions, with POT (Flamary et al., "POT: Python Optimal Transport", JMLR 2021).
- :func:`frechet_distance`: ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussian
  fits of two feature sets (Heusel et al., "GANs trained by a two time-scale update rule converge
  to a local Nash equilibrium", NeurIPS 2017): the FID of the image families, in the MNIST
  classifier's features (:mod:`engine.mnist_classifier`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import ot
from scipy import linalg

DEFAULT_W1_POINTS = 400


def _points(x, name: str) -> np.ndarray:
    """A float64 array of shape (n, d) from an (n, d) or (n,) array-like (or torch tensor)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n, d) or (n,); got shape {arr.shape}.")
    return arr


def mode_statistics(samples: np.ndarray, modes: np.ndarray, mode_std: float, n_std: float = 3.0) -> dict:
    """Mode coverage of a sample set, as in VEEGAN and PacGAN.

    Sources: Srivastava et al., "VEEGAN: Reducing Mode Collapse in GANs using Implicit
    Variational Learning" (NeurIPS 2017); Lin et al., "PacGAN: The power of two samples in
    generative adversarial networks" (NeurIPS 2018). Their benchmark draws 2,500 samples.

    Each sample x_i is assigned to its nearest mode k(i) = argmin_k |x_i - mu_k| (Euclidean). It
    is *high quality* when |x_i - mu_k(i)| <= n_std * mode_std. A mode is *captured* when at
    least one high-quality sample is assigned to it. With c_k the number of high-quality
    samples on mode k, n the number of samples and K the number of modes:

        mode_shares[k]        = c_k / n            (1 - sum = share of samples off every mode)
        nearest_shares[k]     = share of all (finite) samples whose nearest mode is k, whatever their
                                distance (shows where a blurry, collapsed generator sits)
        high_quality          = sum_k c_k / n
        reverse_kl_to_uniform = KL(p_gen || U) = sum_k p_k log(p_k K),  p_k = c_k / sum_j c_j,

    with 0 log 0 = 0. This is the "reverse KL" of those papers: the generator's distribution
    over modes (high-quality samples only) is the *first* argument and the uniform target
    distribution over modes the second. It is 0 when every mode gets the same number of
    high-quality samples, log K when all of them sit on one mode, and ``inf`` when there is no
    high-quality sample at all. Non-finite samples count as off every mode.

    Args:
        samples: (n, d) generated points, n >= 1 ((n,) in 1-D).
        modes: (K, d) mode centres, e.g. ``target.modes``.
        mode_std: the per-axis standard deviation of each mode, e.g. ``target.mode_std``.
        n_std: the high-quality radius in units of ``mode_std`` (3 in the papers).

    Returns:
        ``{"modes_captured": int, "n_modes": int, "high_quality": float,
        "mode_shares": np.ndarray (K,), "nearest_shares": np.ndarray (K,), "reverse_kl_to_uniform": float}``.
    """
    x = _points(samples, "samples")
    mu = _points(modes, "modes")
    if len(x) == 0:
        raise ValueError("Mode statistics need at least one sample.")
    if len(mu) == 0:
        raise ValueError("Mode statistics need at least one mode.")
    if x.shape[1] != mu.shape[1]:
        raise ValueError(f"Samples are {x.shape[1]}-D but modes are {mu.shape[1]}-D.")
    if not (math.isfinite(mode_std) and mode_std > 0 and math.isfinite(n_std) and n_std > 0):
        raise ValueError("mode_std and n_std must be positive numbers.")
    n, k = len(x), len(mu)
    diff = x[:, None, :] - mu[None, :, :]
    d2 = np.einsum("nkd,nkd->nk", diff, diff)
    finite = np.isfinite(d2).all(1)
    d2 = np.where(finite[:, None], d2, np.inf)
    nearest = d2.argmin(1)
    high = finite & (d2[np.arange(n), nearest] <= (n_std * mode_std) ** 2)
    counts = np.bincount(nearest[high], minlength=k)
    n_high = int(counts.sum())
    if n_high == 0:
        reverse_kl = math.inf
    else:
        p = counts[counts > 0] / n_high
        reverse_kl = max(float(np.sum(p * np.log(p * k))), 0.0)
    return {
        "modes_captured": int(np.count_nonzero(counts)),
        "n_modes": k,
        "high_quality": n_high / n,
        "mode_shares": counts / n,
        "nearest_shares": np.bincount(nearest[finite], minlength=k) / n,
        "reverse_kl_to_uniform": reverse_kl,
    }


def _boxes(extent) -> list[tuple[float, float]]:
    """``(lo, hi)`` per axis from a 1-D extent ``(lo, hi)`` or a 2-D ``((x0, x1), (y0, y1))``."""
    try:
        if np.ndim(extent) == 1 and len(extent) == 2:
            boxes = [(float(extent[0]), float(extent[1]))]
        else:
            boxes = [(float(lo), float(hi)) for lo, hi in extent]
    except (TypeError, ValueError) as error:
        raise ValueError("extent must be (lo, hi) in 1-D or ((x0, x1), (y0, y1)) in 2-D.") from error
    if not boxes or any(not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) for lo, hi in boxes):
        raise ValueError("Each extent interval (lo, hi) needs finite lo < hi.")
    return boxes


def cell_probabilities(points, extent, bins: int = 32) -> np.ndarray:
    """The share of ``points`` in each cell of a ``bins`` per axis grid over ``extent``, plus one.

    Returns a float64 vector of length bins**d + 1 that sums to 1: the first bins**d entries are
    the grid cells (row-major, the first axis slowest; each cell [lo, hi) except the last,
    which includes its upper edge), the last entry is the share of points outside the extent
    (non-finite points included), so no point is dropped.
    """
    boxes = _boxes(extent)
    x = _points(points, "points")
    if x.shape[1] != len(boxes):
        raise ValueError(f"The points are {x.shape[1]}-D but the extent is {len(boxes)}-D.")
    if len(x) == 0:
        raise ValueError("A histogram needs at least one point.")
    if isinstance(bins, bool) or int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive whole number; got {bins!r}.")
    bins = int(bins)
    lo = np.array([b[0] for b in boxes])
    hi = np.array([b[1] for b in boxes])
    with np.errstate(invalid="ignore"):
        inside = ((x >= lo) & (x <= hi)).all(1)
    idx = np.minimum(((x[inside] - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    flat = np.ravel_multi_index(tuple(idx.T), (bins,) * len(boxes))
    counts = np.bincount(flat, minlength=bins ** len(boxes)).astype(np.float64)
    return np.append(counts, len(x) - inside.sum()) / len(x)


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """sum_i p_i log(p_i / q_i) over p_i > 0 (0 log 0 = 0)."""
    on = p > 0
    return float(np.sum(p[on] * np.log(p[on] / q[on])))


def histogram_divergences(real: np.ndarray, fake: np.ndarray, extent, bins: int = 32, eps: float = 1e-10) -> dict:
    """KL(p_real || p_fake) and Jensen-Shannon between binned samples, in nats.

    Both sample sets are binned by :func:`cell_probabilities`: bins**d cells over ``extent``
    (d = 1 or 2) plus one "outside the grid" cell, so p and q each sum to 1 over M = bins**d + 1
    cells and points outside the extent are counted, not dropped. Then

        KL = sum_i p_i log(p_i / q~_i),  q~ = (q + eps) / (1 + M eps)   (0 log 0 = 0),

    where the smoothing eps is added to every cell of q (and q renormalised) because KL is
    infinite as soon as one cell has real samples but no fake ones; with eps = 1e-10 such a
    cell costs about p_i log(p_i / 1e-10), i.e. at most 23 p_i nats, and identical sets score
    about (M - occupied cells) eps instead of 0 (1e-7 at the defaults). Jensen-Shannon needs no
    smoothing:

        JS = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2,   0 <= JS <= log 2,

    reaching log 2 exactly when no cell holds both real and fake samples. Both are plug-in
    estimates, biased upward for small samples: two sets of n points from the same distribution
    that occupy M cells score roughly (M - 1) / (4 n) in JS (about 0.02 for ring8 with 5,000
    points per set on the default 32 x 32 grid). Jensen-Shannon is the divergence the original
    GAN minimises at the optimal discriminator (Goodfellow et al., "Generative Adversarial
    Nets", NeurIPS 2014).

    Args:
        real, fake: (n, d) samples ((n,) or (n, 1) in 1-D).
        extent: (lo, hi) in 1-D, ((x0, x1), (y0, y1)) in 2-D, e.g. ``target.extent``.
        bins: cells per axis.
        eps: KL smoothing of q, > 0.

    Returns:
        ``{"kl": float, "js": float, "outside_real": float, "outside_fake": float}`` (the
        outside values are the shares of each set outside the extent).
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError("eps must be a small positive number.")
    p = cell_probabilities(real, extent, bins)
    q = cell_probabilities(fake, extent, bins)
    q_smooth = (q + eps) / (1.0 + eps * len(q))
    m = 0.5 * (p + q)
    js = 0.5 * _kl(p, m) + 0.5 * _kl(q, m)
    return {
        "kl": max(_kl(p, q_smooth), 0.0),
        "js": min(max(js, 0.0), math.log(2.0)),
        "outside_real": float(p[-1]),
        "outside_fake": float(q[-1]),
    }


def wasserstein1(real: np.ndarray, fake: np.ndarray, max_points: int = DEFAULT_W1_POINTS, seed: int = 0) -> float:
    """Exact Wasserstein-1 (earth mover's) distance between two empirical distributions.

    W1(P, Q) = min over couplings pi of sum_ij pi_ij |x_i - y_j| (Euclidean ground cost), with
    uniform weights 1/n and 1/m on the points. In 2-D each set is first subsampled without
    replacement to at most ``max_points`` points (``numpy.random.default_rng(seed)``, so the
    result is deterministic) and the transport problem is solved exactly by network simplex,
    ``ot.emd2(a, b, ot.dist(x, y, metric="euclidean"))`` (POT; Bonneel et al., "Displacement
    interpolation using Lagrangian mass transport", SIGGRAPH Asia 2011). In 1-D W1 is the area
    between the two empirical CDFs, computed on all points by ``ot.wasserstein_1d`` (sorting,
    no subsampling).

    This is the distance a WGAN critic estimates (Arjovsky et al., "Wasserstein GAN", ICML 2017).
    The empirical value is biased upward: two independent sets of m points from the same 2-D
    distribution are about c / sqrt(m) apart (about 0.2 for ring8, grid25 or the GAN Lab ring at
    m = 400), so values near that floor mean "indistinguishable at this sample size". Cost on a
    2-core CPU: about 10-15 ms at 400 x 400, 16-30 ms at 500 x 500, 80-170 ms at 1,000 x 1,000
    (the network simplex grows faster than m^2), hence the default of 400 points per set.

    Returns ``inf`` when either set contains a non-finite point.
    """
    x = _points(real, "real")
    y = _points(fake, "fake")
    if len(x) == 0 or len(y) == 0:
        raise ValueError("Wasserstein-1 needs at least one point in each set.")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"The real points are {x.shape[1]}-D but the fake ones are {y.shape[1]}-D.")
    if isinstance(max_points, bool) or int(max_points) != max_points or max_points < 1:
        raise ValueError(f"max_points must be a positive whole number; got {max_points!r}.")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return math.inf
    if x.shape[1] == 1:
        return float(ot.wasserstein_1d(x[:, 0], y[:, 0], p=1))
    rng = np.random.default_rng(seed)
    if len(x) > max_points:
        x = x[rng.choice(len(x), int(max_points), replace=False)]
    if len(y) > max_points:
        y = y[rng.choice(len(y), int(max_points), replace=False)]
    a = np.full(len(x), 1.0 / len(x))
    b = np.full(len(y), 1.0 / len(y))
    cost = ot.dist(x, y, metric="euclidean")
    return float(ot.emd2(a, b, cost, numItermax=1_000_000))


MMD_BANDWIDTHS = (0.1, 0.3, 1.0)


def mmd_squared(
    real: np.ndarray, fake: np.ndarray, bandwidths: tuple[float, ...] = MMD_BANDWIDTHS, max_points: int = 1000
) -> float:
    """Unbiased squared maximum mean discrepancy (Gretton et al., "A kernel two-sample test", JMLR
    2012) with a sum of Gaussian kernels k(x, y) = sum_h exp(-|x - y|^2 / (2 h^2)):

        MMD^2 = 1/(n(n-1)) sum_{i!=j} k(x_i, x_j) + 1/(m(m-1)) sum_{i!=j} k(y_i, y_j) - 2/(nm) sum_ij k(x_i, y_j),

    on at most ``max_points`` of each set (the first ones). Near 0 (it can dip below) when the sets
    come from one distribution; ``inf`` when a point is not finite. Kernels by scikit-learn."""
    from sklearn.metrics.pairwise import rbf_kernel

    x, y = _points(real, "real")[:max_points], _points(fake, "fake")[:max_points]
    if len(x) < 2 or len(y) < 2:
        raise ValueError("MMD needs at least two points in each set.")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return math.inf

    def kernel(a, b):
        return sum(rbf_kernel(a, b, gamma=1.0 / (2 * h * h)) for h in bandwidths)

    n, m = len(x), len(y)
    kxx, kyy = kernel(x, x), kernel(y, y)
    within = (kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2 * kernel(x, y).mean())


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussian fits of two feature sets."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    with (
        warnings.catch_warnings()
    ):  # dead ReLU features make the product singular: offset it then (as pytorch-fid does)
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            offset = np.eye(len(cov_a)) * 1e-6
            root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root)))
