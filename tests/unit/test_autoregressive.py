"""The autoregressive models: the autoregressive property (by flipping inputs, and by autograd where
the input is continuous), normalisation over every image of a tiny grid, sampling frequencies
against p(x), MADE's orderings, PixelCNN's blind spot."""

import itertools

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from engine.autoregressive.models import FVSBN, MADE, MODELS, NADE, PixelCNN, PixelTransformer
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE, load_shipped


def tiny(name: str, side: int = 3, seed: int = 0):
    torch.manual_seed(seed)
    options = {
        "nade": {"hidden": 8},
        "made": {"hidden": (16, 16), "orderings": 3},
        "pixelcnn": {"channels": 8, "layers": 2},
        "transformer": {"width": 16, "layers": 1, "heads": 2},
    }.get(name, {})
    model = MODELS[name](side=side, **options)
    with torch.no_grad():  # random, not zero, weights: every allowed dependency is really there
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.5)
    return model.eval()


def all_images(pixels: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=pixels)))


def dependencies_by_flipping(model, x: torch.Tensor, ordering: int = 0) -> np.ndarray:
    """(D, D): 1 where flipping input j changes output i's logit."""
    with torch.no_grad():
        base = model.logits(x, ordering)
        found = np.zeros((x.shape[1], x.shape[1]))
        for j in range(x.shape[1]):
            flipped = x.clone()
            flipped[:, j] = 1 - flipped[:, j]
            found[:, j] = (model.logits(flipped, ordering) - base).abs().amax(dim=0).numpy() > 1e-6
    return found


@pytest.mark.parametrize("name", list(MODELS))
def test_no_output_depends_on_its_own_or_a_later_pixel(name):
    model = tiny(name)
    x = all_images(model.pixels)
    for ordering in range(getattr(model, "orderings", 1)):
        place = torch.empty(model.pixels, dtype=torch.long)
        place[model.order(ordering)] = torch.arange(model.pixels)
        allowed = (place[:, None] > place[None, :]).numpy()  # output i may see input j iff j comes first
        found = dependencies_by_flipping(model, x, ordering)
        assert not (found * ~allowed).any(), f"{name}, ordering {ordering}: an output sees itself or a later pixel"
        if name in ("fvsbn", "nade", "transformer"):  # every earlier pixel is seen (MADE: through its masks,
            assert (found == allowed).all(), f"{name}: an earlier pixel is not seen"  # PixelCNN: its blind spot)
        if name == "made":
            assert (found <= model.connectivity(ordering).numpy()).all(), "MADE sees only what its masks let through"


@pytest.mark.parametrize("name", ["fvsbn", "nade", "made", "pixelcnn"])
def test_the_jacobian_is_strictly_triangular_in_the_order(name):
    """The same property by autograd, for the models whose input enters as a real number."""
    model = tiny(name)
    x = torch.rand(1, model.pixels)
    jacobian = torch.autograd.functional.jacobian(lambda v: model.logits(v)[0], x)[:, 0, :]
    assert torch.all(jacobian.triu() == 0), "d logit_i / d x_j = 0 for j >= i (raster order)"


@pytest.mark.parametrize("name", list(MODELS))
def test_probabilities_of_every_image_sum_to_one(name):
    model = tiny(name)
    for ordering in range(getattr(model, "orderings", 1)):
        total = model.log_prob(all_images(model.pixels), ordering).exp().sum().item()
        assert total == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", list(MODELS))
def test_sampling_frequencies_match_p(name):
    model = tiny(name, side=2, seed=1)
    images = all_images(4)
    p = model.log_prob(images).exp().detach().numpy()
    samples = model.sample(20_000, torch.Generator().manual_seed(0)).reshape(-1, 4)
    index = (samples * torch.tensor([8.0, 4.0, 2.0, 1.0])).sum(dim=1).long()
    counts = np.bincount(index.numpy(), minlength=16)
    expected = p * counts.sum()
    rare = expected < 5  # the chi-square test needs ~5 expected per cell: pool the rare images
    observed, wanted = counts[~rare], expected[~rare]
    if rare.any():
        observed, wanted = np.r_[observed, counts[rare].sum()], np.r_[wanted, expected[rare].sum()]
    assert chisquare(observed, wanted * observed.sum() / wanted.sum()).pvalue > 1e-3


def test_completion_keeps_the_given_pixels():
    model = tiny("pixelcnn", side=4)
    given = torch.ones(5, 16)
    known = torch.arange(16) < 8  # the top half
    completed = model.sample(5, torch.Generator().manual_seed(0), given=given, known=known).reshape(5, 16)
    assert torch.equal(completed[:, :8], given[:, :8]) and set(completed[:, 8:].unique().tolist()) <= {0.0, 1.0}


def test_pixelcnn_has_a_blind_spot():
    """Stacked masked convolutions see a cone above the pixel; earlier pixels up and to the right
    beyond it are never seen (van den Oord et al., 2016, the gated PixelCNN's motivation)."""
    model = tiny("pixelcnn", side=10)
    found = dependencies_by_flipping(model, torch.rand(64, 100, generator=torch.Generator().manual_seed(0)).round())
    pixel = 5 * 10 + 2  # row 5, column 2
    seen = found[pixel].reshape(10, 10)
    assert seen[4, 2] and seen[5, 1], "the pixel above and the one to the left are seen"
    assert not seen[0, 9], "a pixel far up and to the right is earlier in raster order but never seen"
    assert not seen[5:].reshape(-1)[2:].any(), "nothing from the pixel itself on"


def test_made_orderings_differ_and_a_wide_made_sees_every_earlier_pixel():
    model = MADE(side=3, hidden=(200,), orderings=3)
    assert len({tuple(model.order(k).tolist()) for k in range(3)}) == 3
    for ordering in range(3):
        place = torch.empty(9, dtype=torch.long)
        place[model.order(ordering)] = torch.arange(9)
        assert torch.equal(model.connectivity(ordering), (place[:, None] > place[None, :]).float())
    model = tiny("made")
    with pytest.raises(ValueError, match="3 ordering"):
        model.logits(torch.zeros(1, 9), ordering=3)


def test_models_round_trip_through_the_hub_mixin(tmp_path):
    from engine.pretrained import load_model

    for name, cls in MODELS.items():
        model = tiny(name)
        model.save_pretrained(tmp_path / name)
        loaded = load_model(name, cls, directory=tmp_path)
        x = all_images(9)[:20]
        assert torch.allclose(loaded.log_prob(x), model.log_prob(x), atol=1e-6), name


def test_imports_are_used():
    assert {FVSBN, NADE, MADE, PixelCNN, PixelTransformer} == set(MODELS.values())


@pytest.mark.parametrize("name", list(SHIPPED_AUTOREGRESSIVE))
def test_every_shipped_model_loads_offline_and_strictly(name, monkeypatch):
    from engine.pretrained import load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    shipped = SHIPPED_AUTOREGRESSIVE[name]
    model = load_model(name, MODELS[shipped.model])
    assert model.side == 28 and not model.training
    digits = torch.zeros(2, 784)
    assert torch.isfinite(model.log_prob(digits)).all()


@pytest.mark.parametrize("name", list(SHIPPED_AUTOREGRESSIVE))
def test_every_card_holds_the_held_out_likelihood_the_shipped_model_has(name):
    """The page's likelihood table reads these figures from the cards instead of measuring them."""
    from engine.mnist import binarize, load_mnist
    from engine.pretrained import model_card_figures
    from engine.train.autoregressive import held_out_figures

    model = load_shipped(name)
    measured = held_out_figures(model, binarize(load_mnist().test_images).reshape(-1, 784))
    card = model_card_figures(name)
    assert {key: card[key] for key in measured} == pytest.approx(measured, abs=0.011)
    assert ("mixture_held_out_nll_nats" in measured) == (SHIPPED_AUTOREGRESSIVE[name].orderings > 1)


def test_rnade_density_integrates_to_one_and_sampling_follows_it():
    from engine.autoregressive.rnade import RNADE2D

    torch.manual_seed(0)
    model = RNADE2D(components=5, hidden=16)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.3)
    axis = torch.linspace(-12, 12, 801)
    grid = torch.cartesian_prod(axis, axis)
    with torch.no_grad():
        density = model.log_prob(grid).exp()
    cell = (axis[1] - axis[0]) ** 2
    assert float(density.sum() * cell) == pytest.approx(1.0, abs=2e-3)
    samples = model.sample(20_000, torch.Generator().manual_seed(0))
    mean = (density[:, None] * grid).sum(dim=0) * cell
    assert torch.allclose(samples.mean(dim=0), mean, atol=0.05), "sampling follows the density it computes"


def test_rnade_learns_the_ring_of_eight():
    from engine.autoregressive.rnade import RNADE2D
    from engine.targets import make_target

    target, generator = make_target("ring8"), torch.Generator().manual_seed(0)
    held_out = target.sample(2000, generator)
    torch.manual_seed(0)
    model = RNADE2D()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    before = model.log_prob(held_out).mean().item()
    for _ in range(400):
        loss = -model.log_prob(target.sample(256, generator)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = model.log_prob(held_out).mean().item()
    exact = target.log_prob(held_out).mean().item()
    assert after > before + 1.0 and after > exact - 0.6, (before, after, exact)
