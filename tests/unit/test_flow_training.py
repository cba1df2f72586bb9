"""The flow training task: config validation, URL round trip, metrics, views, exports."""

import math

import numpy as np
import pytest
import torch

from engine.flows.task import LR_FLOOR, FlowRunConfig, FlowTrainingTask, load_flow_zip
from engine.targets import make_target, parse_points_csv


@pytest.fixture(scope="module")
def trained_task():
    task = FlowTrainingTask(
        FlowRunConfig(target="two_gaussians", flow_type="realnvp", n_layers=4, hidden=32), make_target("two_gaussians")
    )
    for _ in range(150):
        task.train_step()
    return task


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("learning_rate", 1.0, "learning rate"),
        ("batch_size", 100_000, "batch size"),
        ("seed", -1, "seed"),
        ("n_layers", 100, "n_layers"),
        ("hidden", 4, "hidden"),
        ("target", "nope", "Unknown target"),
        ("flow_type", "glowing", "flow_type"),
    ],
)
def test_config_refuses_out_of_range_settings(field, value, words):
    with pytest.raises(ValueError, match="(?i)" + words):
        FlowRunConfig(**{field: value})


def test_config_refuses_a_2d_flow_for_a_1d_target():
    with pytest.raises(ValueError, match="1-D"):
        FlowRunConfig(target="bimodal_1d", flow_type="glow")


def test_url_round_trip_and_bad_values():
    config = FlowRunConfig(target="moons", flow_type="glow", n_layers=5, learning_rate=1e-3, seed=42)
    query = config.to_query()
    assert "hidden" not in query, "defaults stay out of the link"
    assert FlowRunConfig.from_query(query) == config
    assert FlowRunConfig.from_query({"unrelated": "1"}) == FlowRunConfig()
    with pytest.raises(ValueError, match="n_layers"):
        FlowRunConfig.from_query({"n_layers": "many"})
    assert FlowRunConfig.from_query({"target": "bimodal_1d"}).flow_type == "cdf", "a 1-D link gets a 1-D flow"


def test_live_fields_do_not_need_a_rebuild():
    base = FlowRunConfig()
    assert not FlowRunConfig(learning_rate=1e-3).rebuild_needed(base)
    assert not FlowRunConfig(batch_size=64).rebuild_needed(base)
    assert not FlowRunConfig(lr_half_life=0).rebuild_needed(base)
    assert FlowRunConfig(n_layers=3).rebuild_needed(base)
    assert FlowRunConfig(seed=9).rebuild_needed(base)


def test_training_lowers_nll_towards_the_entropy_floor(trained_task):
    metrics = trained_task.metrics()
    assert metrics["kl"] == pytest.approx(metrics["nll"] - metrics["entropy"], abs=0.05)
    assert 0 <= metrics["kl"] < 0.5
    assert metrics["nll"] > metrics["entropy"] - 3 * metrics["kl_se"] - 0.02


def test_same_seed_same_run():
    config = FlowRunConfig(target="ring8", flow_type="nice", n_layers=2, hidden=16, seed=5)
    losses = []
    for _ in range(2):
        task = FlowTrainingTask(config, make_target("ring8"))
        losses.append([task.train_step() for _ in range(5)])
    assert losses[0] == losses[1]


def test_2d_visuals_have_the_right_shapes(trained_task):
    frame = trained_task.visuals("all")
    visuals, stages = frame.densities, frame.stages
    size = visuals.model_density.shape[0]
    assert visuals.model_density.shape == visuals.target_density.shape == (size, size)
    assert np.isfinite(visuals.model_density).all()
    n_layers = len(trained_task.flow.layers)
    assert len(stages.forward_stages) == len(stages.inverse_stages) == min(n_layers + 1, 10)
    stage, lines, points = stages.forward_stages[-1]
    assert stage == n_layers, "the last panel is z"
    assert lines.shape[-1] == 2 and points.shape[-1] == 2
    fast = trained_task.visuals("fast")
    assert fast.stages.version == frame.stages.version, "cheap frames reuse the layer views"
    assert fast.densities.version != frame.densities.version
    layers = trained_task.visuals("layers")
    assert layers.densities.version == fast.densities.version and layers.stages.version != fast.stages.version


def test_1d_visuals_show_the_change_of_variables():
    task = FlowTrainingTask(FlowRunConfig(target="bimodal_1d", flow_type="cdf", n_layers=1), make_target("bimodal_1d"))
    for _ in range(50):
        task.train_step()
    visuals = task.visuals()
    x = visuals.x
    # p_x(x) = p_z(f(x)) |df/dx|, and the model density integrates to ~1 over the plotted range
    np.testing.assert_allclose(visuals.model_density, visuals.p_z_of_f * visuals.abs_dfdx, rtol=1e-4)
    assert np.trapezoid(visuals.model_density, x) == pytest.approx(1.0, abs=0.03)
    assert np.all(np.diff(visuals.z) > 0), "f is monotone"


def test_model_zip_round_trip(trained_task):
    flow, config = load_flow_zip(trained_task.model_zip())
    x = trained_task.held_out[:100]
    with torch.no_grad():
        torch.testing.assert_close(flow.log_prob(x), trained_task.flow.log_prob(x))
    assert config["run"]["target"] == "two_gaussians"
    with pytest.raises(ValueError, match="not a model file"):
        load_flow_zip(b"garbage")


def test_sample_csv_reads_back_as_points(trained_task):
    points = parse_points_csv(trained_task.sample_csv(n=500))
    assert points.shape == (500, 2)
    assert np.isfinite(points).all()


def test_learning_rate_halves_every_half_life_down_to_the_floor():
    task = FlowTrainingTask(FlowRunConfig(learning_rate=1e-2, lr_half_life=10, n_layers=1), make_target("ring8"))
    assert task.current_learning_rate() == pytest.approx(1e-2)
    for _ in range(10):
        task.train_step()
    assert task.optimizer.param_groups[0]["lr"] == pytest.approx(1e-2 * 0.5 ** (9 / 10))
    assert task.current_learning_rate() == pytest.approx(5e-3)
    task.steps_done = 10_000
    assert task.current_learning_rate() == pytest.approx(1e-2 * LR_FLOOR)
    constant = FlowTrainingTask(FlowRunConfig(learning_rate=1e-2, lr_half_life=0, n_layers=1), make_target("ring8"))
    constant.steps_done = 10_000
    assert constant.current_learning_rate() == 1e-2


def test_live_settings_apply_without_rebuilding(trained_task):
    flow_before = trained_task.flow
    trained_task.apply_live_settings(FlowRunConfig(learning_rate=1e-4, lr_half_life=0, batch_size=64))
    assert trained_task.current_learning_rate() == 1e-4
    assert trained_task.batch_size == 64 and trained_task.flow is flow_before
    assert math.isfinite(trained_task.train_step())


def test_targets_without_density_report_nll_only():
    task = FlowTrainingTask(
        FlowRunConfig(target="moons", flow_type="nice", n_layers=2, hidden=16), make_target("moons")
    )
    metrics = task.metrics()
    assert "kl" not in metrics and math.isfinite(metrics["nll"])
