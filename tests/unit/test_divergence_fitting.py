"""Fitting q to p by a divergence (mode covering vs mode seeking) and the variational estimate."""

import math

import numpy as np
import pytest
import torch

from engine.divergences import measures as dv
from engine.divergences.fitting import FIT_DIVERGENCES, Mixture1D, fit, fit_all, fit_steps, variational_estimate

BIMODAL = Mixture1D((0.3, 0.7), (-3.0, 2.0), (0.8, 1.2))


def test_forward_kl_fit_of_one_gaussian_matches_the_target_moments():
    """argmin_q KL(p||q) over Gaussians is moment matching: q's mean and variance are p's."""
    weights, means, stds = map(np.array, (BIMODAL.weights, BIMODAL.means, BIMODAL.stds))
    mean = float(weights @ means)
    variance = float(weights @ (stds**2 + means**2)) - mean**2
    fitted = fit(BIMODAL, "kl", steps=1500, lr=0.05).fitted
    assert fitted.means[0] == pytest.approx(mean, abs=1e-2)
    assert fitted.stds[0] ** 2 == pytest.approx(variance, rel=1e-2)


def test_reverse_kl_locks_onto_one_mode_and_forward_kl_covers_both():
    target = Mixture1D((0.5, 0.5), (-3.0, 3.0), (1.0, 1.0))
    for seed in (0, 1):
        seeking = fit(target, "reverse_kl", seed=seed).fitted
        assert abs(abs(seeking.means[0]) - 3.0) < 0.1 and seeking.stds[0] == pytest.approx(1.0, abs=0.1)
    covering = fit(target, "kl").fitted
    assert abs(covering.means[0]) < 0.1 and covering.stds[0] > 3.0


def test_a_two_component_model_fits_a_bimodal_target():
    """Every divergence improves on the start; the mass-covering ones find the target itself (the
    zero-forcing ones, reverse KL and Neyman chi^2, may put both components on one mode)."""
    x = np.linspace(-12, 12, 2001)
    p = np.exp(BIMODAL.log_density(torch.as_tensor(x)).numpy())
    for key in FIT_DIVERGENCES:
        result = fit(BIMODAL, key, components=2, steps=800, grid=x)
        assert result.value < result.history[0][1], key
        if key not in ("reverse_kl", "neyman"):
            q = np.exp(result.fitted.log_density(torch.as_tensor(x)).numpy())
            assert dv.total_variation(p, q, x[1] - x[0]) < 0.1, key


def test_fits_are_reproducible_and_recorded_for_the_animation():
    first, second = fit(BIMODAL, "js", seed=3), fit(BIMODAL, "js", seed=3)
    assert first.fitted == second.fitted and first.history == second.history
    frames = [frame["js"] for frame in fit_steps(BIMODAL, "js", steps=100, record_every=20)]
    assert [f.history[-1][0] for f in frames] == [0, 20, 40, 60, 80, 100]
    assert frames[-1].value < frames[0].value


def test_fits_run_together_equal_the_fits_run_alone():
    """The matrix fits every divergence in one loop; each fit must not feel the others."""
    together = fit_all(BIMODAL, ["kl", "reverse_kl", "pearson"], components=2, seed=5, steps=200)
    for key, result in together.items():
        alone = fit(BIMODAL, key, components=2, seed=5, steps=200)
        np.testing.assert_allclose(result.fitted.means, alone.fitted.means, rtol=1e-9)
        np.testing.assert_allclose(result.fitted.stds, alone.fitted.stds, rtol=1e-9)
        assert result.value == pytest.approx(alone.value, rel=1e-9)


@pytest.mark.parametrize(
    ("weights", "means", "stds", "message"),
    [
        ((1.0,), (0.0,), (0.0,), "width"),
        ((-1.0, 2.0), (0.0, 1.0), (1.0, 1.0), "non-negative"),
        ((0.0,), (0.0,), (1.0,), "positive sum"),
        ((1.0,), (math.nan,), (1.0,), "finite"),
        ((1.0, 1.0), (0.0,), (1.0,), "as many"),
    ],
)
def test_degenerate_mixtures_are_refused_with_a_message(weights, means, stds, message):
    with pytest.raises(ValueError, match=message):
        Mixture1D(weights, means, stds)


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="Unknown divergence"):
        fit(BIMODAL, "euclid")
    with pytest.raises(ValueError, match="between 1 and 8"):
        fit(BIMODAL, "kl", components=0)


def test_variational_estimate_approaches_kl_from_below():
    p, q = Mixture1D((1.0,), (0.0,), (1.0,)), Mixture1D((1.0,), (1.0,), (1.5,))
    exact = dv.kl_gaussians(0.0, 1.0, 1.0, 1.5)
    estimates = [value for _, value in variational_estimate(p, q, "kl", steps=300)]  # within 1% by then
    assert estimates[-1] == pytest.approx(exact, rel=0.05)
    assert max(estimates) <= exact * 1.05  # a lower bound, up to the held-out samples' noise
    assert estimates[0] < estimates[-1]
