"""Image GANs: shapes of every kind, the conditional grid's rows, InfoGAN's code matching up to a
permutation, slant and width measured on constructed strokes, the shipped InfoGAN's codes (a digit
code and a slant code, as in Chen et al.'s figure 2), and a few training steps."""

import copy

import numpy as np
import pytest
import torch

from engine.image_gans import explore
from engine.image_gans.models import KINDS, ImageDiscriminator, ImageGenerator


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_makes_digits_in_the_unit_interval_and_its_discriminator_its_heads(kind):
    generator, discriminator = ImageGenerator(kind).eval(), ImageDiscriminator(kind)
    images, labels = explore.sample(generator, 12, seed=3)
    assert images.shape == (12, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert labels.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    torch.testing.assert_close(images, explore.sample(generator, 12, seed=3)[0]), "reproducible from the seed"
    score, head = discriminator(images, labels)
    assert score.shape == (12,) and (head is None) == (kind in ("dcgan", "projection"))
    assert explore.class_grid(generator, 4).shape == (10, 4, 28, 28)
    assert explore.interpolation(generator, 0, 1, steps=5).shape == (5, 28, 28)


def test_a_conditional_generator_uses_its_class_and_the_grid_shares_noise_across_rows():
    generator = ImageGenerator("projection").eval()
    grid = explore.class_grid(generator, 3)
    assert not torch.allclose(grid[0], grid[1]), "the class changes the digit"
    dcgan_grid = explore.class_grid(ImageGenerator("dcgan").eval(), 3)
    torch.testing.assert_close(dcgan_grid[0], dcgan_grid[5]), "an unconditional G ignores the rows"


def test_code_agreement_finds_the_permutation():
    codes = np.repeat(np.arange(10), 20)
    digits = (codes * 3 + 1) % 10  # code k draws digit 3k + 1 mod 10: a permutation
    digits[:10] = 0  # half of code 0's samples misread
    agreement, digit_of = explore.code_agreement(codes, digits)
    assert agreement == pytest.approx(190 / 200) and list(digit_of) == [(3 * k + 1) % 10 for k in range(10)]


def test_slant_and_width_of_constructed_strokes():
    upright, leaning, wide = torch.zeros(28, 28), torch.zeros(28, 28), torch.zeros(28, 28)
    upright[4:24, 14] = 1
    for row in range(4, 24):
        leaning[row, 24 - row // 2] = 1  # the stroke moves right as it goes up
    wide[4:24, 8:20] = 1
    slant, width = explore.slant_and_width(torch.stack([upright, leaning, wide]))
    assert abs(slant[0]) < 1e-9 and slant[1] == pytest.approx(0.5, abs=0.05)
    assert width[0] < 1e-6 and width[2] == pytest.approx(np.sqrt((12**2 - 1) / 12), rel=1e-6)


def test_the_shipped_infogan_found_the_digits_and_a_slant_without_labels():
    from engine.evaluation.table import RealDigits
    from engine.mnist_classifier import classifier_outputs
    from engine.pretrained import load_model

    generator = load_model("gan-infogan", ImageGenerator).eval()
    images, codes = explore.sample(generator, 500)
    digits = classifier_outputs(RealDigits.load().classifier, images)[1].argmax(axis=1)
    agreement, digit_of = explore.code_agreement(codes.numpy(), digits)
    assert agreement > 0.8, f"categorical code = digit for {agreement:.0%} only"  # 16% before its codes had gains
    assert len(set(digit_of)) == 10
    slant_correlations = [abs(slant) for slant, _ in explore.code_effects(generator, seeds=4).values()]
    assert max(slant_correlations) > 0.4, "a continuous code leans the digit"


def test_a_few_training_steps_of_each_kind_run():
    from engine.train.image_gans import train

    for kind in KINDS:
        generator, record = train(kind, steps=2, batch=8, log_every=100)
        assert record["steps"] == 2 and not generator.training


@pytest.mark.parametrize("settings", [{"view": "gallery"}, {"model": "gan-bigbig"}, {"seed": -1}])
def test_bad_view_settings_are_refused(settings):
    with pytest.raises(ValueError):
        explore.ImageGanViewConfig(**settings)


def test_the_live_dcgan_trains_measures_and_restores_exactly():
    from engine.image_gans.task import GRID, LiveDcganConfig, LiveDcganTask

    config = LiveDcganConfig(width=16, batch_size=16)
    task = LiveDcganTask(config)
    losses = [task.train_step() for _ in range(3)]
    assert all(len(pair) == 2 and np.isfinite(pair).all() for pair in losses)
    frame = task.visuals("all")
    assert frame.grid.shape == (GRID, GRID, 28, 28) and task.fid["fid"] > 0 and task.fid["fid_step"] == 3
    assert 0 <= task.metrics()["d_fake"] <= 1
    saved = copy.deepcopy(task.state_dict())  # as the live run keeps it
    after = [task.train_step() for _ in range(2)]
    task.load_state_dict(saved)
    assert [task.train_step() for _ in range(2)] == after, "the same steps again from the saved state"
    task.apply_live_settings(LiveDcganConfig(width=16, batch_size=8, g_learning_rate=5e-4, d_learning_rate=1e-4))
    assert (
        task.config.batch_size == 8
        and task.g_optimizer.param_groups[0]["lr"] == 5e-4
        and task.d_optimizer.param_groups[0]["lr"] == 1e-4
    )
