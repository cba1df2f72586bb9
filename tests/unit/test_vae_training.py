"""The live VAE task: config, URL round trip, learning, reproducibility, live knobs, rollback, views."""

import copy
import dataclasses
import functools
import io
import math

import numpy as np
import pytest
import torch
from PIL import Image

from engine import live
from engine.live.process import ProcessLiveRun
from engine.vae.task import (
    GRID_SIZE,
    LATENT_DIM,
    VaeRunConfig,
    VaeTrainingTask,
)
from engine.vae.views import grid_image, latent_figure, latent_image, loss_image, scatter_half_extent


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One intra-op thread, as the live trainer uses (GP_TORCH_THREADS): on a busy machine two
    threads of these small matrix products wait on each other and run several times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(one_torch_thread):
    """A default task before and after 300 steps (7.5 epochs)."""
    task = VaeTrainingTask(VaeRunConfig())
    before = task.metrics()
    losses = [task.train_step() for _ in range(300)]
    return task, before, losses


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("hidden", 8, "Hidden must be between 16 and 1024"),
        ("hidden_layers", 4, "Hidden layers must be between 1 and 3"),
        ("beta", -0.5, "Beta must be between 0 and 10"),
        ("beta", math.nan, "Beta must be between"),
        ("learning_rate", 1.0, "Learning rate must be between"),
        ("batch_size", 5000, "Batch size must be between 16 and 1000"),
        ("kl_warmup_epochs", 51, "Kl warmup epochs must be between 0 and 50"),
        ("seed", -1, "Seed must be between"),
        ("max_steps", 0, "Max steps must be between"),
    ],
)
def test_config_refuses_bad_settings_with_a_sentence(field, value, words):
    with pytest.raises(ValueError, match=words):
        VaeRunConfig(**{field: value})


def test_the_latent_is_always_2d_and_not_a_setting():
    assert "latent_dim" not in {f.name for f in dataclasses.fields(VaeRunConfig)}
    assert VaeTrainingTask(VaeRunConfig(hidden=32)).model.latent_dim == LATENT_DIM == 2


def test_url_round_trip_and_bad_values():
    config = VaeRunConfig(hidden=128, hidden_layers=2, beta=4.0, learning_rate=3e-3, batch_size=32, seed=9)
    query = config.to_query()
    assert set(query) == {"hidden", "hidden_layers", "beta", "learning_rate", "batch_size", "seed"}
    assert VaeRunConfig.from_query(query) == config
    assert VaeRunConfig.from_query({"view": "live"}) == VaeRunConfig()  # unknown keys are ignored
    assert VaeRunConfig.from_query({"beta": "0"}).beta == 0.0
    with pytest.raises(ValueError, match="batch_size"):
        VaeRunConfig.from_query({"batch_size": "lots"})
    with pytest.raises(ValueError, match="Beta must be between"):
        VaeRunConfig.from_query({"beta": "20"})


def test_live_fields_do_not_rebuild_but_the_architecture_and_seed_do():
    base = VaeRunConfig()
    assert not VaeRunConfig(beta=4.0, learning_rate=1e-2, batch_size=32, kl_warmup_epochs=0).rebuild_needed(base)
    assert VaeRunConfig(hidden=128).rebuild_needed(base)
    assert VaeRunConfig(hidden_layers=2).rebuild_needed(base)
    assert VaeRunConfig(seed=1).rebuild_needed(base)


def test_the_task_runs_in_the_child_process_the_page_uses():
    run = ProcessLiveRun(functools.partial(VaeTrainingTask, VaeRunConfig(seed=3)))
    try:
        run.step()
        assert run.snapshot.step == 1 and run.snapshot.state != live.DIVERGED
    finally:
        run.stop()
    assert not run.is_alive


def test_training_lowers_the_held_out_negative_elbo(trained):
    task, before, losses = trained
    after = task.metrics()
    # Untrained: about 784 log 2 = 543 nats per digit. A few epochs get well below 200.
    assert -before["elbo"] > 500
    assert -after["elbo"] < 200 and before["elbo"] - after["elbo"] < -300
    assert after["elbo"] == pytest.approx(after["reconstruction"] - after["kl"], abs=1e-3)
    assert 1.0 < after["kl"] < 15.0, "both latent units carry information, not collapsed onto the prior"
    assert after["knn_accuracy"] > 0.3, "the 2-D encodings already group digits (chance: 0.1)"
    assert after["epochs"] == pytest.approx(300 * 100 / 4000)
    first, last = np.mean(losses[:20], axis=0), np.mean(losses[-20:], axis=0)
    assert last[0] < first[0] - 150  # the batches' negative ELBO
    assert all(n_elbo == pytest.approx(rec + kl, rel=1e-6) for n_elbo, rec, kl in losses)


def test_same_config_and_seed_same_run_whatever_the_page_reads():
    config = VaeRunConfig(hidden=32, batch_size=100, seed=4)
    quiet, watched = VaeTrainingTask(config), VaeTrainingTask(config)
    quiet_losses = [quiet.train_step() for _ in range(45)]  # crosses an epoch (40 batches)
    watched_losses = []
    for step in range(45):
        watched_losses.append(watched.train_step())
        if step % 5 == 0:
            watched.metrics(), watched.visuals("fast")  # must not draw from the training RNG
    assert quiet_losses == watched_losses
    assert VaeTrainingTask(dataclasses.replace(config, seed=5)).train_step() != quiet_losses[0]


def test_epochs_visit_every_digit_once_in_a_fresh_order():
    task = VaeTrainingTask(VaeRunConfig(hidden=32, batch_size=300))
    first_order = task.batches.order.clone()
    seen = torch.cat([task.batches.next(300) for _ in range(14)])  # 13 batches of 300, then the last 100
    assert len(seen) == 4000 and len(seen.unique()) == 4000
    assert task.epochs_done == 1.0
    assert len(task.batches.next(300)) == 300 and not torch.equal(task.batches.order, first_order)


def test_kl_weight_warms_up_linearly_to_beta():
    task = VaeTrainingTask(VaeRunConfig(hidden=32, beta=2.0, kl_warmup_epochs=2))
    assert task.kl_weight() == 0.0
    task.batches.seen = 4000  # one epoch of two
    assert task.kl_weight() == pytest.approx(1.0)
    task.batches.seen = 12_000
    assert task.kl_weight() == pytest.approx(2.0)
    assert VaeTrainingTask(VaeRunConfig(hidden=32, beta=0.5, kl_warmup_epochs=0)).kl_weight() == 0.5


def test_live_settings_apply_without_rebuilding():
    task = VaeTrainingTask(VaeRunConfig(hidden=32))
    model = task.model
    task.train_step()
    task.apply_live_settings(VaeRunConfig(hidden=32, beta=3.0, learning_rate=3e-3, batch_size=50, kl_warmup_epochs=0))
    seen = task.batches.seen
    task.train_step()
    assert task.model is model and task.steps_done == 2
    assert task.batches.seen - seen == 50
    assert task.optimizer.param_groups[0]["lr"] == pytest.approx(3e-3)
    assert task.kl_weight() == pytest.approx(3.0)
    assert task.metrics()["learning_rate"] == pytest.approx(3e-3)


def test_state_dict_restores_the_run_exactly():
    task = VaeTrainingTask(VaeRunConfig(hidden=32, batch_size=300))
    for _ in range(12):
        task.train_step()
    state = copy.deepcopy(task.state_dict())  # as LiveRun keeps its checkpoints
    ahead = [task.train_step() for _ in range(5)]  # crosses the epoch boundary
    task.load_state_dict(state)
    assert [task.train_step() for _ in range(5)] == ahead


def test_a_nan_rolls_back_to_the_last_checkpoint_and_pauses_with_advice():
    run = live.LiveRun(lambda: VaeTrainingTask(VaeRunConfig(hidden=32)), checkpoint_every_steps=10)
    try:
        run.step(15)
        run.apply(lambda task: task.model.decoder[0].weight.data.fill_(math.nan))
        run.step(1)
        snapshot = run.snapshot
        assert snapshot.state == live.DIVERGED and snapshot.step == 10
        assert "negative ELBO became nan" in snapshot.message and "lower learning rate" in snapshot.message
        assert run.apply(lambda task: all(torch.isfinite(p).all() for p in task.model.parameters()))
        assert run.apply(lambda task: task.steps_done) == 10
        run.step(2)
        assert run.snapshot.step == 12  # training goes on from the checkpoint
        assert run.snapshot.loss_names == VaeTrainingTask.loss_names
    finally:
        run.stop()


def test_visuals_have_the_right_shapes(trained):
    task, _, _ = trained
    visuals = task.visuals("all")
    assert visuals.means.shape == (1000, 2) and np.isfinite(visuals.means).all()
    assert visuals.labels.shape == (1000,) and set(visuals.labels) == set(range(10))
    assert visuals.grid.shape == (28 * GRID_SIZE, 28 * GRID_SIZE) and visuals.grid.dtype == np.uint8
    assert visuals.grid.max() > 200, "a trained decoder draws strokes"
    assert visuals.grid_z.shape == (GRID_SIZE**2, 2)
    assert visuals.means.std(axis=0).min() > 0.3, "the test digits spread over both latent axes"


def test_views_render(trained):
    task, _, _ = trained
    visuals = task.visuals("all")
    width, height = png_size(latent_image(visuals))
    assert width > height > 300
    assert png_size(grid_image(visuals)) == (28 * GRID_SIZE, 28 * GRID_SIZE)
    assert len(latent_figure(visuals).data) == 10  # one trace per digit: the legend
    assert scatter_half_extent(np.zeros((5, 2))) == 4.0
    assert scatter_half_extent(np.full((5, 2), 7.5)) == 9.0

    run = live.LiveRun(lambda: VaeTrainingTask(VaeRunConfig(hidden=32)))
    try:
        assert loss_image(run.snapshot) is None
        run.step(5)
        width, height = png_size(loss_image(run.snapshot))
        assert width > 3 * height
    finally:
        run.stop()
