"""Minimax dynamics: the iterates against the closed-form iterates of the bilinear game, the
Jacobians' eigenvalues against hand values, and the Dirac-GAN's known verdicts."""

import math

import numpy as np
import pytest

from engine.minimax import dynamics, views
from engine.minimax.explore import MinimaxConfig
from engine.minimax.games import Game

BILINEAR = Game("bilinear")


def test_simultaneous_gda_on_the_bilinear_game_is_the_closed_form_rotation_and_grows_by_sqrt_1_plus_alpha_squared():
    alpha, k = 0.2, np.arange(51)
    path = dynamics.iterate(BILINEAR, "simultaneous", alpha, alpha, (1.0, 0.5), 50)
    # (theta, phi)_k = M^k (theta_0, phi_0), M = [[1, -a], [a, 1]] = r R(omega), r = sqrt(1 + a^2), omega = atan(a)
    r, omega = math.hypot(1, alpha), math.atan(alpha)
    expected_theta = r**k * (1.0 * np.cos(k * omega) - 0.5 * np.sin(k * omega))
    expected_phi = r**k * (1.0 * np.sin(k * omega) + 0.5 * np.cos(k * omega))
    np.testing.assert_allclose(path, np.stack([expected_theta, expected_phi], axis=1), rtol=1e-12)
    d = dynamics.distances(path)
    np.testing.assert_allclose(d[1:] / d[:-1], math.sqrt(1 + alpha**2), rtol=1e-12)


def test_alternating_gda_keeps_the_bilinear_game_bounded_and_optimism_and_extragradient_converge():
    start = (1.0, 1.0)
    alternating = dynamics.distances(dynamics.iterate(BILINEAR, "alternating", 0.1, 0.1, start, 5000))
    assert alternating.max() < 1.2 * alternating[0] and alternating.min() > 0.8 * alternating[0]
    for rule in ("optimistic", "extragradient"):
        assert dynamics.distances(dynamics.iterate(BILINEAR, rule, 0.1, 0.1, start, 2000))[-1] < 1e-3, rule
    n_dis_one = dynamics.iterate(BILINEAR, "multi_ascent", 0.1, 0.2, start, 100, n_dis=1)
    np.testing.assert_array_equal(n_dis_one, dynamics.iterate(BILINEAR, "alternating", 0.1, 0.2, start, 100))


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("simultaneous", lambda a: [1 + 1j * a, 1 - 1j * a]),
        ("alternating", lambda a: np.roots([1, -(2 - a * a), 1])),  # J = [[1 - a^2, -a], [a, 1]]: trace 2 - a^2, det 1
        ("extragradient", lambda a: [1 - a * a + 1j * a, 1 - a * a - 1j * a]),
    ],
)
def test_the_jacobians_eigenvalues_on_the_bilinear_game_are_the_hand_values(rule, expected):
    a = 0.3
    found = np.sort_complex(dynamics.eigenvalues(BILINEAR, rule, a, a))
    np.testing.assert_allclose(found, np.sort_complex(np.asarray(expected(a), dtype=complex)), atol=1e-8)


def test_the_verdicts_follow_the_spectral_radius():
    assert dynamics.verdict(dynamics.eigenvalues(BILINEAR, "simultaneous", 0.1, 0.1))[1].startswith("diverges")
    assert dynamics.verdict(dynamics.eigenvalues(BILINEAR, "alternating", 0.1, 0.1))[1].startswith("cycles")
    assert dynamics.verdict(dynamics.eigenvalues(BILINEAR, "optimistic", 0.1, 0.1))[1].startswith("converges")
    rho, sentence = dynamics.verdict(dynamics.eigenvalues(Game("convex_concave", mu=0.5), "simultaneous", 0.1, 0.1))
    assert sentence.startswith("converges") and rho == pytest.approx(math.hypot(1 - 0.05, 0.1), abs=1e-8)


def test_the_dirac_gan_cycles_without_a_regularizer_and_converges_with_r1():
    """Mescheder et al. (2018): eigenvalues +/- i f'(0) for the continuous dynamics; R1 adds -gamma."""
    plain, r1 = Game("dirac"), Game("dirac", regularizer="r1", gamma=1.0)
    assert dynamics.verdict(dynamics.eigenvalues(plain, "simultaneous", 0.1, 0.1))[1].startswith("diverges")
    assert dynamics.verdict(dynamics.eigenvalues(plain, "alternating", 0.1, 0.1))[1].startswith("cycles")
    for rule in ("simultaneous", "alternating"):
        assert dynamics.verdict(dynamics.eigenvalues(r1, rule, 0.1, 0.1))[1].startswith("converges")
        assert dynamics.distances(dynamics.iterate(r1, rule, 0.1, 0.1, (1.0, 1.0), 1000))[-1] < 1e-6
    # simultaneous GDA on the minimax Dirac-GAN: J = [[1, -a/2], [a/2, 1]] (f'(0) = 1/2)
    np.testing.assert_allclose(
        np.abs(dynamics.eigenvalues(plain, "simultaneous", 0.2, 0.2)), math.hypot(1, 0.1), atol=1e-8
    )
    assert dynamics.eigenvalues(Game("dirac", regularizer="gp"), "alternating", 0.1, 0.1) is None


def test_a_diverging_run_stops_at_inf_and_the_pictures_still_draw():
    path = dynamics.iterate(BILINEAR, "simultaneous", 2.0, 2.0, (1.0, 1.0), 3000)
    assert np.isinf(path[-1]).all() and np.isfinite(path[:100]).all()
    paths = {"simultaneous": path, "alternating": dynamics.iterate(BILINEAR, "alternating", 0.1, 0.1, (1.0, 1.0), 3000)}
    extent = views.extent_for(paths)
    assert views.paths_image(BILINEAR, paths, extent).shape == (420, 420, 3)
    assert views.distance_image(paths).ndim == 3 and views.eigen_image(None).shape == (220, 220, 3)


@pytest.mark.parametrize(
    "settings", [{"game": "saddle"}, {"rule": "adam"}, {"alpha": 0}, {"steps": 10**6}, {"theta0": 0.0, "phi0": 0.0}]
)
def test_bad_settings_are_refused_with_a_sentence(settings):
    with pytest.raises(ValueError):
        MinimaxConfig(**settings)
