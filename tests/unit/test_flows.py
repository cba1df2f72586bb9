"""Unit tests for engine.flows: invertibility, log-det vs the autograd Jacobian, normalisation,
sampling, configs, and a short training run."""

from __future__ import annotations

import math

import pytest
import torch
from torch.autograd.functional import jacobian

from engine.flows import (
    FLOW_TYPES,
    ActNorm,
    AdditiveCoupling,
    AffineCoupling,
    AffineLayer1D,
    DiagonalScaling,
    Flow,
    FlowConfig,
    InvertibleLinear,
    MixtureCDFLayer,
    SplineCoupling,
    build_flow,
    rational_quadratic_spline,
)

TAIL_BOUND = 3.0


def perturb(module: torch.nn.Module, scale: float = 0.4, seed: int = 0) -> torch.nn.Module:
    """Add noise to every parameter so no layer sits at its identity initialisation.

    Weight matrices get noise scaled by 1/sqrt(fan_in), so conditioner outputs stay O(1)
    (splines with slopes of 1e-7 are not invertible in float32, and nothing trains to that).
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            fan_in_scale = scale / math.sqrt(p.shape[-1]) if p.dim() == 2 else scale
            p.add_(fan_in_scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def inputs_2d(n: int = 64, seed: int = 1) -> torch.Tensor:
    """Random points, many outside the spline box [-3, 3]^2, plus far-out corners."""
    g = torch.Generator().manual_seed(seed)
    x = 3.0 * torch.randn(n, 2, generator=g)
    corners = torch.tensor([[8.0, -8.0], [-7.5, 0.3], [0.2, 7.9], [-2.9, 2.95]])
    return torch.cat((x, corners))


def inputs_1d() -> torch.Tensor:
    return torch.linspace(-8.0, 8.0, 81).unsqueeze(1)


def per_sample_jacobian_logdet(fn, x: torch.Tensor) -> torch.Tensor:
    """log|det J| per sample, from the full autograd Jacobian of a batched map."""
    jac = jacobian(fn, x)  # (n, d, n, d)
    idx = torch.arange(x.shape[0])
    per_sample = jac[idx, :, idx, :]  # (n, d, d)
    return torch.linalg.slogdet(per_sample).logabsdet


LAYER_FACTORIES = {
    "additive_coupling_x2": (lambda: AdditiveCoupling(1, hidden=16), 2),
    "additive_coupling_x1": (lambda: AdditiveCoupling(0, hidden=16), 2),
    "affine_coupling_x2": (lambda: AffineCoupling(1, hidden=16), 2),
    "affine_coupling_x1": (lambda: AffineCoupling(0, hidden=16, hidden_layers=3), 2),
    "spline_coupling_x2": (lambda: SplineCoupling(1, hidden=16, n_bins=6, tail_bound=TAIL_BOUND), 2),
    "spline_coupling_x1": (lambda: SplineCoupling(0, hidden=16, n_bins=5, tail_bound=TAIL_BOUND), 2),
    "nice_scaling": (lambda: DiagonalScaling(2), 2),
    "actnorm": (lambda: ActNorm(2), 2),
    "invertible_linear": (lambda: InvertibleLinear(2), 2),
    "mixture_cdf": (lambda: MixtureCDFLayer(5), 1),
    "affine_1d": (lambda: AffineLayer1D(), 1),
}


def make_layer(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    factory, dim = LAYER_FACTORIES[name]
    layer = perturb(factory()).eval()
    return layer, inputs_2d() if dim == 2 else inputs_1d()


@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_layer_is_invertible(name):
    layer, x = make_layer(name)
    with torch.no_grad():
        z, logdet = layer(x)
        x_back = layer.inverse(z)
    assert z.shape == x.shape and z.dtype == x.dtype
    assert logdet.shape == (x.shape[0],)
    assert torch.isfinite(z).all() and torch.isfinite(logdet).all()
    assert (x_back - x).abs().max().item() <= 1e-4
    assert (z - x).abs().max().item() > 1e-2, "layer should not be the identity after perturbation"


@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_layer_logdet_matches_autograd_jacobian(name):
    layer, x = make_layer(name)
    layer = layer.double()
    x = x.double()
    if name == "mixture_cdf":
        x = x[::4]  # 21 points from -8 to 8 keep the full Jacobian small
    expected = per_sample_jacobian_logdet(lambda inp: layer(inp)[0], x)
    _, logdet = layer(x)
    assert torch.allclose(logdet, expected, atol=1e-4, rtol=0)


FLOW_CONFIGS = {
    "nice": FlowConfig(dim=2, flow_type="nice", n_layers=3, hidden=16),
    "realnvp": FlowConfig(dim=2, flow_type="realnvp", n_layers=3, hidden=16),
    "glow": FlowConfig(dim=2, flow_type="glow", n_layers=2, hidden=16),
    "spline": FlowConfig(dim=2, flow_type="spline", n_layers=3, hidden=16, n_bins=5, tail_bound=TAIL_BOUND),
    "cdf": FlowConfig(dim=1, flow_type="cdf", n_layers=2, components=4),
    "affine": FlowConfig(dim=1, flow_type="affine"),
}


def test_every_flow_type_has_a_test_config():
    assert set(FLOW_CONFIGS) == set(FLOW_TYPES)


def make_flow(name: str, noise: float = 0.4) -> tuple[Flow, torch.Tensor]:
    config = FLOW_CONFIGS[name]
    flow = perturb(build_flow(config, seed=0), scale=noise).eval()
    return flow, inputs_2d() if config.dim == 2 else inputs_1d()


@pytest.mark.parametrize("name", sorted(FLOW_CONFIGS))
def test_built_flow_is_invertible_and_logdet_matches_jacobian(name):
    flow, x = make_flow(name)
    with torch.no_grad():
        z, logdet = flow(x)
        assert z.shape == x.shape and logdet.shape == (x.shape[0],)
        assert (flow.inverse(z) - x).abs().max().item() <= 1e-4
    flow64, x64 = flow.double(), x.double()[::3]
    expected = per_sample_jacobian_logdet(lambda inp: flow64(inp)[0], x64)
    _, logdet64 = flow64(x64)
    assert torch.allclose(logdet64, expected, atol=1e-4, rtol=0)
    # log_prob is the change of variables formula.
    z64, _ = flow64(x64)
    base = -0.5 * z64.square().sum(1) - flow64.dim * 0.5 * math.log(2 * math.pi)
    assert torch.allclose(flow64.log_prob(x64), base + logdet64, atol=1e-10)


@pytest.mark.parametrize("name", sorted(FLOW_CONFIGS))
def test_trajectories_and_layer_names(name):
    flow, x = make_flow(name)
    points = flow.trajectory(x)
    assert len(points) == len(flow.layers) + 1 == len(flow.layer_names()) + 1
    assert torch.equal(points[0], x)
    with torch.no_grad():
        z, _ = flow(x)
    assert torch.allclose(points[-1], z)
    back = flow.inverse_trajectory(z)
    assert len(back) == len(points)
    assert (back[-1] - x).abs().max().item() <= 1e-4
    assert all(isinstance(label, str) and label for label in flow.layer_names())


def test_1d_log_prob_integrates_to_one():
    # Stacked CDF layers have heavy (stretched-exponential) tails, so integrate on
    # x = sinh(t), dx = cosh(t) dt, which reaches |x| ~ 1e4 with fine steps near 0.
    t = torch.linspace(-10.0, 10.0, 20001, dtype=torch.float64)
    x = torch.sinh(t).unsqueeze(1)
    for name in ("cdf", "affine"):
        flow, _ = make_flow(name, noise=0.2)
        with torch.no_grad():
            density = flow.double().log_prob(x).exp()
        mass = torch.trapezoid(density * torch.cosh(t), t).item()
        assert abs(mass - 1.0) < 0.01, (name, mass)


def test_single_cdf_layer_density_is_the_logistic_mixture():
    layer = perturb(MixtureCDFLayer(4)).double()
    flow = Flow([layer], dim=1)
    x = torch.linspace(-8, 8, 101, dtype=torch.float64).unsqueeze(1)
    pi = torch.softmax(layer.logits, 0)
    s = layer.log_scales.exp()
    u = (x - layer.means) / s
    mixture = (pi * torch.sigmoid(u) * torch.sigmoid(-u) / s).sum(1)
    with torch.no_grad():
        assert torch.allclose(flow.log_prob(x).exp(), mixture, rtol=1e-9, atol=1e-12)


def test_cdf_layer_tail_precision():
    """Far in the tails F rounds to 0 or 1 in float32; the layer must still be finite and invertible."""
    layer = MixtureCDFLayer(3)
    with torch.no_grad():
        layer.log_scales.fill_(math.log(0.2))
        x = torch.tensor([[-30.0], [-12.0], [12.0], [30.0]])
        z, logdet = layer(x)
        assert torch.isfinite(z).all() and torch.isfinite(logdet).all()
        assert z[0] < z[1] < 0 < z[2] < z[3]
        assert (layer.inverse(z) - x).abs().max() <= 1e-4


@pytest.mark.parametrize("name", ["realnvp", "spline"])
def test_2d_log_prob_integrates_to_one(name):
    flow, _ = make_flow(name, noise=0.15)
    axis = torch.linspace(-9.0, 9.0, 361)
    xx, yy = torch.meshgrid(axis, axis, indexing="ij")
    grid = torch.stack((xx.reshape(-1), yy.reshape(-1)), 1)
    with torch.no_grad():
        density = flow.log_prob(grid).exp().reshape(361, 361).double()
    mass = torch.trapezoid(torch.trapezoid(density, axis.double(), dim=1), axis.double()).item()
    assert abs(mass - 1.0) < 0.02, mass


def test_spline_function_identity_outside_and_at_zero_params():
    g = torch.Generator().manual_seed(0)
    x = torch.linspace(-7, 7, 57, dtype=torch.float64)
    k = 7
    zeros = torch.zeros(57, k, dtype=torch.float64)
    y, logdet = rational_quadratic_spline(x, zeros, zeros, zeros[:, :-1], tail_bound=4.0)
    assert torch.allclose(y, x, atol=1e-12) and torch.allclose(logdet, torch.zeros_like(x), atol=1e-9)
    w, h, d = (torch.randn(57, m, generator=g, dtype=torch.float64) for m in (k, k, k - 1))
    y, logdet = rational_quadratic_spline(x, w, h, d, tail_bound=4.0)
    outside = x.abs() > 4.0
    assert torch.equal(y[outside], x[outside]) and (logdet[outside] == 0).all()
    assert (y[~outside] - x[~outside]).abs().max() > 1e-2
    x_back, inv_logdet = rational_quadratic_spline(y, w, h, d, inverse=True, tail_bound=4.0)
    assert (x_back - x).abs().max() < 1e-9
    assert torch.allclose(inv_logdet, -logdet, atol=1e-9)


@pytest.mark.parametrize("name", sorted(FLOW_CONFIGS))
def test_sample_shape_and_determinism(name):
    flow, _ = make_flow(name, noise=0.2)
    a = flow.sample(50, generator=torch.Generator().manual_seed(3))
    b = flow.sample(50, generator=torch.Generator().manual_seed(3))
    c = flow.sample(50, generator=torch.Generator().manual_seed(4))
    assert a.shape == (50, flow.dim) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.isfinite(a).all()


def test_build_flow_seed_is_reproducible_and_leaves_global_rng_alone():
    config = FlowConfig(dim=2, flow_type="glow", n_layers=2, hidden=16)
    state = torch.get_rng_state()
    a, b = build_flow(config, seed=5), build_flow(config, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    for (key, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), key


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_layers": 100}, "n_layers must be between 1 and 32; got 100."),
        ({"n_layers": 0}, "n_layers must be between 1 and 32"),
        ({"n_layers": 2.5}, "n_layers must be a whole number between 1 and 32; got 2.5."),
        ({"hidden": 4}, "hidden must be between 8 and 512"),
        ({"hidden_layers": 5}, "hidden_layers must be between 1 and 4"),
        ({"flow_type": "spline", "n_bins": 1}, "n_bins must be between 2 and 64"),
        ({"dim": 1, "flow_type": "cdf", "components": 0}, "components must be between 1 and 64"),
        ({"tail_bound": 0.5}, "tail_bound must be between 1 and 20"),
        ({"dim": 3}, "dim must be 1 or 2"),
        ({"flow_type": "maf"}, "flow_type must be one of"),
        ({"dim": 1, "flow_type": "glow"}, "flow_type 'glow' needs 2-D data; pick 'cdf' or 'affine' for a 1-D target."),
        ({"dim": 2, "flow_type": "cdf"}, "flow_type 'cdf' needs 1-D data"),
    ],
)
def test_flow_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        FlowConfig(**kwargs)


def test_actnorm_data_init_and_flag_survives_state_dict():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 2, generator=g) * torch.tensor([3.0, 0.5]) + torch.tensor([1.0, -2.0])
    layer = ActNorm(2)
    with torch.no_grad():
        layer(x)  # a visual pass without gradients must not initialise
    assert not bool(layer.initialized)
    z, _ = layer(x)  # first training step
    assert bool(layer.initialized)
    assert torch.allclose(z.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(z.std(0, unbiased=False), torch.ones(2), atol=1e-4)

    restored = ActNorm(2)
    restored.load_state_dict(layer.state_dict())
    assert bool(restored.initialized)
    restored(torch.randn(100, 2, generator=g) * 10)  # must not re-initialise on other data
    assert torch.equal(restored.bias, layer.bias) and torch.equal(restored.log_scale, layer.log_scale)


def _two_gaussians(n: int, g: torch.Generator) -> torch.Tensor:
    centers = torch.tensor([[-2.0, -1.0], [2.0, 1.0]])
    return centers[torch.randint(0, 2, (n,), generator=g)] + 0.4 * torch.randn(n, 2, generator=g)


@pytest.mark.parametrize("name", ["realnvp", "glow"])
def test_short_training_improves_nll(name):
    torch.manual_seed(0)
    flow = build_flow(FlowConfig(dim=2, flow_type=name, n_layers=4, hidden=32), seed=0)
    optimizer = torch.optim.Adam(flow.parameters(), lr=5e-3)
    g = torch.Generator().manual_seed(0)
    test = _two_gaussians(2000, torch.Generator().manual_seed(1))
    with torch.no_grad():
        before = -flow.log_prob(test).mean().item()
    for _ in range(200):
        loss = -flow.log_prob(_two_gaussians(256, g)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        after = -flow.log_prob(test).mean().item()
    # Exact entropy of the target is about 1.06 nats; a single Gaussian fit gives ~3.2.
    assert after < before - 1.0 and after < 2.6, (before, after)


def test_cdf_flow_fits_two_modes_better_than_affine():
    g = torch.Generator().manual_seed(0)
    data = torch.cat((torch.randn(1000, 1, generator=g) * 0.4 - 2.0, torch.randn(1000, 1, generator=g) * 0.4 + 2.0))
    nll = {}
    for name in ("cdf", "affine"):
        flow = build_flow(FlowConfig(dim=1, flow_type=name, n_layers=1, components=4), seed=0)
        optimizer = torch.optim.Adam(flow.parameters(), lr=5e-2)
        for _ in range(150):
            loss = -flow.log_prob(data).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        nll[name] = loss.item()
    # True NLL (entropy of the mixture) ~ 1.196 nats; the best single Gaussian
    # (std = sqrt(4 + 0.16) ~ 2.04) gives ~ 2.13.
    assert nll["cdf"] < 1.25 and nll["affine"] > 2.1, nll
