"""What the Autoregressive page computes: the fast samplers against the models' own logits, the
sampling record and its replay, completion, the surprise map, receptive fields by autograd, and
the live tasks (digits and RNADE)."""

import copy

import numpy as np
import pytest
import torch

from engine.autoregressive import explore
from engine.autoregressive.models import MADE, MODELS, PixelCNN
from engine.autoregressive.task import (
    AutoregressiveRunConfig,
    AutoregressiveTrainingTask,
    RnadeRunConfig,
    RnadeTrainingTask,
)
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.targets import make_target
from tests.unit.test_autoregressive import all_images, tiny


@pytest.mark.parametrize("name", list(MODELS))
def test_each_sampler_draws_with_the_probabilities_the_logits_give(name):
    """NADE's running sum, PixelCNN's row band and the transformer's key-value cache must give
    what one full pass over the finished image gives (side 12: the band is narrower than the image)."""
    model = tiny(name, side=12)
    x = torch.zeros(5, model.pixels)
    drawn = {pixel: probability for _, pixel, probability in model.sample_steps(x, torch.Generator().manual_seed(1))}
    assert sorted(drawn) == list(range(model.pixels))
    full = torch.sigmoid(model.logits(x))
    for pixel, probability in drawn.items():
        torch.testing.assert_close(probability, full[:, pixel], atol=1e-5, rtol=1e-4)


def test_pixelcnn_band_is_really_narrower_than_the_image():
    model = tiny("pixelcnn", side=12)
    assert model.first.kernel_size[0] // 2 + len(model.body) < 12


def test_sampling_is_recorded_in_order_and_replays_any_step():
    model = tiny("made", side=6)
    frames = []
    record = explore.record_sampling(model, 3, seed=4, ordering=2, every=5, on_frame=frames.append)
    assert sorted(record.place.tolist()) == list(range(36)) and record.seconds > 0
    assert [frame.steps for frame in frames] == [5, 10, 15, 20, 25, 30, 35]
    order = model.order(2).numpy()
    assert (record.place[order] == np.arange(36)).all(), "pixels are drawn in the model's order"
    halfway = explore.sampling_state(record, 18)
    assert halfway.steps == 18 and not halfway.images[:, record.place >= 18].any()
    again = explore.record_sampling(model, 3, seed=4, ordering=2)
    assert np.array_equal(again.images, record.images), "(model, n, seed, ordering) reproduces the digits"


def test_completion_keeps_the_top_rows_and_samples_the_rest():
    model = MODELS["fvsbn"]()
    with torch.no_grad():
        model.bias.fill_(3.0)  # every free pixel almost surely 1
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[3:10, 12] = 1
    completed = explore.complete(model, digit, samples=3, seed=0)
    assert (completed[:, : explore.KNOWN_ROWS] == digit[: explore.KNOWN_ROWS]).all()
    assert completed[:, explore.KNOWN_ROWS :].mean() > 0.9


@pytest.mark.parametrize("name", ["fvsbn", "nade", "pixelcnn", "transformer"])
def test_the_surprise_map_sums_to_the_negative_log_likelihood(name):
    model = tiny(name, side=28)
    digit = (torch.rand(28, 28, generator=torch.Generator().manual_seed(0)) < 0.2).float().numpy()
    surprise = explore.surprise_map(model, digit)
    assert surprise.shape == (28, 28) and (surprise >= 0).all()
    with torch.no_grad():
        nll = -float(model.log_prob(torch.as_tensor(digit)[None]))
    assert surprise.sum() == pytest.approx(nll, rel=1e-4)


@pytest.mark.parametrize("name", list(MODELS))
def test_receptive_fields_lie_within_the_earlier_pixels(name):
    model = tiny(name, side=28)
    orderings = getattr(model, "orderings", 1)
    for ordering in range(orderings):
        pixel = 300
        seen = explore.dependency_map(model, pixel, ordering)
        earlier = explore.earlier_pixels(model, pixel, ordering)
        assert not (seen & ~earlier).any()
        assert seen.any() or isinstance(model, MADE)  # a narrow MADE may leave a pixel with no path at all
        if name in ("fvsbn", "nade", "transformer"):
            assert (seen == earlier).all()
        if isinstance(model, MADE):
            assert (seen.reshape(-1) <= model.connectivity(ordering)[pixel].numpy().astype(bool)).all()
        if isinstance(model, PixelCNN):  # the blind spot: earlier pixels up and to the right are missed
            assert (earlier & ~seen).any()


def test_made_masks_multiply_to_a_strictly_lower_triangular_connectivity():
    masks = explore.made_masks(MADE(side=5, hidden=(30,)))
    assert [m.shape for m in masks] == [(30, 25), (25, 30), (25, 25)]
    assert not np.triu(masks[-1]).any() and np.tril(masks[-1], -1).any()


def test_the_live_digits_task_learns_and_restores_exactly():
    config = AutoregressiveRunConfig(model="made", hidden=64, learning_rate=3e-3)
    task = AutoregressiveTrainingTask(config)
    start = task.metrics()["held_out_nll"]
    for _ in range(30):
        task.train_step()
    assert task.metrics()["held_out_nll"] < start - 150  # 543 nats (p = 1/2) at first
    frame = task.visuals()
    assert frame.samples.shape == (8, 28, 28) and frame.samples.dtype == np.uint8 and 0 <= frame.conditionals.min()
    saved = copy.deepcopy(task.state_dict())
    losses = [task.train_step() for _ in range(3)]
    restored = AutoregressiveTrainingTask(config)
    restored.load_state_dict(saved)
    assert [restored.train_step() for _ in range(3)] == losses


def test_rnade_is_scored_on_the_flows_held_out_samples_and_learns():
    target = make_target("ring8")
    rnade = RnadeTrainingTask(RnadeRunConfig(seed=3), target)
    flow = FlowTrainingTask(FlowRunConfig(target="ring8", seed=3), target)
    assert torch.equal(rnade.held_out, flow.held_out) and torch.equal(rnade.held_out_log_p, flow.held_out_log_p)
    assert rnade.metrics()["entropy"] == flow.metrics()["entropy"]
    start = rnade.metrics()["kl"]
    for _ in range(500):
        rnade.train_step()
    assert rnade.metrics()["kl"] < min(start / 2, 0.2)  # 2.0 at first
    frame = rnade.visuals()
    assert frame.model_density.shape == frame.target_density.shape and frame.samples.shape[1] == 2


@pytest.mark.parametrize(
    "settings", [{"model": "pixelcnn"}, {"hidden": 7}, {"learning_rate": 5.0}, {"model": "nade", "hidden": 256}]
)
def test_live_settings_are_checked(settings):
    with pytest.raises(ValueError):
        AutoregressiveRunConfig(**settings)


def test_rnade_refuses_a_1d_target():
    with pytest.raises(ValueError, match="2-D"):
        RnadeRunConfig(target="bimodal_1d")


def test_the_made_mixture_over_orderings_is_a_normalised_density():
    model = tiny("made", side=3)
    x = all_images(9)
    with torch.no_grad():
        mixture = model.mixture_log_prob(x)
        each = torch.stack([model.log_prob(x, k) for k in range(model.orderings)]).exp().mean(dim=0)
    assert float(mixture.exp().sum()) == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(mixture.exp(), each)


def test_the_order_agnostic_made_is_scored_by_its_first_ordering_and_by_its_mixture():
    scored = [(name, mixture) for name, _, mixture in explore.scored_models()]
    assert ("ar-made-8-orderings", False) in scored and ("ar-made-8-orderings", True) in scored
    assert ("ar-made", True) not in scored
