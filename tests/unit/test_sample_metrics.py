"""Tests for engine.sample_metrics on constructed sample sets with known answers."""

from __future__ import annotations

import math

import numpy as np
import ot
import pytest
import torch

from engine.sample_metrics import (
    DEFAULT_W1_POINTS,
    cell_probabilities,
    histogram_divergences,
    mode_statistics,
    wasserstein1,
)
from engine.targets import make_target

GRID = np.array([(i, j) for i in range(-2, 3) for j in range(-2, 3)], dtype=np.float64)
EXTENT = ((-3.0, 3.0), (-3.0, 3.0))

# ---------------------------------------------------------------- mode statistics


def test_samples_on_every_mode_capture_all():
    samples = np.repeat(GRID, 100, axis=0)
    stats = mode_statistics(samples, GRID, 0.05)
    assert stats["modes_captured"] == 25 and stats["n_modes"] == 25
    assert stats["high_quality"] == 1.0
    assert stats["reverse_kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)
    assert stats["mode_shares"].shape == (25,)
    assert np.allclose(stats["mode_shares"], 1 / 25)


def test_all_samples_on_one_mode():
    samples = np.tile(GRID[7], (2500, 1)) + 0.01 * np.random.default_rng(0).normal(size=(2500, 2))
    stats = mode_statistics(samples, GRID, 0.05)
    assert stats["modes_captured"] == 1 and stats["high_quality"] == 1.0
    assert stats["reverse_kl_to_uniform"] == pytest.approx(math.log(25))
    assert stats["mode_shares"][7] == 1.0 and stats["mode_shares"].sum() == 1.0


def test_samples_far_from_every_mode():
    samples = np.full((100, 2), 0.5)  # halfway between grid points: 0.71 from each
    stats = mode_statistics(samples, GRID, 0.05)
    assert stats["modes_captured"] == 0 and stats["high_quality"] == 0.0
    assert stats["reverse_kl_to_uniform"] == math.inf
    assert stats["mode_shares"].sum() == 0.0


def test_half_on_mode_half_off():
    on = np.repeat(GRID[:5], 20, axis=0)
    off = on + 0.2  # 0.28 > 3 * 0.05 from the nearest mode
    stats = mode_statistics(np.concatenate([on, off]), GRID, 0.05)
    assert stats["high_quality"] == 0.5 and stats["modes_captured"] == 5
    assert stats["mode_shares"].sum() == pytest.approx(0.5)  # 1 - sum = off-mode share
    # 5 of 25 modes equally used: KL(p || U) = log(25 / 5)
    assert stats["reverse_kl_to_uniform"] == pytest.approx(math.log(5))


def test_high_quality_radius_and_target_modes():
    target = make_target("ring8_narrow")
    inside = target.modes[0] + [3 * 0.02 - 1e-9, 0.0]
    outside = target.modes[0] + [3 * 0.02 + 1e-6, 0.0]
    assert mode_statistics(inside[None], target.modes, target.mode_std)["high_quality"] == 1.0
    assert mode_statistics(outside[None], target.modes, target.mode_std)["high_quality"] == 0.0
    # the benchmark: 2,500 true samples capture all 8 modes, nearly all high quality
    x = target.sample(2500, torch.Generator().manual_seed(0))
    stats = mode_statistics(x, target.modes, target.mode_std)
    assert stats["modes_captured"] == 8 and stats["high_quality"] > 0.98
    assert stats["reverse_kl_to_uniform"] < 0.01


def test_mode_statistics_non_finite_1d_and_errors():
    samples = np.array([[0.0, 0.0], [np.nan, 0.0], [np.inf, 1.0]])
    stats = mode_statistics(samples, GRID, 0.05)
    assert stats["high_quality"] == pytest.approx(1 / 3) and stats["modes_captured"] == 1
    one_d = mode_statistics(np.array([0.0, 0.01, 5.0, 10.0]), np.array([[0.0], [5.0]]), 0.1)
    assert one_d["modes_captured"] == 2 and one_d["high_quality"] == 0.75
    with pytest.raises(ValueError, match="at least one sample"):
        mode_statistics(np.zeros((0, 2)), GRID, 0.05)
    with pytest.raises(ValueError, match="2-D"):
        mode_statistics(np.zeros((3, 1)), GRID, 0.05)
    with pytest.raises(ValueError, match="positive"):
        mode_statistics(GRID, GRID, 0.0)


# ---------------------------------------------------------------- histogram divergences


def test_identical_sets_have_zero_divergence():
    x = np.random.default_rng(0).normal(size=(3000, 2))
    out = histogram_divergences(x, x.copy(), EXTENT)
    assert out["kl"] == pytest.approx(0.0, abs=1e-6)  # the smoothing costs < bins^2 * eps
    assert out["js"] == pytest.approx(0.0, abs=1e-12)


def test_disjoint_sets_have_js_log2():
    rng = np.random.default_rng(1)
    left = rng.uniform([-3, -3], [-0.5, 3], size=(2000, 2))
    right = rng.uniform([0.5, -3], [3, 3], size=(2000, 2))
    out = histogram_divergences(left, right, EXTENT)
    assert out["js"] == pytest.approx(math.log(2), abs=1e-6)
    # every real cell is empty in fake, so q~ = eps / (1 + M eps) there: KL = log(1/q~) - H(p)
    p = cell_probabilities(left, EXTENT, 32)
    entropy = -np.sum(p[p > 0] * np.log(p[p > 0]))
    assert out["kl"] == pytest.approx(math.log((1 + 1025e-10) / 1e-10) - entropy)
    assert out["outside_real"] == 0.0 and out["outside_fake"] == 0.0


def test_points_outside_the_grid_are_counted():
    x = np.array([[0.0, 0.0], [0.5, 0.5], [10.0, 0.0], [0.0, -4.0], [np.nan, 0.0]])
    p = cell_probabilities(x, EXTENT, bins=4)
    assert p.shape == (17,) and p.sum() == pytest.approx(1.0)
    assert p[-1] == pytest.approx(3 / 5)
    # the upper edge belongs to the last cell, the lower edge to the first
    edges = cell_probabilities(np.array([[3.0, 3.0], [-3.0, -3.0]]), EXTENT, bins=4)
    assert edges[-2] == 0.5 and edges[0] == 0.5 and edges[-1] == 0.0
    out = histogram_divergences(x, np.zeros((4, 2)), EXTENT, bins=4)
    assert out["outside_real"] == pytest.approx(0.6) and out["outside_fake"] == 0.0
    # real: 2/5 in one cell (both (0, 0) and (0.5, 0.5) land in the cell [0, 1.5)^2), 3/5 outside;
    # fake: all in that cell. JS = 1/2 [0.4 log(0.4/0.7)] + 1/2 [1.0 log(1/0.7)] + 1/2 0.6 log 2
    js = 0.5 * (0.4 * math.log(0.4 / 0.7) + 0.6 * math.log(2)) + 0.5 * math.log(1 / 0.7)
    assert out["js"] == pytest.approx(js)


def test_histogram_kl_formula_and_1d():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=4000), rng.normal(0.5, 1.0, size=3000)
    out = histogram_divergences(real, fake, (-4.0, 4.0), bins=16)
    assert np.array_equal(cell_probabilities(real, (-4.0, 4.0), 16), cell_probabilities(real[:, None], (-4.0, 4.0), 16))
    p = cell_probabilities(real, (-4.0, 4.0), 16)
    q = cell_probabilities(fake, (-4.0, 4.0), 16)
    q = (q + 1e-10) / (1 + 1e-10 * len(q))
    on = p > 0
    assert out["kl"] == pytest.approx(float(np.sum(p[on] * np.log(p[on] / q[on]))))
    # KL(N(0,1) || N(0.5,1)) = 0.125; binning and sampling move it a little
    assert out["kl"] == pytest.approx(0.125, abs=0.05)
    assert 0 < out["js"] < math.log(2)


def test_histogram_bad_inputs():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="extent"):
        histogram_divergences(x, x, ((1.0, -1.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match="2-D but the extent is 1-D"):
        histogram_divergences(x, x, (-1.0, 1.0))
    with pytest.raises(ValueError, match="bins"):
        histogram_divergences(x, x, EXTENT, bins=0)
    with pytest.raises(ValueError, match="at least one point"):
        histogram_divergences(np.zeros((0, 2)), x, EXTENT)


# ---------------------------------------------------------------- Wasserstein-1


def test_w1_between_point_masses():
    assert wasserstein1(np.zeros((10, 2)), np.tile([3.0, 4.0], (7, 1))) == pytest.approx(5.0)


def test_w1_of_a_shift_is_the_shift_length():
    x = np.random.default_rng(3).normal(size=(300, 2))
    assert wasserstein1(x, x + [1.0, 0.0]) == pytest.approx(1.0, abs=1e-9)
    assert wasserstein1(x, x) == pytest.approx(0.0, abs=1e-12)


def test_w1_subsamples_deterministically_and_1d():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3000, 2)), rng.normal(size=(2000, 2)) + 0.5
    assert wasserstein1(a, b, seed=1) == wasserstein1(a, b, seed=1)
    assert wasserstein1(a, b, max_points=50, seed=1) != wasserstein1(a, b, max_points=50, seed=2)
    # 1-D: area between the CDFs, exact for a shift
    u = rng.normal(size=5000)
    assert wasserstein1(u, u + 2.0) == pytest.approx(2.0)
    assert wasserstein1(u[:, None], u[:, None] - 0.5) == pytest.approx(0.5)
    assert wasserstein1(np.array([[0.0, 0.0], [np.nan, 1.0]]), np.zeros((3, 2))) == math.inf
    with pytest.raises(ValueError, match="2-D but the fake ones are 1-D"):
        wasserstein1(a, u)
    with pytest.raises(ValueError, match="max_points"):
        wasserstein1(a, b, max_points=0)


def test_w1_default_is_cheap(monkeypatch):
    """Large 2-D sets are subsampled: the exact problem solved is 400 x 400 (its cost is timed by
    `python -m benchmarks sample_metrics`)."""
    solved, emd2 = [], ot.emd2

    def recording(a, b, cost, *args, **kwargs):
        solved.append(cost.shape)
        return emd2(a, b, cost, *args, **kwargs)

    monkeypatch.setattr(ot, "emd2", recording)
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(5000, 2)), rng.normal(size=(5000, 2)) + 0.3
    assert 0.2 < wasserstein1(a, b) < 0.6  # about the shift, 0.3 x sqrt(2), above the sampling floor
    assert DEFAULT_W1_POINTS == 400 and solved == [(400, 400)]
    wasserstein1(a[:300], b[:300])
    assert solved[-1] == (300, 300)  # smaller sets are used whole


def test_nearest_shares_follow_a_blurry_collapsed_cloud():
    modes = np.array([[2.0, 0.0], [-2.0, 0.0]])
    cloud = np.array([[1.0, 0.5], [1.2, -0.4], [0.9, 0.1], [-2.0, 0.01]])  # three far from mode 0, one on mode 1
    stats = mode_statistics(cloud, modes, mode_std=0.02)
    np.testing.assert_allclose(stats["nearest_shares"], [0.75, 0.25])
    np.testing.assert_allclose(stats["mode_shares"], [0.0, 0.25])
