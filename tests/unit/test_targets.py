"""Tests for engine.targets: densities integrate to 1, samples match, uploads fail politely."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest
import torch

from engine.targets import (
    REGISTRY,
    TARGETS,
    GaussianMixture,
    PointCloudTarget,
    Target,
    check_drawn_points,
    make_target,
    parse_points_csv,
    points_from_strokes,
    target_keys,
)

GAN_TARGETS = ["ring8_narrow", "grid25_narrow", "ganlab_line", "ganlab_gaussians", "ganlab_ring", "ganlab_disjoint"]
EXACT = [
    "ring8",
    "grid25",
    "two_gaussians",
    "circles",
    "rings",
    "checkerboard",
    "bimodal_1d",
    "skewed_1d",
    *GAN_TARGETS,
]
SAMPLE_ONLY = ["moons", "pinwheel", "spirals", "swissroll"]
# GAN Lab's tall hill reaches below its unit square: P(outside) = (Phi(-2) + Phi(-3)) / 2 = 1.2%.
MIN_INSIDE = {"ganlab_gaussians": 0.985}


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _integrate(target: Target, cells: int) -> float:
    """Midpoint rule of exp(log_prob) over the target's extent."""
    boxes = (target.extent,) if target.dim == 1 else target.extent
    axes, volume = [], 1.0
    for lo, hi in boxes:
        edges = torch.linspace(lo, hi, cells + 1, dtype=torch.float64)
        axes.append((edges[:-1] + edges[1:]) / 2)
        volume *= (hi - lo) / cells
    grid = torch.stack(torch.meshgrid(*axes, indexing="ij"), -1).reshape(-1, target.dim)
    return float(target.log_prob(grid).exp().sum() * volume)


def _inside(target: Target, x: torch.Tensor) -> torch.Tensor:
    boxes = (target.extent,) if target.dim == 1 else target.extent
    ok = torch.ones(len(x), dtype=torch.bool)
    for d, (lo, hi) in enumerate(boxes):
        ok &= (x[:, d] >= lo) & (x[:, d] <= hi)
    return ok


# ---------------------------------------------------------------- registry


def test_registry_keys_and_dims():
    assert set(REGISTRY) == set(EXACT + SAMPLE_ONLY)
    assert TARGETS is REGISTRY
    assert target_keys(dim=1) == ["bimodal_1d", "skewed_1d"]
    assert set(target_keys(dim=2)) == set(REGISTRY) - {"bimodal_1d", "skewed_1d"}
    assert target_keys() == list(REGISTRY)
    for key in REGISTRY:
        target = make_target(key)
        assert target.key == key and target.label and target.density_note
        assert target.dim == (1 if key.endswith("_1d") else 2)
        assert target.has_exact_density == (key in EXACT)
        if target.dim == 2:
            (x0, x1), (y0, y1) = target.extent
            assert x0 < x1 and y0 < y1
        else:
            assert target.extent[0] < target.extent[1]


def test_make_target_unknown_key():
    with pytest.raises(ValueError, match="Unknown target 'nope'; choose one of: ring8"):
        make_target("nope")
    with pytest.raises(ValueError, match="Unknown target"):
        make_target(3)
    with pytest.raises(ValueError, match="1D or 2D"):
        target_keys(dim=3)


# ---------------------------------------------------------------- densities


@pytest.mark.parametrize("key", [k for k in EXACT if k not in ("checkerboard", *GAN_TARGETS)])
def test_exact_density_integrates_to_one(key):
    target = make_target(key)
    cells = 4000 if target.dim == 1 else 500
    assert _integrate(target, cells) == pytest.approx(1.0, abs=0.01)


def test_checkerboard_density_is_exact():
    target = make_target("checkerboard")
    # 180 cells over [-4.5, 4.5]: width 0.05, cell centres never on a square's edge.
    assert _integrate(target, 180) == pytest.approx(1.0, abs=1e-9)
    lp = target.log_prob(torch.tensor([[-3.0, -3.0], [-1.0, -3.0], [1.0, 1.0], [5.0, 0.0], [-3.0, 3.5], [3.9, -0.5]]))
    assert lp[0].item() == pytest.approx(-math.log(32))
    assert lp[1].item() == -math.inf and lp[3].item() == -math.inf
    assert lp[2].item() == pytest.approx(-math.log(32))
    assert lp[4].item() == -math.inf and lp[5].item() == pytest.approx(-math.log(32))
    x = target.sample(20_000, _gen())
    assert torch.isfinite(target.log_prob(x)).all()  # every sample on a black square


def test_ring8_spec_and_log_prob_formula():
    target = make_target("ring8")
    assert isinstance(target, GaussianMixture)
    radius = target.means.norm(dim=1)
    assert torch.allclose(radius, torch.full((8,), 2.0, dtype=torch.float64))
    assert torch.allclose(target.covariances, 0.04 * torch.eye(2, dtype=torch.float64).expand(8, 2, 2))
    # at a mode, neighbours contribute ~nothing: p = 1/8 * 1/(2 pi 0.04)
    lp = target.log_prob(torch.tensor([[2.0, 0.0]], dtype=torch.float64))
    assert lp.item() == pytest.approx(math.log(1 / 8 / (2 * math.pi * 0.04)), abs=1e-6)


def test_two_gaussians_have_different_orientations():
    cov = make_target("two_gaussians").covariances
    assert cov[0, 0, 1] > 0.05 and cov[1, 0, 1] < -0.05


def test_rings_density_matches_numerical_angle_integral():
    target = make_target("circles")
    x = torch.tensor([[0.3, 1.1], [2.4, -0.5], [0.0, 0.0], [3.0, 3.0]], dtype=torch.float64)
    theta = torch.linspace(0, 2 * math.pi, 4001, dtype=torch.float64)[:-1]
    s2 = target.noise_std**2
    ref = torch.zeros(len(x), dtype=torch.float64)
    for r, w in zip(target.radii, target.weights, strict=True):
        centre = r * torch.stack([torch.cos(theta), torch.sin(theta)], 1)
        d2 = ((x[:, None] - centre[None]) ** 2).sum(-1)
        ref += w * (torch.exp(-d2 / (2 * s2)) / (2 * math.pi * s2)).mean(1)
    assert torch.allclose(target.log_prob(x).exp(), ref, rtol=1e-6, atol=1e-30)


def test_log_prob_is_differentiable_and_keeps_dtype():
    for key in ("ring8", "circles", "skewed_1d"):
        target = make_target(key)
        x = target.sample(16, _gen()).requires_grad_()
        lp = target.log_prob(x)
        assert lp.shape == (16,) and lp.dtype == torch.float32
        lp.sum().backward()
        assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    lp64 = make_target("ring8").log_prob(torch.zeros(3, 2, dtype=torch.float64))
    assert lp64.dtype == torch.float64


def test_log_prob_shape_checks():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        make_target("ring8").log_prob(torch.zeros(4, 3))
    one_d = make_target("bimodal_1d")
    assert torch.allclose(one_d.log_prob(torch.zeros(5)), one_d.log_prob(torch.zeros(5, 1)))
    assert make_target("ring8").log_prob(torch.zeros(0, 2)).shape == (0,)


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize("key", list(REGISTRY))
def test_sampling_shape_determinism_and_extent(key):
    target = make_target(key)
    a = target.sample(20_000, _gen(3))
    b = target.sample(20_000, _gen(3))
    c = target.sample(20_000, _gen(4))
    assert a.shape == (20_000, target.dim) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.isfinite(a).all()
    assert _inside(target, a).float().mean() >= MIN_INSIDE.get(key, 0.99)
    assert target.sample(0).shape == (0, target.dim)


@pytest.mark.parametrize(
    "key",
    [
        "ring8",
        "grid25",
        "two_gaussians",
        "bimodal_1d",
        "ring8_narrow",
        "grid25_narrow",
        "ganlab_gaussians",
        "ganlab_disjoint",
    ],
)
def test_mixture_sample_moments_match_analytic(key):
    target = make_target(key)
    x = target.sample(100_000, _gen(1)).double()
    assert torch.allclose(x.mean(0), target.mean, atol=0.03)
    assert torch.allclose(torch.cov(x.T).reshape(target.dim, target.dim), target.covariance, atol=0.05, rtol=0.03)


def test_skew_normal_moments_and_histogram():
    target = make_target("skewed_1d")
    x = target.sample(200_000, _gen(2)).double()[:, 0]
    assert x.mean().item() == pytest.approx(target.mean.item(), abs=0.02)
    assert x.var().item() == pytest.approx(target.variance, rel=0.03)
    edges = torch.linspace(-2.0, 5.0, 29, dtype=torch.float64)
    hist = torch.histc(x, bins=28, min=-2.0, max=5.0) / (len(x) * 0.25)
    mids = (edges[:-1] + edges[1:]) / 2
    assert torch.allclose(hist, target.log_prob(mids[:, None]).exp(), atol=0.02)


def test_ring_histogram_matches_log_prob():
    target = make_target("rings")
    x = target.sample(200_000, _gen(5)).double()
    radius = x.norm(dim=1)
    for r in (0.75, 1.5, 2.25, 3.0):
        near = ((radius - r).abs() < 0.25).float().mean().item()
        assert near == pytest.approx(r / 7.5, abs=0.01)


@pytest.mark.parametrize("key", SAMPLE_ONLY)
def test_sample_only_targets_have_no_log_prob(key):
    target = make_target(key)
    assert not target.has_exact_density
    assert "No closed-form density" in target.density_note
    with pytest.raises(NotImplementedError):
        target.log_prob(torch.zeros(3, 2))


def test_bad_sample_counts():
    for n in (-1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="number of samples"):
            make_target("moons").sample(n)


# ---------------------------------------------------------------- GAN targets


def _integrate_box(target: Target, box, cells: int) -> float:
    """Midpoint rule of exp(log_prob) over a 2-D box ((x0, x1), (y0, y1))."""
    axes, area = [], 1.0
    for lo, hi in box:
        h = (hi - lo) / cells
        axes.append(lo + h * (torch.arange(cells, dtype=torch.float64) + 0.5))
        area *= h
    grid = torch.stack(torch.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    return float(target.log_prob(grid).exp().sum() * area)


def _cell_probabilities(target: Target, bins: int, sub: int) -> torch.Tensor:
    """Exact probability of each cell of a bins x bins grid over the extent (midpoint rule)."""
    (x0, x1), (y0, y1) = target.extent
    hx, hy = (x1 - x0) / (bins * sub), (y1 - y0) / (bins * sub)
    ax = x0 + hx * (torch.arange(bins * sub, dtype=torch.float64) + 0.5)
    ay = y0 + hy * (torch.arange(bins * sub, dtype=torch.float64) + 0.5)
    grid = torch.stack(torch.meshgrid(ax, ay, indexing="ij"), -1).reshape(-1, 2)
    dens = target.log_prob(grid).exp().reshape(bins, sub, bins, sub)
    return dens.sum((1, 3)) * hx * hy


def test_gan_targets_display_order():
    keys = list(REGISTRY)
    assert keys[:4] == ["ring8", "grid25", "ring8_narrow", "grid25_narrow"]
    gan_lab = ["ganlab_line", "ganlab_gaussians", "ganlab_ring", "ganlab_disjoint"]
    assert keys[-6:] == [*gan_lab, "bimodal_1d", "skewed_1d"]
    assert keys.index("swissroll") == keys.index("ganlab_line") - 1
    for key in GAN_TARGETS:
        half = 5.5 if key == "grid25_narrow" else 3.0  # the literature's grid spans [-4, 4]
        assert make_target(key).extent == ((-half, half), (-half, half))
    assert make_target("ganlab_line").label == "Line (GAN Lab)"
    assert make_target("ring8_narrow").label == "Ring of 8, narrow (std 0.02)"


@pytest.mark.parametrize("key", GAN_TARGETS)
def test_gan_target_densities_integrate_to_one(key):
    target = make_target(key)
    # the extent widened by 1 (the tall GAN Lab hill reaches y = -0.6 - 5 * 1.2 = -6.6)
    box = {"ganlab_gaussians": ((-4.0, 4.0), (-8.0, 4.0)), "grid25_narrow": ((-6.0, 6.0), (-6.0, 6.0))}.get(
        key, ((-4.0, 4.0), (-4.0, 4.0))
    )
    cells = 200 if key == "ganlab_ring" else 400  # cell width <= the narrowest std (0.02)
    assert _integrate_box(target, box, cells) == pytest.approx(1.0, abs=1e-4)


def test_gan_lab_coordinates():
    line, ring = make_target("ganlab_line"), make_target("ganlab_ring")
    # x = 6 u - 3: GAN Lab's (0.8, 0.6) -> (1.8, 0.6), (0.05, 0.9) -> (-2.7, 2.4), std 0.01 -> 0.06
    assert torch.allclose(line.start, torch.tensor([1.8, 0.6], dtype=torch.float64))
    assert torch.allclose(line.end, torch.tensor([-2.7, 2.4], dtype=torch.float64))
    assert line.noise_std == pytest.approx(0.06)
    assert torch.allclose(ring.centre, torch.tensor([0.0, -0.3], dtype=torch.float64))
    assert torch.allclose(ring.semi_axes, torch.tensor([1.8, 1.5], dtype=torch.float64))
    assert ring.noise_std == pytest.approx(0.15)
    hills = make_target("ganlab_gaussians")
    assert torch.allclose(hills.means, torch.tensor([[-1.2, 1.2], [1.2, -0.6]], dtype=torch.float64))
    assert torch.allclose(
        hills.covariances, torch.tensor([[[0.36, 0.0], [0.0, 0.36]], [[0.09, 0.0], [0.0, 1.44]]], dtype=torch.float64)
    )
    assert torch.allclose(
        make_target("ganlab_disjoint").means, torch.tensor([[-0.9, 1.5], [1.5, 0.6], [-0.3, -0.9]], dtype=torch.float64)
    )


def test_gan_lab_line_density_matches_integral_along_segment():
    target = make_target("ganlab_line")
    x = torch.tensor(
        [[0.0, 1.5], [1.8, 0.6], [1.9, 0.55], [-2.7, 2.4], [-2.8, 2.5], [0.0, 0.0], [2.5, 0.2], [-3.0, 3.0]],
        dtype=torch.float64,
    )
    t = torch.linspace(0, 1, 100_001, dtype=torch.float64)
    on_line = target.start + t[:, None] * (target.end - target.start)
    s2 = target.noise_std**2
    d2 = ((x[:, None] - on_line[None]) ** 2).sum(-1)
    ref = torch.trapezoid(torch.exp(-d2 / (2 * s2)) / (2 * math.pi * s2), t, dim=1)
    assert torch.allclose(target.log_prob(x), ref.log(), atol=1e-4)  # trapezoid error ~1e-5
    far = target.log_prob(torch.tensor([[100.0, 100.0], [-50.0, 3.0], [1.8, -40.0]]))
    assert torch.isfinite(far).all()  # both CDF tails stay finite in log space


def test_gan_lab_ring_quadrature_is_converged():
    from engine.targets import BlurredEllipse

    target = make_target("ganlab_ring")
    fine = BlurredEllipse(
        target.centre.numpy(),
        target.semi_axes.numpy(),
        target.noise_std,
        key="fine",
        label="fine",
        extent=target.extent,
        n_nodes=4096,
    )
    ax = torch.linspace(-4.0, 4.0, 41, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(ax, ax, indexing="ij"), -1).reshape(-1, 2)
    assert (target.log_prob(grid) - fine.log_prob(grid)).abs().max().item() < 1e-10
    assert "quadrature" in target.density_note
    assert torch.isfinite(target.log_prob(torch.tensor([[100.0, -100.0]]))).all()


@pytest.mark.parametrize("key", ["ganlab_line", "ganlab_ring"])
def test_gan_lab_histogram_matches_log_prob(key):
    target = make_target(key)
    x = target.sample(200_000, _gen(11)).double().numpy()
    (x0, x1), (y0, y1) = target.extent
    hist, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=30, range=[[x0, x1], [y0, y1]])
    hist = torch.tensor(hist) / len(x)
    exact = _cell_probabilities(target, 30, 6)
    assert exact.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert 0.5 * (hist - exact).abs().sum().item() < 0.02  # total variation
    assert (hist - exact).abs().max().item() < 0.002


def test_gan_lab_log_prob_is_differentiable():
    for key in ("ganlab_line", "ganlab_ring"):
        target = make_target(key)
        x = target.sample(64, _gen()).requires_grad_()
        lp = target.log_prob(x)
        assert lp.dtype == torch.float32 and lp.shape == (64,)
        lp.sum().backward()
        assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_modes_and_mode_std():
    ring = make_target("ring8_narrow")
    assert isinstance(ring.modes, np.ndarray) and ring.modes.dtype == np.float64
    assert ring.modes.shape == (8, 2) and ring.mode_std == pytest.approx(0.02)
    assert np.allclose(np.linalg.norm(ring.modes, axis=1), 2.0)
    grid = make_target("grid25_narrow")
    assert grid.modes.shape == (25, 2) and grid.mode_std == pytest.approx(0.05)
    assert {tuple(m) for m in grid.modes} == {(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)}
    assert make_target("ring8").mode_std == pytest.approx(0.2)
    assert make_target("grid25").mode_std == pytest.approx(0.1)
    assert np.allclose(make_target("ring8").modes, ring.modes)
    disjoint = make_target("ganlab_disjoint")
    assert disjoint.modes.shape == (3, 2) and disjoint.mode_std == pytest.approx(0.15)
    for key in (
        "two_gaussians",
        "ganlab_gaussians",
        "ganlab_line",
        "ganlab_ring",
        "moons",
        "circles",
        "checkerboard",
        "bimodal_1d",
        "skewed_1d",
    ):
        target = make_target(key)
        assert target.modes is None and target.mode_std is None, key
    assert PointCloudTarget(np.random.default_rng(0).normal(size=(30, 2))).modes is None
    # the modes are a copy: changing them leaves the target alone
    ring.modes[0] = 99.0
    assert ring.means[0, 0].item() == pytest.approx(2.0)


# ---------------------------------------------------------------- point clouds


def test_point_cloud_integrates_and_samples():
    pts = make_target("moons").sample(2_000, _gen(7)).numpy().astype(np.float64)
    target = PointCloudTarget(pts)
    assert target.has_exact_density and target.dim == 2
    (x0, x1), (y0, y1) = target.extent
    assert x1 - x0 == pytest.approx(y1 - y0)  # square box
    assert _integrate(target, 300) == pytest.approx(1.0, abs=0.01)
    s = target.sample(5_000, _gen(1))
    assert s.dtype == torch.float32 and torch.equal(s, target.sample(5_000, _gen(1)))
    assert _inside(target, s).float().mean() >= 0.99
    # Scott's rule h = n^(-1/6) * mean std
    assert target.bandwidth == pytest.approx(2000 ** (-1 / 6) * pts.std(0, ddof=1).mean())


def test_point_cloud_matches_direct_formula_and_1d():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(50, 2))
    target = PointCloudTarget(pts, bandwidth=0.3)
    q = torch.tensor(rng.normal(size=(7, 2)))
    d2 = ((q[:, None] - torch.tensor(pts)[None]) ** 2).sum(-1)
    ref = torch.log(torch.exp(-d2 / (2 * 0.09)).mean(1) / (2 * math.pi * 0.09))
    assert torch.allclose(target.log_prob(q), ref, atol=1e-5)
    one_d = PointCloudTarget(rng.normal(size=200))
    assert one_d.dim == 1 and len(one_d.extent) == 2
    assert _integrate(one_d, 2000) == pytest.approx(1.0, abs=0.01)


def test_point_cloud_large_is_subsampled():
    pts = np.random.default_rng(1).normal(size=(100_000, 2))
    target = PointCloudTarget(pts)
    assert target.subsampled and len(target.centres) == 5_000
    assert "subset of 5,000" in target.density_note
    assert torch.equal(target.centres, PointCloudTarget(pts).centres)  # deterministic subset
    q = torch.randn(20_000, 2, generator=_gen())
    lp = target.log_prob(q)  # 20,000 x 5,000 kernels: its speed is the benchmark's business, not a test's
    assert lp.shape == (20_000,) and torch.isfinite(lp).all()


def test_point_cloud_bad_inputs():
    with pytest.raises(ValueError, match="no points"):
        PointCloudTarget(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="shape"):
        PointCloudTarget(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="missing or infinite"):
        PointCloudTarget(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match="positive"):
        PointCloudTarget(np.zeros((5, 2)), bandwidth=0.0)
    # identical points still give a proper density, via the minimum width
    assert PointCloudTarget(np.ones((5, 2))).bandwidth >= 1e-3


# ---------------------------------------------------------------- CSV upload


def _csv(rows, header="x,y"):
    lines = ([header] if header is not None else []) + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


GOOD_ROWS = [(i * 0.5, (i % 3) - 1.0) for i in range(12)]


def test_csv_with_header_and_headerless():
    pts = parse_points_csv(_csv(GOOD_ROWS))
    assert pts.shape == (12, 2) and pts.dtype == np.float64
    assert np.allclose(pts, np.array(GOOD_ROWS))
    assert np.allclose(parse_points_csv(_csv(GOOD_ROWS, header=None)), pts)
    # case, whitespace, extra columns, reordered columns, BOM, semicolons
    text = " Y , X ,label\n" + "".join(f" {y} , {x} ,a\n" for x, y in GOOD_ROWS)
    assert np.allclose(parse_points_csv(("\ufeff" + text).encode()), pts)
    assert np.allclose(parse_points_csv(_csv(GOOD_ROWS).replace(b",", b";")), pts)


def test_csv_one_dimensional():
    data = b"x\n" + b"".join(f"{i * 0.1}\n".encode() for i in range(15))
    pts = parse_points_csv(data)
    assert pts.shape == (15, 1)


@pytest.mark.parametrize(
    "data, word",
    [
        (_csv(GOOD_ROWS, header="a,b,c"), "columns named x and y (found: a, b, c)"),
        (_csv([(1, 2, 3)] * 12, header=None), "exactly two numeric columns"),
        (_csv(GOOD_ROWS[:5] + [(1, "abc")] + GOOD_ROWS[5:]), "Row 6, column y holds 'abc'"),
        (_csv(GOOD_ROWS[:16] + [("nan", 1)] + GOOD_ROWS), "Row 13 has a missing or infinite"),
        (_csv(GOOD_ROWS + [(2, "inf")]), "Row 13 has a missing or infinite"),
        (_csv(GOOD_ROWS + [(2, "")]), "missing or infinite"),
        (_csv([(1, 2)]), "at least 10 points; this file has 1"),
        (_csv([]), "at least 10 points; this file has 0"),
        (_csv([(1, 2)] * 20), "identical"),
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"x,y\n\x00\x01\x02\n", "not a readable CSV"),
        (b"x,y\n\xff\xfe1,2\n", "not a readable CSV"),
        (_csv(GOOD_ROWS + [(1, 2, 3)]), "Line 14 has 3 values"),
        (_csv(GOOD_ROWS + [(1e9, 2)]), "between -1,000,000 and 1,000,000"),
        (b"hello world", "columns named x and y"),
    ],
)
def test_csv_bad_inputs(data, word):
    with pytest.raises(ValueError) as info:
        parse_points_csv(data)
    assert word in str(info.value)


@pytest.fixture
def full_parses(monkeypatch):
    """The calls that reached the CSV parser (pandas): an oversized file must be refused before."""
    calls, read_csv = [], pd.read_csv

    def recording(*args, **kwargs):
        calls.append(args)
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", recording)
    return calls


def test_csv_too_many_rows_rejected_fast(full_parses):
    data = b"x,y\n" + b"1,2\n" * 2_000_000
    with pytest.raises(ValueError, match="2,000,000 rows; the limit is 100,000"):
        parse_points_csv(data)
    assert not full_parses, "the rows were counted by parsing the whole file"
    parse_points_csv(_csv(GOOD_ROWS))
    assert len(full_parses) == 1  # the recorder sees the parser when it is reached


def test_csv_too_many_bytes_and_random_bytes(full_parses):
    with pytest.raises(ValueError, match="MB; the limit is 0.001 MB"):
        parse_points_csv(_csv(GOOD_ROWS * 20), max_bytes=1_000)
    junk = random.Random(0).randbytes(5_000_000)
    with pytest.raises(ValueError, match="not a readable CSV"):
        parse_points_csv(junk)
    assert not full_parses, "5 MB of random bytes went through the CSV parser before being refused"


def test_csv_never_raises_anything_but_value_error():
    rng = random.Random(1)
    samples = [rng.randbytes(rng.randint(0, 300)) for _ in range(200)]
    alphabet = b"xy,;\t\n\r 0123456789.-+eEnaif\"'"
    samples += [bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 400))) for _ in range(300)]
    samples += [
        b"x,y\n" + b"1,2\n" * 5 + b"3,4,5,6\n" * 10,
        b'x,y\n"1,2\n' * 12,
        b"x\r" * 30,
        b"x,y\n" + b"1e400,2\n" * 11,
        b"x,x,y\n" + b"1,2,3\n" * 11,
        "é,ü\n1,2".encode(),
    ]
    for data in samples:
        try:
            out = parse_points_csv(data)
        except ValueError as error:
            assert str(error).endswith(".") and "\n" not in str(error)
        else:
            assert out.ndim == 2 and np.isfinite(out).all()


# ---------------------------------------------------------------- drawing


def test_points_from_strokes_flips_y_and_resamples():
    extent = ((-4.0, 4.0), (-2.0, 2.0))
    pts = points_from_strokes([[(0, 0)], [(400, 200)]], (400, 200), extent)
    assert np.allclose(pts, [[-4.0, 2.0], [4.0, -2.0]])  # top-left -> (xmin, ymax)
    line = points_from_strokes([[(0, 100), (100, 100), (100, 100), (200, 100)]], (400, 200), extent, spacing_px=10.0)
    assert len(line) == 21
    assert np.allclose(np.diff(line[:, 0]), 0.2) and np.allclose(line[:, 1], 0.0)
    assert points_from_strokes([], (400, 200), extent).shape == (0, 2)
    with pytest.raises(ValueError, match="positive width"):
        points_from_strokes([[(1, 1)]], (0, 200), extent)


def test_check_drawn_points():
    with pytest.raises(ValueError, match="Draw a little more: 12 points so far; at least 20 are needed."):
        check_drawn_points(np.random.default_rng(0).normal(size=(12, 2)))
    with pytest.raises(ValueError, match="0 points so far"):
        check_drawn_points(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="same place"):
        check_drawn_points(np.ones((30, 2)))
    pts = np.random.default_rng(0).normal(size=(25, 2))
    assert check_drawn_points(pts).shape == (25, 2)
