"""Unit tests for engine.gans.models: shapes, config validation, noise, spectral normalisation."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from engine.gans.models import (
    ACTIVATIONS,
    NOISE_TYPES,
    Discriminator,
    Generator,
    NetworkConfig,
    linear_layers,
    sample_noise,
    top_singular_values,
)


def test_activations_and_noise_types():
    assert set(ACTIVATIONS) == {"relu", "leaky_relu", "tanh", "elu", "silu"}
    assert ACTIVATIONS["leaky_relu"]().negative_slope == pytest.approx(0.2)
    assert NOISE_TYPES == ("gaussian", "uniform")


@pytest.mark.parametrize("hidden_layers", range(7))
def test_generator_and_discriminator_shapes(hidden_layers):
    config = NetworkConfig(hidden_layers=hidden_layers, width=8)
    discriminator = Discriminator(2, config)
    assert len(linear_layers(discriminator)) == hidden_layers + 1
    for noise_dim in range(1, 17):
        generator = Generator(noise_dim, 2, config)
        assert len(linear_layers(generator)) == hidden_layers + 1
        x = generator(torch.randn(5, noise_dim))
        assert x.shape == (5, 2)
        assert discriminator(x).shape == (5,)


def test_discriminator_output_shape_for_one_sample_and_other_dims():
    discriminator = Discriminator(3, NetworkConfig(hidden_layers=1, width=4))
    assert discriminator(torch.randn(1, 3)).shape == (1,)
    assert discriminator(torch.randn(11, 3)).shape == (11,)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("spectral", [False, True])
def test_every_activation_builds_and_runs(activation, spectral):
    config = NetworkConfig(hidden_layers=2, width=16, activation=activation, spectral_norm=spectral)
    generator, discriminator = Generator(2, 2, config), Discriminator(2, config)
    assert any(isinstance(m, type(ACTIVATIONS[activation]())) for m in generator)
    scores = discriminator(generator(torch.randn(10, 2)))
    assert scores.shape == (10,) and torch.all(torch.isfinite(scores))


def test_zero_hidden_layers_is_one_linear_map():
    generator = Generator(3, 2, NetworkConfig(hidden_layers=0))
    assert len(generator) == 1 and isinstance(generator[0], nn.Linear)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"hidden_layers": 9}, "Hidden layers must be between 0 and 6; got 9."),
        ({"hidden_layers": -1}, "between 0 and 6"),
        ({"hidden_layers": 2.5}, "Hidden layers must be a whole number between 0 and 6; got 2.5."),
        ({"width": 1}, "Layer width must be between 2 and 512; got 1."),
        ({"width": 1000}, "between 2 and 512"),
        ({"activation": "sigmoid"}, "Unknown activation 'sigmoid'; choose one of: relu, leaky_relu, tanh, elu, silu."),
        ({"spectral_norm": "yes"}, "Spectral normalisation"),
    ],
)
def test_config_validation(kwargs, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)) as info:
        NetworkConfig(**kwargs)
    message = str(info.value)
    assert fragment in message
    assert message[0].isupper() and message.endswith(".")


def test_network_dims_are_validated():
    with pytest.raises(ValueError, match="Noise dimension must be between 1 and 16"):
        Generator(17, 2, NetworkConfig())
    with pytest.raises(ValueError, match="Data dimension"):
        Discriminator(0, NetworkConfig())


@pytest.mark.parametrize("dim", [1, 2, 16])
def test_sample_noise_shapes_and_ranges(dim):
    uniform = sample_noise(20000, dim, "uniform", torch.Generator().manual_seed(0))
    assert uniform.shape == (20000, dim) and uniform.dtype == torch.float32
    assert float(uniform.min()) >= -1.0 and float(uniform.max()) <= 1.0
    assert float(uniform.min()) < -0.99 and float(uniform.max()) > 0.99
    assert float(uniform.mean()) == pytest.approx(0.0, abs=0.02)
    gaussian = sample_noise(20000, dim, "gaussian", torch.Generator().manual_seed(0))
    assert gaussian.shape == (20000, dim) and gaussian.dtype == torch.float32
    assert float(gaussian.mean()) == pytest.approx(0.0, abs=0.03)
    assert float(gaussian.std()) == pytest.approx(1.0, abs=0.03)


def test_sample_noise_is_deterministic_with_a_seeded_generator():
    for kind in NOISE_TYPES:
        a = sample_noise(50, 3, kind, torch.Generator().manual_seed(7))
        b = sample_noise(50, 3, kind, torch.Generator().manual_seed(7))
        c = sample_noise(50, 3, kind, torch.Generator().manual_seed(8))
        assert torch.equal(a, b) and not torch.equal(a, c)
    assert sample_noise(0, 2, "gaussian").shape == (0, 2)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((10, 2, "laplace"), "Unknown noise type 'laplace'; choose one of: gaussian, uniform"),
        ((10, 0, "gaussian"), "between 1 and 16"),
        ((10, 17, "uniform"), "between 1 and 16"),
        ((-1, 2, "gaussian"), "at least 0"),
    ],
)
def test_sample_noise_rejects_bad_arguments(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        sample_noise(*args)


def scale_weights(module, factor):
    with torch.no_grad():
        for layer in linear_layers(module):
            if hasattr(layer, "parametrizations"):
                layer.parametrizations.weight.original.mul_(factor)
            else:
                layer.weight.mul_(factor)


def test_spectral_norm_brings_every_layer_to_unit_norm():
    torch.manual_seed(0)
    discriminator = Discriminator(2, NetworkConfig(hidden_layers=3, width=32, spectral_norm=True))
    scale_weights(discriminator, 10.0)
    discriminator.train()
    x = torch.randn(64, 2)
    for _ in range(5):
        discriminator(x)
    values = top_singular_values(discriminator)
    assert len(values) == 4
    assert values == pytest.approx([1.0] * 4, rel=0.05)


def test_without_spectral_norm_large_weights_have_large_singular_values():
    torch.manual_seed(0)
    discriminator = Discriminator(2, NetworkConfig(hidden_layers=3, width=32))
    scale_weights(discriminator, 10.0)
    assert all(value > 1.0 for value in top_singular_values(discriminator))


def test_top_singular_values_match_svd_and_have_no_side_effect():
    torch.manual_seed(1)
    plain = Generator(2, 2, NetworkConfig(hidden_layers=2, width=16))
    expected = [float(torch.linalg.svdvals(layer.weight.detach())[0]) for layer in linear_layers(plain)]
    assert top_singular_values(plain) == pytest.approx(expected, rel=1e-5)

    spectral = Discriminator(2, NetworkConfig(hidden_layers=2, width=16, spectral_norm=True))
    spectral.train()
    buffers = [layer.parametrizations.weight[0]._u.clone() for layer in linear_layers(spectral)]
    first = top_singular_values(spectral)
    second = top_singular_values(spectral)
    assert first == second
    for layer, before in zip(linear_layers(spectral), buffers):
        assert torch.equal(layer.parametrizations.weight[0]._u, before)
        assert layer.parametrizations.weight[0].training  # mode restored
