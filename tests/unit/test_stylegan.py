"""The style-based generator, its coloured-digit data, the measures of mixing, and the shipped model."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.mnist import load_mnist
from engine.mnist_classifier import MnistClassifier
from engine.pretrained import load_model
from engine.stylegan import evaluate
from engine.stylegan.data import ColorFactors, color_digits, render, stroke_and_background
from engine.stylegan.models import Discriminator, Generator, modulated_conv2d, z_from_seed
from engine.train.stylegan import train

SHIPPED = "stylegan-color-digits"


@pytest.fixture(scope="module")
def generator() -> Generator:
    torch.manual_seed(0)
    return Generator(channels=(16, 16, 8, 8)).eval()


@pytest.fixture(scope="module")
def shipped() -> Generator:
    return load_model(SHIPPED, Generator)


@pytest.fixture(scope="module")
def classifier() -> MnistClassifier:
    return load_model("mnist-classifier", MnistClassifier)


def digits(n: int) -> torch.Tensor:
    return torch.as_tensor(load_mnist().train_images[:n])


def test_coloured_digits_are_reproducible_in_range_and_painted_as_drawn():
    first, factors = color_digits(digits(16), torch.Generator().manual_seed(3))
    second, _ = color_digits(digits(16), torch.Generator().manual_seed(3))
    assert first.shape == (16, 3, 32, 32) and torch.equal(first, second)
    assert first.min() >= -1 and first.max() <= 1
    stroke, background = stroke_and_background(first)
    assert (background - factors.background).abs().max() < 0.02 and (stroke - factors.stroke).abs().mean() < 0.08


def test_the_identity_transform_paints_the_padded_digit():
    one = digits(1)
    red_on_black = ColorFactors(
        torch.ones(1), torch.zeros(1), torch.zeros(1, 2), torch.tensor([[1.0, 0.0, 0.0]]), torch.zeros(1, 3)
    )
    image = render(one, red_on_black)
    np.testing.assert_allclose(((image[0, 0] + 1) / 2).numpy(), F.pad(one, (2, 2, 2, 2))[0].numpy(), atol=1e-5)
    assert torch.all(image[0, 1:] == -1)  # no green, no blue


def test_modulated_convolution_equals_per_sample_modulated_weights():
    x, weight, styles = torch.randn(3, 5, 6, 6), torch.randn(4, 5, 3, 3), torch.randn(3, 5)
    expected = []
    for i in range(3):
        w = weight * styles[i][None, :, None, None]
        w = w / w.square().sum(dim=(1, 2, 3), keepdim=True).sqrt()  # demodulated: unit norm per output channel
        expected.append(F.conv2d(x[i : i + 1], w, padding=1))
    torch.testing.assert_close(modulated_conv2d(x, weight, styles), torch.cat(expected), atol=1e-5, rtol=1e-4)


def test_shapes_and_determinism_for_a_seed(generator):
    z = z_from_seed(7, generator.z_dim)
    assert torch.equal(z, z_from_seed(7, generator.z_dim)) and not torch.equal(z, z_from_seed(8, generator.z_dim))
    ws = generator.map(z)
    assert ws.shape == (1, generator.num_ws, generator.w_dim) == (1, 7, 64)
    with torch.no_grad():
        image = generator.synthesize(ws)
        assert image.shape == (1, 3, 32, 32) and torch.equal(image, generator.synthesize(generator.map(z)))
        assert Discriminator(channels=(8, 8, 8, 8))(image.expand(4, -1, -1, -1)).shape == (4,)


def test_psi_zero_gives_the_average_w_image_for_every_seed(generator):
    generator.w_avg.copy_(torch.randn(generator.w_dim))
    with torch.no_grad():
        images = generator(torch.cat([z_from_seed(s, generator.z_dim) for s in range(5)]), psi=0.0)
        average = generator.synthesize(generator.w_avg.expand(1, generator.num_ws, -1).clone())
    torch.testing.assert_close(images, average.expand_as(images))
    cut = generator.map(z_from_seed(1, generator.z_dim), psi=0.0, cutoff=3)
    assert torch.equal(cut[0, :3], generator.w_avg.expand(3, -1)) and torch.equal(
        cut[0, 3:], generator.map(z_from_seed(1, 64))[0, 3:]
    )


def test_mixing_no_layers_is_a_and_all_layers_is_b(generator):
    ws_a, ws_b = generator.map(z_from_seed(1, 64)), generator.map(z_from_seed(2, 64))
    with torch.no_grad():
        a, b = generator.synthesize(ws_a), generator.synthesize(ws_b)
        assert torch.equal(generator.synthesize(Generator.mix_styles(ws_a, ws_b, [])), a)
        assert torch.equal(generator.synthesize(Generator.mix_styles(ws_a, ws_b, range(generator.num_ws))), b)
        assert not torch.equal(generator.synthesize(Generator.mix_styles(ws_a, ws_b, [0])), a)


def test_noise_modes(generator):
    for layer in generator.layers:
        layer.noise_strength.data.fill_(0.5)
    ws = generator.map(z_from_seed(3, 64))
    with torch.no_grad():
        none = generator.synthesize(ws, "none")
        assert torch.equal(none, generator.synthesize(ws, "none"))
        assert torch.equal(generator.synthesize(ws, "const"), generator.synthesize(ws, "const"))
        one = generator.synthesize(ws, "random", generator=torch.Generator().manual_seed(0))
        two = generator.synthesize(ws, "random", generator=torch.Generator().manual_seed(1))
        assert not torch.equal(one, two) and not torch.equal(one, none)
        assert torch.equal(generator.synthesize(ws, "random", noise_layers=[]), none)
    for layer in generator.layers:
        layer.noise_strength.data.zero_()
    with pytest.raises(ValueError, match="noise_mode"):
        generator.synthesize(ws, "loud")
    with pytest.raises(ValueError, match="ws must have shape"):
        generator.synthesize(ws[:, :3])


def test_a_few_training_steps_run_and_record_themselves():
    model, record = train(minutes=1.0, kimg=0.064, batch=8, log_every=1)
    assert record["steps"] == 8 and len(record["log"]) == 8 and all(np.isfinite(e["d_loss"]) for e in record["log"])
    assert model.w_avg.abs().sum() > 0  # w_avg tracked


def test_the_classifier_reads_coloured_digits(classifier):
    split = load_mnist()
    images, _ = color_digits(torch.as_tensor(split.test_images[:300]), torch.Generator().manual_seed(0))
    accuracy = (evaluate.digits_of(classifier, images) == torch.as_tensor(split.test_labels[:300])).float().mean()
    assert accuracy > 0.9


def test_the_shipped_generator_loads_offline_strict_and_mixes_styles(shipped, classifier, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = load_model(SHIPPED, Generator)
    assert model.num_ws == 7 and not model.training and model.w_avg.abs().sum() > 0
    scores = evaluate.mixing_scores(shipped, classifier, list(range(6)), list(range(100, 106)))
    assert scores.coarse_takes_b_digit >= 0.8 and scores.fine_keeps_a_digit >= 0.8 and scores.fine_colour_to_b >= 0.8
