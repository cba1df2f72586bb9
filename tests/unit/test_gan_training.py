"""The GAN training task: config, steps by part, metrics, views, exports, divergence."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from engine import live
from engine.gans.losses import LOSSES
from engine.gans.presets import PRESETS
from engine.gans.task import GanRunConfig, GanTrainingTask, load_generator
from engine.targets import make_target

SMALL = dict(g_layers=2, g_width=16, d_layers=2, d_width=16, batch_size=64)


def small_task(target="ring8", **settings) -> GanTrainingTask:
    return GanTrainingTask(GanRunConfig(target=target, **(SMALL | settings)), make_target(target))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("g_lr", 5.0, "g lr"),
        ("d_steps", 0, "d steps"),
        ("noise_dim", 17, "noise dim"),
        ("g_width", 1, "width"),
        ("d_layers", 9, "hidden layers"),
        ("loss", "magic", "Unknown loss"),
        ("g_optimizer", "lbfgs", "Unknown g optimizer"),
        ("target", "nope", "Unknown target"),
        ("batch_size", 10**6, "batch size"),
    ],
)
def test_config_refuses_bad_settings_with_a_sentence(field, value, words):
    with pytest.raises(ValueError, match="(?i)" + words):
        GanRunConfig(**{field: value})


def test_config_round_trips_through_the_url():
    config = GanRunConfig(target="grid25_narrow", loss="wgan_gp", spectral_norm=True, g_lr=3e-4, d_steps=5, seed=7)
    query = config.to_query()
    assert query["spectral_norm"] == "True" and "g_layers" not in query  # defaults stay out of the link
    assert GanRunConfig.from_query(query) == config
    assert GanRunConfig.from_query({"spectral_norm": "false"}).spectral_norm is False
    with pytest.raises(ValueError, match="spectral_norm"):
        GanRunConfig.from_query({"spectral_norm": "maybe"})
    with pytest.raises(ValueError, match="d_steps"):
        GanRunConfig.from_query({"d_steps": "many"})


def test_live_fields_do_not_rebuild_but_architecture_does():
    config = GanRunConfig()
    assert not GanRunConfig(loss="hinge", g_lr=1e-4, d_steps=3).rebuild_needed(config)
    assert GanRunConfig(g_width=64).rebuild_needed(config)
    assert GanRunConfig(spectral_norm=True).rebuild_needed(config)


def test_steps_are_seeded_and_return_both_losses():
    first, second = small_task(seed=3), small_task(seed=3)
    losses = [first.train_step() for _ in range(5)]
    assert losses == [second.train_step() for _ in range(5)]
    assert all(len(pair) == 2 and all(math.isfinite(v) for v in pair) for pair in losses)
    assert small_task(seed=4).train_step() != losses[0]


@pytest.mark.parametrize(
    ("part", "changes", "keeps"),
    [("discriminator", "discriminator", "generator"), ("generator", "generator", "discriminator")],
)
def test_a_part_step_updates_only_that_network(part, changes, keeps):
    task = small_task()
    before = {
        name: [p.detach().clone() for p in getattr(task, name).parameters()] for name in ("generator", "discriminator")
    }
    d_loss, g_loss = task.train_step(part)
    assert math.isfinite(d_loss) and math.isfinite(g_loss)  # the other network's loss is evaluated, not stepped
    after = {name: list(getattr(task, name).parameters()) for name in before}
    assert any(not torch.equal(a, b) for a, b in zip(after[changes], before[changes], strict=True))
    assert all(torch.equal(a, b) for a, b in zip(after[keeps], before[keeps], strict=True))
    with pytest.raises(ValueError, match="part"):
        task.train_step("both")


@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_loss_trains_a_few_steps(loss):
    task = small_task(loss=loss, r1_gamma=1.0 if loss == "hinge" else 0.0)
    for _ in range(5):
        d_loss, g_loss = task.train_step()
    assert math.isfinite(d_loss) and math.isfinite(g_loss)
    if LOSSES[loss].weight_clip is not None:
        assert all(p.abs().max() <= LOSSES[loss].weight_clip for p in task.discriminator.parameters())


def test_metrics_on_a_mixture_include_modes_and_distances():
    task = small_task("ring8_narrow")
    metrics = task.metrics()
    assert metrics["n_modes"] == 8 and 0 <= metrics["modes_captured"] <= 8
    shares = [metrics[f"mode_share_{k}"] for k in range(8)]
    assert sum(shares) == pytest.approx(metrics["high_quality"])
    assert metrics["w1"] > 0 and 0 <= metrics["js"] <= math.log(2) + 1e-9
    assert "modes_captured" not in small_task("moons").metrics()  # no modes to count


def test_views_2d_and_noise_manifold():
    visuals = small_task().visuals()
    assert visuals.discriminator.shape == (64, 64)
    assert visuals.arrows.shape[1] == 4 and np.isfinite(visuals.arrows).all()
    assert visuals.manifold.shape[-1] == 2  # 2-D noise: grid lines mapped through G
    assert small_task(noise_dim=1).visuals().manifold.shape[0] == 1  # one curve
    assert small_task(noise_dim=3).visuals().manifold is None


def test_views_1d_have_the_optimal_discriminator():
    visuals = small_task("bimodal_1d").visuals()
    p, q = visuals.real_density, visuals.fake_density
    assert np.trapezoid(p, visuals.x) == pytest.approx(1.0, abs=0.01)
    assert np.trapezoid(q, visuals.x) == pytest.approx(1.0, abs=0.05)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(p + q > 0.01 * p.max(), p / (p + q), np.nan)  # a gap where neither has mass
    np.testing.assert_allclose(visuals.optimal, expected, equal_nan=True)
    assert np.isfinite(visuals.optimal).sum() > len(p) // 2
    assert small_task("bimodal_1d", loss="wgan_gp").visuals().optimal is None  # no pointwise optimum


def test_live_settings_change_loss_and_learning_rates():
    task = small_task()
    task.apply_live_settings(GanRunConfig(**SMALL, loss="hinge", g_lr=1e-4, d_lr=2e-4, beta1=0.0))
    task.train_step()
    assert task.loss.key == "hinge"
    assert task.g_optimizer.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert task.d_optimizer.param_groups[0]["betas"] == (0.0, 0.999)


def test_learning_rate_halves_on_schedule_down_to_a_floor():
    task = small_task(lr_half_life=10)
    for _ in range(10):
        task.train_step()
    assert task.g_optimizer.param_groups[0]["lr"] == pytest.approx(GanRunConfig.g_lr * 0.5**0.9 * 1, rel=0.2)
    task.steps_done = 10_000
    assert task.learning_rate_factor() > 0


def test_an_exploding_critic_stops_the_run_with_advice():
    run = live.LiveRun(lambda: small_task(loss="wgan_gp"))
    run.step(3)
    with torch.no_grad():
        for parameter in run.task.discriminator.parameters():
            parameter.mul_(1e3)
    run.step(1)
    snapshot = run.snapshot
    assert snapshot.state == live.DIVERGED and snapshot.step == 0  # rolled back to the start
    assert "exploding critic" in snapshot.message and "spectral normalization" in snapshot.message
    run.stop()


def test_nan_weights_roll_back_with_advice():
    run = live.LiveRun(small_task)
    with torch.no_grad():
        next(run.task.generator.parameters()).fill_(float("nan"))
    run.step(1)
    assert run.snapshot.state == live.DIVERGED and "learning rates" in run.snapshot.message
    run.stop()


def test_generator_download_reloads_strictly():
    task = small_task(noise_dim=3)
    task.train_step()
    generator, config = load_generator(task.generator_safetensors())
    assert config == task.config
    z = torch.randn(10, 3)
    with torch.no_grad():
        assert torch.equal(generator(z), task.generator(z))
    with pytest.raises(ValueError, match="not a generator"):
        load_generator(b"not a safetensors file at all")
    csv = task.sample_csv(n=20).decode().splitlines()
    assert csv[0] == "x,y" and len(csv) == 21


def test_side_by_side_runs_two_configs_on_the_same_data():
    pair = live.SideBySideTask(lambda: small_task(loss="non_saturating"), lambda: small_task(loss="wgan_gp"))
    losses = pair.train_step()
    assert len(losses) == 4 and pair.loss_names[2] == "b/discriminator loss"
    a, b = pair.tasks["a"], pair.tasks["b"]
    assert torch.equal(a.real_pool, b.real_pool) and torch.equal(a.fixed_noise, b.fixed_noise)


def test_presets_are_valid_configs():
    for preset in PRESETS.values():
        config = preset.config()
        assert config.target in ("ring8_narrow", "grid25_narrow", "ring8", "grid25")
        assert preset.explanation.endswith(".")


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_live_settings_then_steps_work_with_every_optimizer(optimizer):
    task = small_task(g_optimizer=optimizer, d_optimizer=optimizer)
    task.train_step()
    task.apply_live_settings(GanRunConfig(**SMALL, g_optimizer=optimizer, d_optimizer=optimizer, g_lr=2e-4, beta1=0.9))
    assert all(math.isfinite(v) for v in task.train_step())


def test_spectral_norm_runs_do_not_depend_on_how_often_they_are_drawn():
    drawn, undrawn = small_task(spectral_norm=True, seed=5), small_task(spectral_norm=True, seed=5)
    for step in range(30):
        drawn.train_step()
        undrawn.train_step()
        if step % 5 == 0:
            drawn.metrics()
            drawn.visuals()
    for a, b in zip(drawn.generator.parameters(), undrawn.generator.parameters(), strict=True):
        assert torch.equal(a, b)


def test_heatmap_is_neutral_where_the_discriminator_cannot_tell():
    from engine.gans import views as gan_views

    for loss, neutral in [("non_saturating", 0.5), ("wgan_gp", 0.0), ("fgan_kl", 1.0), ("fgan_reverse_kl", -1.0)]:
        values = np.array([[neutral, neutral + 0.3], [neutral - 0.3, neutral]])
        colours = gan_views.discriminator_colors(values, loss)
        assert np.all(np.abs(colours[0, 0].astype(int) - 247) <= 3), loss  # PRGn's white
        assert colours[0, 1, 1] > colours[0, 1, 0] and colours[1, 0, 0] > colours[1, 0, 1]  # green above, purple below


def test_a_comparison_link_round_trips_and_defaults_run_b_to_wgan_gp():
    from engine.gans.task import GanLink

    a = GanRunConfig(target="ring8_narrow", g_lr=3e-4, seed=5)
    only_ab = GanLink.from_query({"target": "ring8_narrow", "g_lr": "0.0003", "seed": "5", "ab": "1"})
    assert only_ab.b == dataclasses.replace(a, loss="wgan_gp"), "as the page's toggle does"
    for b in (
        dataclasses.replace(a, loss="wgan_gp"),
        dataclasses.replace(a),
        dataclasses.replace(a, loss="hinge", d_lr=5e-4),
    ):
        link = GanLink(a, b)
        assert GanLink.from_query(link.to_query()) == link
    assert GanLink.from_query(GanLink(a).to_query()) == GanLink(a)
