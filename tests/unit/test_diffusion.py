"""Diffusion and flow matching: the forward process against simulation, the losses on hand values,
the exact divergence against autograd's Jacobian and Hutchinson's estimate, the ODE
log-likelihood of fields known in closed form (a Gaussian target) against its exact density, and
every sampler with those fields."""

import copy
import io
import math

import numpy as np
import pytest
import torch
from PIL import Image

from engine.diffusion import samplers, views
from engine.diffusion.likelihood import (
    divergence,
    flow_matching_log_likelihood,
    hutchinson_divergence,
    ode_log_likelihood,
    probability_flow,
)
from engine.diffusion.losses import ddpm_loss, flow_matching_loss
from engine.diffusion.models import DenoisingMLP
from engine.diffusion.schedules import SCHEDULES, NoiseSchedule
from engine.diffusion.task import FIELD_GRID, NOISE_LEVELS, DiffusionRunConfig, DiffusionTrainingTask
from engine.flows.task import FlowRunConfig, FlowTrainingTask
from engine.targets import make_target

MU, S = torch.tensor([1.0, -0.5]), 0.5  # the Gaussian target N(MU, S^2 I)


def gaussian_log_density(x, mean, variance):
    return -(x - mean).pow(2).sum(dim=1) / (2 * variance) - torch.log(torch.as_tensor(variance)) - math.log(2 * math.pi)


def exact_velocity(x, t):
    """The flow-matching field that carries N(0, I) to N(MU, S^2 I) along x_t = (1 - t) x_0 + t x_1:
    E[x_1 - x_0 | x_t = x] = MU + (t S^2 - (1 - t)) / sigma_t^2 (x - t MU), sigma_t^2 = (1 - t)^2 + t^2 S^2."""
    t = t[:, None]
    return MU + (t * S**2 - (1 - t)) / ((1 - t) ** 2 + t**2 * S**2) * (x - t * MU)


def exact_eps(schedule):
    """eps(x, t) = -sigma(t) grad log p_t(x) for the target's VP marginals p_t = N(sqrt(abar) MU, abar S^2 + 1 - abar)."""

    def eps(x, t):
        abar = schedule.alpha_bar(t)[:, None]
        return schedule.sigma(t)[:, None] * (x - abar.sqrt() * MU) / (abar * S**2 + 1 - abar)

    return eps


def marginal(schedule, t: float):
    abar = schedule.alpha_bar(torch.tensor(t))
    return abar.sqrt() * MU, abar * S**2 + 1 - abar


@pytest.mark.parametrize("kind", SCHEDULES)
def test_the_closed_form_marginal_matches_the_simulated_chain(kind):
    schedule, steps = NoiseSchedule(kind), 1000
    times = torch.linspace(0, 1, steps + 1)
    abar = schedule.alpha_bar(times)
    betas = 1 - abar[1:] / abar[:-1]
    x0 = torch.tensor([1.5, -2.0])
    x = x0.expand(20_000, 2).clone()
    generator = torch.Generator().manual_seed(0)
    for k in range(steps):
        x = (1 - betas[k]).sqrt() * x + betas[k].sqrt() * torch.randn(x.shape, generator=generator)
        if k + 1 in (100, 500, 1000):
            expected_mean, expected_std = abar[k + 1].sqrt() * x0, (1 - abar[k + 1]).sqrt()
            torch.testing.assert_close(x.mean(dim=0), expected_mean, atol=0.03, rtol=0)
            torch.testing.assert_close(x.std(dim=0), expected_std.expand(2), atol=0.02, rtol=0)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_beta_is_minus_the_derivative_of_log_alpha_bar(kind):
    schedule, t, h = NoiseSchedule(kind), torch.tensor([0.05, 0.3, 0.6, 0.9]), 1e-3
    numeric = -(schedule.log_alpha_bar(t + h).double() - schedule.log_alpha_bar(t - h).double()) / (2 * h)
    torch.testing.assert_close(schedule.beta(t).double(), numeric, rtol=2e-3, atol=0)
    assert schedule.alpha_bar(torch.tensor(1.0)) < 1e-4 and schedule.alpha_bar(torch.tensor(0.0)) == pytest.approx(1.0)


def test_the_losses_on_hand_values():
    schedule = NoiseSchedule("linear")
    x0, t, noise = (
        torch.tensor([[1.0, 2.0], [0.0, -1.0]]),
        torch.tensor([0.5, 0.5]),
        torch.tensor([[0.5, 0.0], [1.0, 1.0]]),
    )
    constant = lambda x, t, label=None: torch.tensor([[0.5, 0.5]]).expand(len(x), 2)  # noqa: E731
    assert float(ddpm_loss(constant, schedule, x0, t=t, noise=noise)) == pytest.approx((0.25 + 0.5) / 2)
    x1, start = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    zero = lambda x, t, label=None: torch.zeros_like(x)  # noqa: E731
    assert float(flow_matching_loss(zero, x1, x0=start, t=torch.tensor([0.3]))) == pytest.approx(4.0 + 1.0)
    straight = lambda x, t, label=None: torch.tensor([[2.0, -1.0]])  # noqa: E731  the exact x_1 - x_0
    assert float(flow_matching_loss(straight, x1, x0=start)) == 0.0


def test_the_exact_divergence_is_the_jacobian_trace_and_hutchinson_agrees_on_average():
    torch.manual_seed(0)
    model = DenoisingMLP(hidden=32)
    x, t = torch.randn(6, 2), torch.full((6,), 0.4)
    _, trace = divergence(model, x, t)
    for i in range(6):
        jacobian = torch.autograd.functional.jacobian(lambda point: model(point[None], t[:1])[0], x[i])
        assert float(trace[i]) == pytest.approx(float(jacobian.trace()), abs=1e-5)
    estimate = hutchinson_divergence(model, x, t, probes=4000, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(estimate, trace, atol=0.05 * float(trace.abs().max()) + 0.01, rtol=0)


def test_flow_matching_ode_likelihood_of_the_exact_field_is_the_exact_density():
    x = torch.randn(300, 2, generator=torch.Generator().manual_seed(0)) * S + MU
    log_q, evaluations = flow_matching_log_likelihood(exact_velocity, x)
    torch.testing.assert_close(log_q, gaussian_log_density(x, MU, S**2), atol=1e-3, rtol=0)
    assert evaluations < 200


@pytest.mark.parametrize(("kind", "tolerance", "error"), [("linear", 1e-5, 1e-3), ("cosine", 1e-6, 2e-3)])
def test_the_probability_flow_likelihood_of_the_exact_score_is_the_exact_density(kind, tolerance, error):
    schedule = NoiseSchedule(kind)
    x = torch.randn(300, 2, generator=torch.Generator().manual_seed(0)) * S + MU
    t_min = 1e-3
    prior_mean, prior_variance = marginal(schedule, 1.0)
    log_q, _ = ode_log_likelihood(
        probability_flow(exact_eps(schedule), schedule),
        x,
        t_min,
        1.0,
        lambda z: gaussian_log_density(z, prior_mean, prior_variance),
        rtol=tolerance,
        atol=tolerance,
    )
    torch.testing.assert_close(log_q, gaussian_log_density(x, *marginal(schedule, t_min)), atol=error, rtol=0)


@pytest.mark.parametrize(
    ("sampler", "steps"), [("ddpm", 200), ("ddim", 50), ("langevin", 100), ("euler", 100), ("heun", 20)]
)
def test_every_sampler_with_the_exact_field_reaches_the_target_and_reproduces(sampler, steps):
    schedule = NoiseSchedule("linear")
    field = exact_velocity if sampler in samplers.FLOW_SAMPLERS else exact_eps(schedule)
    draw = lambda: samplers.sample(sampler, field, schedule, 4000, steps, torch.Generator().manual_seed(3))  # noqa: E731
    x = draw()
    torch.testing.assert_close(x.mean(dim=0), MU, atol=0.05, rtol=0)
    too_wide = (
        0.1 if sampler == "langevin" else 0.05
    )  # Langevin's chains stop mixing at small noise (see its docstring)
    torch.testing.assert_close(x.std(dim=0), torch.full((2,), S), atol=too_wide, rtol=0)
    assert torch.equal(x, draw()), "(config, seed) reproduces the samples"


def test_paths_run_from_noise_to_data():
    path = samplers.sample("heun", exact_velocity, None, 500, 10, torch.Generator().manual_seed(0), keep_path=True)
    assert path.shape == (11, 500, 2)
    assert float(path[0].std()) == pytest.approx(1.0, abs=0.1) and float(path[-1].std(dim=0).mean()) == pytest.approx(
        S, abs=0.05
    )


def test_classifier_free_guidance_combines_the_conditional_and_unconditional_outputs():
    torch.manual_seed(0)
    model = DenoisingMLP(hidden=16, classes=3)
    x, t = torch.randn(4, 2), torch.full((4,), 0.5)
    conditional, unconditional = model(x, t, torch.full((4,), 1)), model(x, t)
    torch.testing.assert_close(model.guided(1, 0.0)(x, t), conditional)
    torch.testing.assert_close(model.guided(1, 2.0)(x, t), 3 * conditional - 2 * unconditional)
    torch.testing.assert_close(model.guided(None)(x, t), unconditional)


def test_an_unknown_schedule_or_sampler_says_so():
    with pytest.raises(ValueError, match="noise schedule"):
        NoiseSchedule("quadratic")
    with pytest.raises(ValueError, match="sampler"):
        samplers.sample("rk4", exact_velocity, None, 10, 5)


@pytest.mark.parametrize(("kind", "sampler"), [("flow_matching", "heun"), ("ddpm", "ddim")])
def test_the_live_task_learns_the_ring_and_restores_exactly(kind, sampler):
    target = make_target("ring8")
    config = DiffusionRunConfig(kind=kind, sampler=sampler, sample_steps=20, hidden=64)
    task = DiffusionTrainingTask(config, target)
    task.visuals("all")
    before = task.metrics()
    for _ in range(400):
        task.train_step()
    frame = task.visuals("layers")
    after = task.metrics()
    assert after["w1"] < before["w1"] / 2 and after["kl"] < before["kl"] / 2 and after["likelihood_step"] == 400
    assert after["nll"] - after["kl"] == pytest.approx(after["entropy"], abs=1e-6), "NLL - H(p) = KL on the same points"
    assert frame.samples.shape == (800, 2) and frame.paths.shape == (60, 21, 2)
    saved = copy.deepcopy(task.state_dict())
    losses = [task.train_step() for _ in range(3)]
    restored = DiffusionTrainingTask(config, target)
    restored.load_state_dict(saved)
    assert [restored.train_step() for _ in range(3)] == losses


def test_the_live_task_scores_on_the_flows_held_out_samples_and_applies_a_new_sampler():
    target = make_target("ring8")
    task = DiffusionTrainingTask(DiffusionRunConfig(seed=5), target)
    assert torch.equal(task.held_out, FlowTrainingTask(FlowRunConfig(seed=5), target).held_out)
    task.apply_live_settings(DiffusionRunConfig(seed=5, sampler="heun", sample_steps=7))
    assert task.draw(10, keep_path=True).shape == (8, 10, 2)


@pytest.mark.parametrize(
    "settings",
    [{"kind": "ddpm", "sampler": "euler"}, {"sample_steps": 0}, {"schedule": "sqrt"}, {"target": "bimodal_1d"}],
)
def test_live_settings_are_checked(settings):
    with pytest.raises(ValueError):
        DiffusionRunConfig(**settings)


def test_the_frame_pictures_are_images_of_the_panel_size():
    task = DiffusionTrainingTask(DiffusionRunConfig(sample_steps=5, hidden=16), make_target("ring8"))
    frame = task.visuals("fast")
    for picture in (views.samples_image(frame), views.paths_image(frame)):
        assert Image.open(io.BytesIO(picture)).size == (views.IMAGE_SIZE, views.IMAGE_SIZE)


def _trained(steps: int, **settings) -> DiffusionTrainingTask:
    task = DiffusionTrainingTask(DiffusionRunConfig(**settings), make_target(settings.get("target", "ring8")))
    for _ in range(steps):
        task.train_step()
    return task


@pytest.mark.parametrize("kind", ["ddpm", "flow_matching"])
def test_the_forward_process_view_runs_from_the_data_to_the_noise(kind):
    task = DiffusionTrainingTask(
        DiffusionRunConfig(kind=kind, sampler="ddim" if kind == "ddpm" else "euler"), make_target("ring8")
    )
    x0, noise = task.held_out[:500], torch.randn(500, 2, generator=torch.Generator().manual_seed(3))
    assert (task.noised(x0, 0.0, noise) - x0).abs().max() < 0.05, (
        "level 0 is the data (DDPM: up to sigma(T_MIN) = 0.01)"
    )
    torch.testing.assert_close(task.noised(x0, 1.0, noise), noise, atol=0.02, rtol=0), "level 1 is pure noise"
    frame = task.visuals("fast")
    assert frame.field.shape == (len(NOISE_LEVELS), FIELD_GRID**2, 4) and np.isfinite(frame.field).all()
    (a, b), (c, d) = task.target.extent
    pixel_area = (b - a) * (d - c) / frame.noised_density.shape[1] ** 2
    assert frame.noised_density[0].sum() * pixel_area == pytest.approx(1.0, abs=0.02), "the data lies inside the extent"
    centre = frame.noised_density.shape[1] // 2
    assert frame.noised_density[0, centre, centre] < 0.01 * frame.noised_density[0].max(), "the ring's hole is empty"
    assert (
        frame.noised_density[-1, centre - 2 : centre + 3, centre - 2 : centre + 3].max()
        > 0.8 * frame.noised_density[-1].max()
    ), "pure noise, N(0, I), peaks at the centre"


def test_a_class_conditional_model_draws_its_classes_and_guidance_sharpens_them():
    task = _trained(600, conditional=True, guidance=0.0)
    assert task.model.classes == 8 and task.sample_labels(10).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]
    unguided = task.metrics()
    task.apply_live_settings(DiffusionRunConfig(conditional=True, guidance=1.0))
    guided = task.metrics()
    assert unguided["class_accuracy"] > 0.9 and guided["class_accuracy"] >= unguided["class_accuracy"] - 0.02
    assert 0.7 < unguided["spread"] < 1.3 and guided["spread"] < 0.8 * unguided["spread"], "w = 1 sharpens each class"
    assert guided["drift"] > unguided["drift"], "and moves it away from the others"
    assert task.visuals("fast").labels[:9].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 0]


def test_a_class_conditional_model_needs_a_target_made_of_modes():
    with pytest.raises(ValueError, match="modes"):
        DiffusionTrainingTask(DiffusionRunConfig(target="checkerboard", conditional=True), make_target("checkerboard"))


def test_quality_improves_with_steps_and_the_learned_density_integrates_to_one():
    task = _trained(400)
    curves = task.quality_by_steps((1, 20))
    assert set(curves) == {"euler", "heun"}
    assert curves["euler"][0][1] > curves["euler"][1][1], "one Euler step is a poor sampler"
    density = task.learned_density(size=24)
    (a, b), (c, d) = task.target.extent
    assert density.sum() * (b - a) * (d - c) / 24**2 == pytest.approx(1.0, abs=0.1)


def test_reflow_straightens_the_paths_so_one_euler_step_samples_better():
    task = _trained(800)
    one_step_before = task.quality_by_steps((1,))["euler"][0][1]
    assert task.reflow() == 1 and task.reflow_pairs[0].shape == (8192, 2)
    restored = copy.deepcopy(task.state_dict())
    for _ in range(800):
        task.train_step()
    one_step_after = task.quality_by_steps((1,))["euler"][0][1]
    assert one_step_after < 0.6 * one_step_before, "the 2-rectified flow's straight paths need fewer steps"
    task.load_state_dict(restored)
    assert task.reflows == 1 and task.steps_done == 800
    with pytest.raises(ValueError, match="flow-matching"):
        _trained(0, kind="ddpm", sampler="ddpm").reflow()
