"""Unit tests for engine.gans.losses: every loss against its formula on hand-computed numbers,
the f-divergence table (Fenchel identity, domains, sign conventions), optimal outputs, and the
gradient penalties on a linear critic."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from engine.f_divergences import F_DIVERGENCES
from engine.gans.losses import LOSSES, FGanLoss, GanLoss, gradient_penalty, r1_penalty

V_REAL = [0.5, -1.0]
V_FAKE = [2.0, 0.0]

EXPECTED_KEYS = [
    "non_saturating",
    "minimax",
    "kl_generator",
    "least_squares",
    "hinge",
    "wgan_clip",
    "wgan_gp",
    "fgan_kl",
    "fgan_reverse_kl",
    "fgan_js",
    "fgan_pearson",
    "fgan_hellinger",
    "fgan_tv",
]

# Two discrete distributions on 5 points with probabilities in tenths, so expectations can also
# be written as plain means over 10 "samples" (point i repeated 10·p_i times).
P = np.array([0.1, 0.2, 0.3, 0.2, 0.2])
Q = np.array([0.3, 0.1, 0.2, 0.1, 0.3])


def mean(values):
    return sum(values) / len(values)


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def losses_of(key):
    loss = LOSSES[key]
    real = torch.tensor(V_REAL, dtype=torch.float64)
    fake = torch.tensor(V_FAKE, dtype=torch.float64)
    return float(loss.discriminator_loss(real, fake)), float(loss.generator_loss(fake))


def kl(a, b):
    return float(np.sum(a * np.log(a / b)))


def as_samples(values, probs):
    """Repeat values[i] 10·probs[i] times: a mean over the result is the expectation under probs."""
    counts = np.rint(probs * 10).astype(int)
    return torch.tensor(np.repeat(values, counts), dtype=torch.float64)


# --- registry -------------------------------------------------------------------------------


def test_losses_has_all_keys_in_display_order():
    assert list(LOSSES) == EXPECTED_KEYS
    for key, loss in LOSSES.items():
        assert isinstance(loss, GanLoss)
        assert loss.key == key
        for text in (loss.label, loss.formula, loss.description, loss.output_label, loss.paper):
            assert isinstance(text, str) and text and "\n" not in text


def test_clipping_and_penalty_flags():
    for key, loss in LOSSES.items():
        assert loss.weight_clip == (0.01 if key == "wgan_clip" else None)
        assert loss.gradient_penalty == (10.0 if key == "wgan_gp" else 0.0)


def test_output_ranges():
    for key in ("non_saturating", "minimax", "kl_generator", "least_squares"):
        assert LOSSES[key].output_range == (0.0, 1.0)
    for key in ("hinge", "wgan_clip", "wgan_gp", "fgan_kl", "fgan_pearson"):
        assert LOSSES[key].output_range is None
    assert LOSSES["fgan_tv"].output_range == (-0.5, 0.5)


# --- each loss against its formula ------------------------------------------------------------


def sigmoid_discriminator_loss():
    return -mean([math.log(sig(v)) for v in V_REAL]) - mean([math.log(1 - sig(v)) for v in V_FAKE])


def test_non_saturating():
    d_loss, g_loss = losses_of("non_saturating")
    assert d_loss == pytest.approx(sigmoid_discriminator_loss(), abs=1e-12)
    assert g_loss == pytest.approx(-mean([math.log(sig(v)) for v in V_FAKE]), abs=1e-12)


def test_minimax():
    d_loss, g_loss = losses_of("minimax")
    assert d_loss == pytest.approx(sigmoid_discriminator_loss(), abs=1e-12)
    assert g_loss == pytest.approx(mean([math.log(1 - sig(v)) for v in V_FAKE]), abs=1e-12)


def test_kl_generator_is_minimax_plus_non_saturating():
    d_loss, g_loss = losses_of("kl_generator")
    assert d_loss == pytest.approx(sigmoid_discriminator_loss(), abs=1e-12)
    assert g_loss == pytest.approx(mean([math.log((1 - sig(v)) / sig(v)) for v in V_FAKE]), abs=1e-12)
    assert g_loss == pytest.approx(losses_of("minimax")[1] + losses_of("non_saturating")[1], abs=1e-12)


def test_least_squares():
    d_loss, g_loss = losses_of("least_squares")
    assert d_loss == pytest.approx(0.5 * mean([(v - 1) ** 2 for v in V_REAL]) + 0.5 * mean([v**2 for v in V_FAKE]))
    assert g_loss == pytest.approx(0.5 * mean([(v - 1) ** 2 for v in V_FAKE]))
    # Hand-computed: ½·(0.25 + 4)/2 + ½·(4 + 0)/2 = 2.0625; ½·(1 + 1)/2 = 0.5.
    assert d_loss == pytest.approx(2.0625)
    assert g_loss == pytest.approx(0.5)


def test_hinge():
    d_loss, g_loss = losses_of("hinge")
    # E_p max(0, 1 − v) = (0.5 + 2)/2, E_q max(0, 1 + v) = (3 + 1)/2.
    assert d_loss == pytest.approx(1.25 + 2.0)
    assert g_loss == pytest.approx(-1.0)


@pytest.mark.parametrize("key", ["wgan_clip", "wgan_gp"])
def test_wasserstein(key):
    d_loss, g_loss = losses_of(key)
    # E_q v − E_p v = 1 − (−0.25).
    assert d_loss == pytest.approx(1.25)
    assert g_loss == pytest.approx(-1.0)


# Textbook table (Nowozin et al. 2016, Table 2), written out independently of the engine.
FGAN_TABLE = {
    "kl": (lambda v: v, lambda t: math.exp(t - 1)),
    "reverse_kl": (lambda v: -math.exp(-v), lambda t: -1 - math.log(-t)),
    "js": (lambda v: math.log(2) - math.log(1 + math.exp(-v)), lambda t: -math.log(2 - math.exp(t))),
    "pearson": (lambda v: v, lambda t: t * t / 4 + t),
    "hellinger": (lambda v: 1 - math.exp(-v), lambda t: t / (1 - t)),
    "tv": (lambda v: 0.5 * math.tanh(v), lambda t: t),
}


@pytest.mark.parametrize("name", list(FGAN_TABLE))
def test_fgan_losses(name):
    activation, conjugate = FGAN_TABLE[name]
    d_loss, g_loss = losses_of(f"fgan_{name}")
    expected_d = -(mean([activation(v) for v in V_REAL]) - mean([conjugate(activation(v)) for v in V_FAKE]))
    assert d_loss == pytest.approx(expected_d, rel=1e-10, abs=1e-12)
    assert g_loss == pytest.approx(-mean([activation(v) for v in V_FAKE]), rel=1e-10, abs=1e-12)
    loss = LOSSES[f"fgan_{name}"]
    assert isinstance(loss, FGanLoss)
    out = loss.output(torch.tensor(V_REAL, dtype=torch.float64))
    assert out.tolist() == pytest.approx([activation(v) for v in V_REAL])


def test_sigmoid_outputs_are_probabilities():
    v = torch.tensor([-3.0, 0.0, 3.0])
    for key in ("non_saturating", "minimax", "kl_generator"):
        assert torch.allclose(LOSSES[key].output(v), torch.sigmoid(v))
    for key in ("least_squares", "hinge", "wgan_clip", "wgan_gp"):
        assert torch.equal(LOSSES[key].output(v), v)


# --- f-divergence table -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_fenchel_identity(name):
    """f*(f'(u)) = u f'(u) − f(u): f'(u) is the maximiser of t·u − f*(t)."""
    d = F_DIVERGENCES[name]
    u = np.linspace(0.1, 5.0, 50)
    t = d.f_prime(u)
    assert np.all(np.isfinite(d.conjugate(t)))
    assert np.allclose(d.conjugate(t), u * t - d.f(u), atol=1e-12)


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_f_prime_is_the_derivative_of_f(name):
    d = F_DIVERGENCES[name]
    u = np.linspace(0.1, 5.0, 50)
    u = u[np.abs(u - 1.0) > 0.05]  # total variation has a kink at u = 1
    h = 1e-6
    assert np.allclose((d.f(u + h) - d.f(u - h)) / (2 * h), d.f_prime(u), atol=1e-6)
    assert float(d.f(1.0)) == pytest.approx(0.0, abs=1e-15)  # D_f(p‖p) = 0


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_output_activation_maps_into_conjugate_domain(name):
    d = F_DIVERGENCES[name]
    v = np.linspace(-10.0, 10.0, 101)
    values = d.conjugate(d.output_activation(v))
    assert np.all(np.isfinite(values))
    assert np.allclose(values, d.conjugate_of_output(v), rtol=1e-9, atol=1e-9)
    v_torch = torch.tensor(v)
    assert torch.allclose(d.conjugate(d.output_activation(v_torch)), d.conjugate_of_output(v_torch))


def test_conjugate_is_infinite_outside_its_domain():
    assert math.isinf(float(F_DIVERGENCES["reverse_kl"].conjugate(0.5)))
    assert math.isinf(float(F_DIVERGENCES["js"].conjugate(1.0)))
    assert math.isinf(float(F_DIVERGENCES["hellinger"].conjugate(1.5)))
    assert math.isinf(float(F_DIVERGENCES["tv"].conjugate(torch.tensor(0.7))))


CLOSED_FORMS = {
    "kl": lambda p, q: kl(p, q),
    "reverse_kl": lambda p, q: kl(q, p),
    "js": lambda p, q: kl(p, (p + q) / 2) + kl(q, (p + q) / 2),  # = 2·JSD with the table's f
    "pearson": lambda p, q: float(np.sum((p - q) ** 2 / q)),
    "hellinger": lambda p, q: float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)),
    "tv": lambda p, q: 0.5 * float(np.sum(np.abs(p - q))),
}


@pytest.mark.parametrize("name", list(F_DIVERGENCES))
def test_variational_value_at_optimum_is_the_divergence(name):
    """E_p T − E_q f*(T) at T = f'(p/q) equals D_f(p‖q) = E_q f(p/q): checks the sign conventions."""
    d = F_DIVERGENCES[name]
    t_opt = d.f_prime(P / Q)
    value = np.sum(P * t_opt) - np.sum(Q * d.conjugate(t_opt))
    divergence = np.sum(Q * d.f(P / Q))
    assert value == pytest.approx(divergence, abs=1e-12)
    assert divergence == pytest.approx(CLOSED_FORMS[name](P, Q), abs=1e-12)
    # A non-optimal T gives a smaller value (it is a lower bound).
    t_other = t_opt * 0.5 if name != "tv" else np.zeros_like(t_opt)
    assert np.sum(P * t_other) - np.sum(Q * d.conjugate(t_other)) < value


# Raw score v* whose g_f(v*) equals T* = f'(u), u = p/q.
INVERSE_OPTIMUM = {
    "kl": lambda u: 1 + np.log(u),
    "reverse_kl": np.log,
    "js": np.log,
    "pearson": lambda u: 2 * (u - 1),
    "hellinger": lambda u: 0.5 * np.log(u),
}


@pytest.mark.parametrize("name", list(INVERSE_OPTIMUM))
def test_fgan_discriminator_loss_at_optimum_is_minus_the_divergence(name):
    loss = LOSSES[f"fgan_{name}"]
    v_opt = INVERSE_OPTIMUM[name](P / Q)
    d_loss = loss.discriminator_loss(as_samples(v_opt, P), as_samples(v_opt, Q))
    assert float(d_loss) == pytest.approx(-CLOSED_FORMS[name](P, Q), abs=1e-12)


def test_sigmoid_game_at_optimum():
    """With v* = log(p/q): −L_D = 2·JSD(p‖q) − log 4 and the KL generator loss = KL(q‖p)."""
    v_opt = np.log(P / Q)
    real, fake = as_samples(v_opt, P), as_samples(v_opt, Q)
    two_jsd = CLOSED_FORMS["js"](P, Q)
    assert -float(LOSSES["non_saturating"].discriminator_loss(real, fake)) == pytest.approx(two_jsd - math.log(4))
    assert float(LOSSES["kl_generator"].generator_loss(fake)) == pytest.approx(kl(Q, P))


# --- optimal outputs --------------------------------------------------------------------------


def test_optimal_output_of_sigmoid_and_least_squares_losses():
    p = np.array([[0.2, 0.0], [1.5, 0.0]])
    q = np.array([[0.6, 0.3], [0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key in ("non_saturating", "minimax", "kl_generator", "least_squares"):
            out = LOSSES[key].optimal_output(p, q)
            assert out.shape == p.shape
            assert out[0, 0] == pytest.approx(0.25)
            assert out[0, 1] == 0.0 and out[1, 0] == 1.0
            assert math.isnan(out[1, 1])


def test_optimal_output_of_fgans_is_f_prime_of_the_ratio():
    p = np.array([0.2, 0.5, 0.0, 1.0, 0.0])
    q = np.array([0.4, 0.5, 1.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, d in F_DIVERGENCES.items():
            out = LOSSES[f"fgan_{name}"].optimal_output(p, q)
            assert out.shape == p.shape
            assert out[:2] == pytest.approx(d.f_prime(p[:2] / q[:2]))
            assert np.all(np.isfinite(out[2:4]))  # ratio clipped, not ±inf
            assert math.isnan(out[4])


def test_losses_without_pointwise_optimum():
    for key in ("hinge", "wgan_clip", "wgan_gp"):
        assert LOSSES[key].optimal_output(P, Q) is None


# --- numerical robustness ---------------------------------------------------------------------


@pytest.mark.parametrize("key", EXPECTED_KEYS)
def test_finite_values_and_gradients_on_extreme_scores(key):
    loss = LOSSES[key]
    real = torch.tensor([50.0, -50.0, 0.0], requires_grad=True)
    fake = torch.tensor([50.0, -50.0, 0.0], requires_grad=True)
    d_loss = loss.discriminator_loss(real, fake)
    g_loss = loss.generator_loss(fake)
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    real_grad, fake_grad = torch.autograd.grad(d_loss, (real, fake))
    (g_grad,) = torch.autograd.grad(g_loss, fake)
    for grad in (real_grad, fake_grad, g_grad):
        assert torch.all(torch.isfinite(grad))
    assert torch.all(torch.isfinite(loss.output(real.detach())))


# --- gradient penalties -----------------------------------------------------------------------


def linear_critic(weights, bias=0.3):
    layer = nn.Linear(len(weights), 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([weights], dtype=torch.float64))
        layer.bias.fill_(bias)
    return nn.Sequential(layer, nn.Flatten(0))


def test_gradient_penalty_of_linear_critic():
    w = [0.6, -1.2, 2.0]
    norm = math.sqrt(sum(x * x for x in w))
    critic = linear_critic(w)
    rng = torch.Generator().manual_seed(0)
    real = torch.randn(7, 3, dtype=torch.float64, generator=rng)
    fake = torch.randn(7, 3, dtype=torch.float64, generator=rng)
    penalty = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(1))
    assert float(penalty.detach()) == pytest.approx((norm - 1) ** 2, abs=1e-12)
    # create_graph: the penalty is differentiable in the critic's weights, d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖.
    penalty.backward()
    expected = [2 * (norm - 1) * x / norm for x in w]
    assert critic[0].weight.grad[0].tolist() == pytest.approx(expected, abs=1e-12)


def test_r1_penalty_of_linear_critic():
    w = [0.6, -1.2, 2.0]
    critic = linear_critic(w)
    real = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    penalty = r1_penalty(critic, real)
    assert float(penalty.detach()) == pytest.approx(sum(x * x for x in w), abs=1e-12)
    penalty.backward()
    assert critic[0].weight.grad[0].tolist() == pytest.approx([2 * x for x in w], abs=1e-12)


def test_gradient_penalty_is_reproducible_with_a_seeded_generator():
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))
    real, fake = torch.randn(16, 2), torch.randn(16, 2) + 2.0
    a = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(3))
    b = gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert a.ndim == 0 and torch.isfinite(a)
