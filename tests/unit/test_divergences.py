"""Divergences against closed forms, their defining identities, and the edge cases the page shows."""

import math

import numpy as np
import pytest

from engine.divergences import measures as dv
from engine.f_divergences import F_DIVERGENCES

X = np.linspace(-15.0, 15.0, 12_001)
DX = float(X[1] - X[0])


def gaussian(mean: float, std: float) -> np.ndarray:
    return np.exp(-0.5 * ((X - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def mixture(weights, means, stds) -> np.ndarray:
    return sum(w * gaussian(m, s) for w, m, s in zip(weights, means, stds, strict=True))


PAIRS = [((0.0, 1.0), (1.0, 1.5)), ((-2.0, 0.5), (1.0, 2.0)), ((0.3, 1.2), (0.3, 0.8))]
ALL_ON_GRID = {
    "kl": dv.kl,
    "reverse_kl": dv.reverse_kl,
    "js": dv.jensen_shannon,
    "tv": dv.total_variation,
    "hellinger": dv.squared_hellinger,
    "pearson": dv.pearson_chi2,
    "neyman": dv.neyman_chi2,
    "alpha_0.5": lambda p, q, dx: dv.alpha_divergence(p, q, dx, 0.5),
    "renyi_2": lambda p, q, dx: dv.renyi(p, q, dx, 2.0),
    "w1": lambda p, q, dx: dv.wasserstein_1d(p, q, X, 1),
    "w2": lambda p, q, dx: dv.wasserstein_1d(p, q, X, 2),
    "mmd": lambda p, q, dx: dv.mmd_1d(p, q, X[::10]),  # a coarser grid: its kernel matrix is n^2
}


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_kl_both_ways_match_the_gaussian_closed_form(first, second):
    p, q = gaussian(*first), gaussian(*second)
    assert dv.kl(p, q, DX) == pytest.approx(dv.kl_gaussians(*first, *second), abs=1e-4)
    assert dv.reverse_kl(p, q, DX) == pytest.approx(dv.kl_gaussians(*second, *first), abs=1e-4)


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_w2_hellinger_and_mmd_match_their_closed_forms(first, second):
    p, q = gaussian(*first), gaussian(*second)
    assert dv.wasserstein_1d(p, q, X, 2) == pytest.approx(dv.w2_gaussians(*first, *second), abs=1e-4)
    assert dv.squared_hellinger(p, q, DX) == pytest.approx(dv.squared_hellinger_gaussians(*first, *second), abs=1e-4)
    coarse = X[::10]
    assert dv.mmd_1d(gaussian(*first)[::10], gaussian(*second)[::10], coarse) == pytest.approx(
        dv.mmd_gaussians(*first, *second), abs=1e-4
    )


def test_tv_and_w1_of_shifted_equal_gaussians():
    p, q = gaussian(0.0, 1.0), gaussian(1.3, 1.0)
    assert dv.total_variation(p, q, DX) == pytest.approx(dv.tv_gaussians_equal_width(0.0, 1.3, 1.0), abs=1e-4)
    assert dv.wasserstein_1d(p, q, X, 1) == pytest.approx(1.3, abs=1e-4)


def test_every_divergence_is_zero_for_equal_and_non_negative_otherwise():
    rng = np.random.default_rng(0)
    p = mixture([0.3, 0.7], [-2.0, 1.5], [0.6, 1.0])
    for name, divergence in ALL_ON_GRID.items():
        grid_p = p[::10] if name == "mmd" else p
        dx = DX * 10 if name == "mmd" else DX
        assert divergence(grid_p, grid_p, dx) == pytest.approx(0.0, abs=1e-9), name
        for _ in range(3):
            q = mixture(rng.dirichlet([1, 1, 1]), rng.normal(0, 3, 3), rng.uniform(0.3, 2.0, 3))
            value = divergence(grid_p, q[::10] if name == "mmd" else q, dx)
            assert value >= 0 and not math.isnan(value), name


@pytest.mark.parametrize("key", list(F_DIVERGENCES))
def test_grid_f_divergences_equal_the_f_gan_tables_integral(key):
    """D_f(p||q) = int q f(p/q), with the f-GAN table's f (its JS f gives twice our JS)."""
    p, q = mixture([0.4, 0.6], [-1.0, 2.0], [0.8, 1.0]), gaussian(0.5, 2.0)
    table = float(np.sum(q * F_DIVERGENCES[key].f(p / q)) * DX)
    ours = {
        "kl": dv.kl,
        "reverse_kl": dv.reverse_kl,
        "pearson": dv.pearson_chi2,
        "hellinger": dv.squared_hellinger,
        "tv": dv.total_variation,
        "js": lambda *a: 2 * dv.jensen_shannon(*a),
    }[key](p, q, DX)
    assert ours == pytest.approx(table, rel=1e-6, abs=1e-9)


def test_alpha_and_renyi_families_meet_their_special_cases():
    p, q = gaussian(0.0, 1.0), gaussian(1.0, 1.5)
    assert dv.alpha_divergence(p, q, DX, 0.999) == pytest.approx(dv.kl(p, q, DX), rel=2e-3)
    assert dv.alpha_divergence(p, q, DX, 0.001) == pytest.approx(dv.reverse_kl(p, q, DX), rel=2e-3)
    assert dv.alpha_divergence(p, q, DX, 0.5) == pytest.approx(2 * dv.squared_hellinger(p, q, DX), rel=1e-6)
    assert dv.alpha_divergence(p, q, DX, 2.0) == pytest.approx(dv.pearson_chi2(p, q, DX) / 2, rel=1e-6)
    hellinger = dv.squared_hellinger(p, q, DX)
    assert dv.renyi(p, q, DX, 0.5) == pytest.approx(-2 * math.log(1 - hellinger / 2), rel=1e-6)
    assert dv.renyi(p, q, DX, 1.0001) == pytest.approx(dv.kl(p, q, DX), rel=2e-3)


def test_disjoint_supports_the_wgan_example():
    """Two bumps theta apart with no overlap: JS = log 2, KL = inf, TV = 1, W1 = |theta|."""
    p = np.where(np.abs(X) < 0.5, 1.0, 0.0)
    q = np.where(np.abs(X - 3.0) < 0.5, 1.0, 0.0)
    assert dv.jensen_shannon(p, q, DX) == pytest.approx(math.log(2), abs=1e-12)
    assert dv.kl(p, q, DX) == math.inf and dv.reverse_kl(p, q, DX) == math.inf and dv.pearson_chi2(p, q, DX) == math.inf
    assert dv.total_variation(p, q, DX) == pytest.approx(1.0) and dv.squared_hellinger(p, q, DX) == pytest.approx(2.0)
    assert dv.wasserstein_1d(p, q, X, 1) == pytest.approx(3.0, abs=1e-3)
    assert dv.wasserstein_1d(p, q, X, 2) == pytest.approx(3.0, abs=1e-3)
    assert dv.renyi(p, q, DX, 0.5) == math.inf and dv.alpha_divergence(p, q, DX, 2.0) == math.inf


def test_js_never_exceeds_log_two():
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = mixture(rng.dirichlet([1, 1]), rng.normal(0, 5, 2), rng.uniform(0.05, 1.0, 2))
        q = mixture(rng.dirichlet([1, 1]), rng.normal(0, 5, 2), rng.uniform(0.05, 1.0, 2))
        assert 0.0 <= dv.jensen_shannon(p, q, DX) <= math.log(2)


def test_degenerate_densities_get_a_message_not_nan():
    with pytest.raises(ValueError, match="zero everywhere"):
        dv.kl(np.zeros_like(X), gaussian(0, 1), DX)
    with pytest.raises(ValueError, match="finite and non-negative"):
        dv.total_variation(np.full_like(X, np.nan), gaussian(0, 1), DX)
    with pytest.raises(ValueError, match="same grid"):
        dv.kl(gaussian(0, 1), gaussian(0, 1)[:-1], DX)


def test_sample_wasserstein_is_exact_for_a_translation_and_mmd_estimates_the_closed_form():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(200, 2))
    distance, plan = dv.wasserstein_samples(a, a + np.array([3.0, 4.0]))
    assert distance == pytest.approx(5.0, abs=1e-9) and plan.shape == (200, 200)
    assert plan.sum() == pytest.approx(1.0)
    x, y = rng.normal(0.0, 1.0, (2000, 1)), rng.normal(1.0, 1.5, (2000, 1))
    # unbiased for MMD^2; its standard deviation at n = 2000 is about 0.012
    assert dv.mmd_samples(x, y) == pytest.approx(dv.mmd_gaussians(0.0, 1.0, 1.0, 1.5) ** 2, abs=0.04)
    assert abs(dv.mmd_samples(x, rng.normal(0.0, 1.0, (2000, 1)))) < 0.04
    with pytest.raises(ValueError, match="same dimension"):
        dv.wasserstein_samples(a, rng.normal(size=(5, 3)))


def test_log_space_divergences_agree_with_the_density_ones_and_survive_underflow():
    x = np.linspace(-10, 10, 4001)
    dx = x[1] - x[0]
    log_p, log_q = -0.5 * x**2, -0.5 * ((x - 1.0) / 1.3) ** 2
    from_logs = dv.from_log_densities(log_p, log_q, dx)
    p, q = np.exp(log_p), np.exp(log_q)
    expected = {
        "kl": dv.kl(p, q, dx),
        "reverse_kl": dv.reverse_kl(p, q, dx),
        "js": dv.jensen_shannon(p, q, dx),
        "tv": dv.total_variation(p, q, dx),
        "hellinger": dv.squared_hellinger(p, q, dx),
        "pearson": dv.pearson_chi2(p, q, dx),
        "neyman": dv.neyman_chi2(p, q, dx),
        "alpha_0.5": dv.alpha_divergence(p, q, dx, 0.5),
        "renyi_2": dv.renyi(p, q, dx, 2.0),
    }
    for key, value in expected.items():
        assert from_logs[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    narrow = dv.from_log_densities(-0.5 * (x / 0.02) ** 2, -0.5 * ((x - 1) / 0.02) ** 2, dx)  # exp(-1250) == 0.0
    assert narrow["kl"] == pytest.approx(1 / (2 * 0.02**2), rel=1e-3) and narrow["js"] == pytest.approx(math.log(2))
    boxes = dv.from_log_densities(np.where(np.abs(x) < 1, 0.0, -np.inf), np.where(np.abs(x - 3) < 1, 0.0, -np.inf), dx)
    assert boxes["kl"] == boxes["pearson"] == math.inf and boxes["tv"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="zero everywhere"):
        dv.from_log_densities(np.full(5, -np.inf), np.zeros(5), 1.0)
