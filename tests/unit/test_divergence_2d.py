"""The 2-D comparison: grid divergences against closed forms, exact sample W with its plan, MMD."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from engine.divergences import samples_2d as d2
from engine.gans.models import Generator, NetworkConfig, generator_samples
from engine.targets import GaussianMixture, make_target


def gaussian(std: float, mean=(0.0, 0.0)) -> GaussianMixture:
    return GaussianMixture([1.0], [list(mean)], [np.eye(2) * std**2])


@pytest.mark.parametrize(("std", "distance"), [(0.5, 1.0), (0.3, 0.2)])
def test_grid_divergences_of_a_shifted_gaussian_match_the_closed_forms(std, distance):
    """N(0, s^2 I) against itself shifted by d: KL both ways d^2/(2 s^2); H^2 = 2 (1 - exp(-d^2/(8 s^2)));
    TV = 2 Phi(d/(2s)) - 1; the alpha = 1/2 divergence is 2 H^2."""
    values = d2.grid_divergences(gaussian(std), gaussian(std), (distance, 0.0))
    assert values["kl"] == pytest.approx(distance**2 / (2 * std**2), rel=1e-4)
    assert values["reverse_kl"] == pytest.approx(values["kl"], rel=1e-9)
    hellinger = 2 * (1 - math.exp(-(distance**2) / (8 * std**2)))
    assert values["hellinger"] == pytest.approx(hellinger, rel=1e-4)
    assert values["alpha_0.5"] == pytest.approx(2 * hellinger, rel=1e-4)
    assert values["tv"] == pytest.approx(2 * norm.cdf(distance / (2 * std)) - 1, rel=1e-3)
    assert 0 < values["js"] < math.log(2)


def test_far_apart_narrow_modes_give_a_large_finite_kl_not_a_false_infinity():
    """exp(-1800) underflows to 0; the log-space sum still gets KL = d^2/(2 s^2) = 1800."""
    values = d2.grid_divergences(gaussian(0.05), gaussian(0.05), (3.0, 0.0))
    assert values["kl"] == pytest.approx(1800, rel=1e-3)
    assert values["js"] == pytest.approx(math.log(2), abs=1e-9) and values["tv"] == pytest.approx(1.0)


def test_grid_divergences_are_zero_for_equal_targets_and_refused_without_a_density():
    for key in ("ring8", "checkerboard", "rings"):
        assert all(
            v == pytest.approx(0.0, abs=1e-9) for v in d2.grid_divergences(make_target(key), make_target(key)).values()
        )
    with pytest.raises(ValueError, match="density"):
        d2.grid_divergences(make_target("ring8"), make_target("moons"))


def test_a_support_mismatch_is_infinite_never_nan():
    """The checkerboard is zero on its white squares, where the ring has mass."""
    values = d2.grid_divergences(make_target("ring8"), make_target("checkerboard"))
    assert values["kl"] == math.inf and math.isfinite(values["reverse_kl"])
    assert not any(math.isnan(v) for v in values.values())


def test_sample_wasserstein_of_a_translated_set_is_the_translation_and_the_plan_is_a_matching():
    a = d2.target_samples(make_target("ring8"), 200, seed=0)
    b = a + np.array([0.7, -0.4])
    comparison = d2.compare_samples(a, b, plan_order=2)
    assert comparison.values["w1"] == pytest.approx(math.hypot(0.7, 0.4), rel=1e-9)
    assert comparison.values["w2"] == pytest.approx(math.hypot(0.7, 0.4), rel=1e-9)
    np.testing.assert_allclose(comparison.plan, np.eye(200) / 200, atol=1e-12)  # each point to its own translate
    xs, ys = d2.plan_segments(a, b, comparison.plan)
    assert len(xs) == 3 * 200 and np.isnan(xs[2::3]).all() and np.allclose(xs[1::3] - xs[0::3], 0.7)


def test_mmd_tells_a_shift_from_a_resample():
    target = make_target("ring8")
    a, same, moved = (
        d2.target_samples(target, 400, seed, shift) for seed, shift in ((0, (0, 0)), (1, (0, 0)), (1, (1.5, 0)))
    )
    assert abs(d2.compare_samples(a, same).values["mmd2"]) < 0.01
    assert d2.compare_samples(a, moved).values["mmd2"] > 0.1
    with pytest.raises(ValueError, match="order"):
        d2.compare_samples(a, same, plan_order=3)


def test_generator_samples_are_reproducible_from_the_seed():
    torch.manual_seed(0)
    generator = Generator(2, 2, NetworkConfig())
    first, second = (generator_samples(generator, 2, "gaussian", 50, seed=4) for _ in range(2))
    assert first.shape == (50, 2) and np.array_equal(first, second)
    assert not np.array_equal(first, generator_samples(generator, 2, "gaussian", 50, seed=5))
