"""Training a normalizing flow on a target by maximum likelihood, as a live-trainer task.

    maximise  1/N sum_i log p_theta(x_i),   log p_theta(x) = log p_z(f_theta(x)) + log|det df_theta/dx|

(lecture notes, "Training flow models"). :class:`FlowRunConfig` is everything a page sets (and
what a URL carries); :class:`FlowTrainingTask` is what :class:`engine.live.run.LiveRun` steps; its
frames (:class:`FlowFrame2D`, :class:`FlowFrame1D`) are what :mod:`engine.flows.views` draws.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from engine import metrics, render
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_ranges
from engine.flows.models import Flow, FlowConfig, build_flow, flow_types_for
from engine.live.task import Frame
from engine.schedules import halving_factor
from engine.targets import CUSTOM_TARGET_KEYS, Target, make_target, points_csv
from engine.targets import views as target_views
from engine.targets.held_out import DENSITY_IMAGE_SIZE, HELD_OUT_SEED_OFFSET, DensityFrame, held_out_samples

DENSITY_CURVE_POINTS = 400
SAMPLES_SHOWN = 800
STAGE_POINTS = 500
GRID_LINES = 9
MAX_STAGES_SHOWN = 10  # deep flows (Glow: 3 layers a step) show every few layers
POINTS_PER_GRID_LINE = 40

LR_FLOOR = 0.02  # the learning-rate schedule never goes below 2% of the setting


@dataclass(frozen=True, kw_only=True)
class FlowStages(Frame):
    """The costly 2-D view: grid lines and points after each layer, both ways; each stage is
    (k, lines (2 * GRID_LINES, points, 2), points (n, 2)) after k layers."""

    forward_stages: list
    inverse_stages: list
    layer_names: list[str]


@dataclass(frozen=True, kw_only=True)
class FlowFrame2D(Frame):
    """A 2-D flow's live views: each part keeps its own version, so a page redraws only what changed."""

    densities: DensityFrame
    stages: FlowStages


@dataclass(frozen=True, kw_only=True)
class FlowFrame1D(Frame):
    """A 1-D flow on a curve of x: z = f(x), |df/dx|, p_z(f(x)), the model and target densities,
    and model samples."""

    x: np.ndarray
    z: np.ndarray
    abs_dfdx: np.ndarray
    p_z_of_f: np.ndarray
    model_density: np.ndarray
    target_density: np.ndarray
    samples: np.ndarray


@dataclass(frozen=True)
class FlowRunConfig(RunConfig):
    """Everything that defines a flow run; with the seed it reproduces the run exactly."""

    target: str = "ring8"
    flow_type: str = "spline"
    n_layers: int = 4
    hidden: int = 64
    hidden_layers: int = 2
    n_bins: int = 16
    learning_rate: float = 5e-3
    lr_half_life: int = 700  # steps; 0 keeps the learning rate constant
    batch_size: int = 256
    seed: int = 0
    max_steps: int = 20_000

    # Fields that apply to a running model; changing any other field rebuilds it.
    LIVE_FIELDS = ("learning_rate", "lr_half_life", "batch_size")

    def __post_init__(self):
        check_ranges(
            self,
            [
                ("learning_rate", 1e-5, 0.1),
                ("batch_size", 8, 4096),
                ("lr_half_life", 0, 1_000_000),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 200_000),
            ],
        )
        self.flow_config(self.target_dim)  # validates the architecture for this target

    @property
    def target_dim(self) -> int:
        """Dimension of the target: built-in targets know theirs; custom points are 2-D
        (a one-column CSV is 1-D: the page passes its dimension to :meth:`flow_config`)."""
        if self.target in CUSTOM_TARGET_KEYS:
            return 2 if self.flow_type not in flow_types_for(1) else 1
        return make_target(self.target).dim

    def flow_config(self, dim: int) -> FlowConfig:
        """The architecture for a target of dimension ``dim`` (validated by FlowConfig)."""
        return FlowConfig(
            dim=dim,
            flow_type=self.flow_type,
            n_layers=self.n_layers,
            hidden=self.hidden,
            hidden_layers=self.hidden_layers,
            n_bins=self.n_bins,
            components=self.n_bins,
        )

    @classmethod
    def from_query(cls, params: dict[str, str]) -> FlowRunConfig:
        """Parse query parameters (unknown keys ignored); raises ValueError on a bad value."""
        values = cls.query_values(params)
        if "flow_type" not in values and values.get("target", cls.target) not in CUSTOM_TARGET_KEYS:
            dim = make_target(values.get("target", cls.target)).dim  # a link naming only a 1-D target
            if cls.flow_type not in flow_types_for(dim):
                values["flow_type"] = flow_types_for(dim)[0]
        return cls(**values)


class FlowTrainingTask(Checkpointed):
    """Maximum-likelihood training of a flow on fresh samples of a target (one batch a step)."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("flow", "optimizer", "steps_done", "generator")

    def __init__(self, config: FlowRunConfig, target: Target):
        self.config = config
        self.target = target
        self.flow_config = config.flow_config(target.dim)
        self.flow = build_flow(self.flow_config, seed=config.seed)
        self.optimizer = torch.optim.Adam(self.flow.parameters(), lr=config.learning_rate)
        self.batch_size = config.batch_size
        self.steps_done = 0
        self.generator = torch.Generator().manual_seed(config.seed)

        self.held_out = held_out_samples(target, config.seed)
        self.fixed_noise = torch.randn(
            SAMPLES_SHOWN, target.dim, generator=torch.Generator().manual_seed(config.seed + HELD_OUT_SEED_OFFSET + 1)
        )
        # On the same samples as the NLL, so that NLL - H(p) = KL holds exactly on the page.
        self.held_out_log_p = target.log_prob(self.held_out) if target.has_exact_density else None
        self._target_view = self._target_density_view()
        self._densities: DensityFrame | None = None
        self._stages: FlowStages | None = None

    # ----- TrainingTask -----

    def current_learning_rate(self) -> float:
        """lr_t = lr * max(LR_FLOOR, 2^(-t / half_life)): halves every ``lr_half_life`` steps down
        to a floor, so the density settles instead of jittering at a constant step size."""
        return self.config.learning_rate * halving_factor(self.steps_done, self.config.lr_half_life, LR_FLOOR)

    def train_step(self) -> float:
        learning_rate = self.current_learning_rate()
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        self.steps_done += 1
        x = self.target.sample(self.batch_size, self.generator)
        loss = -self.flow.log_prob(x).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        figures = metrics.held_out_figures(self.flow.log_prob(self.held_out), self.held_out_log_p)
        return figures | {"learning_rate": self.current_learning_rate()}

    @torch.no_grad()
    def visuals(self, which: str = "all") -> FlowFrame1D | FlowFrame2D:
        """ "fast": densities and samples; "layers": the layer-by-layer views; "all": both.
        The part not asked for is reused from the last call (see :class:`engine.live.task.TrainingTask`)."""
        if self.target.dim == 1:
            return self._visuals_1d()
        if which in ("fast", "all") or self._densities is None:
            self._densities = self._visuals_2d()
        if which in ("layers", "all") or self._stages is None:
            self._stages = self._stage_visuals()
        return FlowFrame2D(densities=self._densities, stages=self._stages)

    def divergence_advice(self) -> str:
        return f"Try a lower learning rate (now {self.current_learning_rate():g}), fewer layers, or a larger batch."

    # ----- live knobs and exports -----

    def apply_live_settings(self, config: FlowRunConfig) -> None:
        """Apply the learning-rate schedule and batch size of ``config`` to the running model."""
        self.batch_size = config.batch_size
        self.config = dataclasses.replace(self.config, **config.live_settings())

    @torch.no_grad()
    def sample_csv(self, n: int = 5000, seed: int = 0) -> bytes:
        """``n`` model samples as CSV text with columns x (and y)."""
        return points_csv(self.flow.sample(n, torch.Generator().manual_seed(seed)).numpy())

    def model_zip(self) -> bytes:
        """The trained flow as a zip: model.safetensors and config.json (see :func:`load_flow_zip`)."""
        config = {"flow": dataclasses.asdict(self.flow_config), "run": dataclasses.asdict(self.config)}
        tensors = {k: v.detach().contiguous().clone() for k, v in self.flow.state_dict().items()}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("model.safetensors", save_safetensors(tensors))
            archive.writestr("config.json", json.dumps(config, indent=2))
        return buffer.getvalue()

    # ----- views -----

    def _target_density_view(self) -> np.ndarray:
        if self.target.dim == 1:
            return target_views.density_curve(self.target, DENSITY_CURVE_POINTS)[1]
        return target_views.density_image(self.target, DENSITY_IMAGE_SIZE)

    def _visuals_1d(self) -> FlowFrame1D:
        xs = torch.linspace(*self.target.extent, DENSITY_CURVE_POINTS).unsqueeze(1)
        z, logdet = self.flow(xs)
        log_pz = -0.5 * z.squeeze(1) ** 2 - 0.5 * math.log(2 * math.pi)
        samples = self.flow.inverse(self.fixed_noise).squeeze(1)
        return FlowFrame1D(
            x=xs.squeeze(1).numpy(),
            z=z.squeeze(1).numpy(),
            abs_dfdx=logdet.exp().numpy(),
            p_z_of_f=log_pz.exp().numpy(),
            model_density=(log_pz + logdet).exp().numpy(),
            target_density=self._target_view,
            samples=samples.numpy(),
        )

    def _visuals_2d(self) -> DensityFrame:
        size = DENSITY_IMAGE_SIZE
        grid = torch.from_numpy(render.grid_points(self.target.extent, size))
        model_density = self.flow.log_prob(grid).exp().reshape(size, size).numpy()
        samples = self.flow.inverse(self.fixed_noise).numpy()
        return DensityFrame(
            extent=self.target.extent, target_density=self._target_view, model_density=model_density, samples=samples
        )

    def _stage_visuals(self) -> FlowStages:
        """Grid lines and points pushed through each layer, both ways (the costly view)."""
        data_lines = _grid_lines(self.target.extent)
        latent_lines = _grid_lines(((-3.0, 3.0), (-3.0, 3.0)))
        return FlowStages(
            forward_stages=self._trace(self.flow.trajectory, data_lines, self.held_out[:STAGE_POINTS]),
            inverse_stages=self._trace(self.flow.inverse_trajectory, latent_lines, self.fixed_noise[:STAGE_POINTS]),
            layer_names=self.flow.layer_names(),
        )

    @staticmethod
    def _trace(trajectory, lines: torch.Tensor, points: torch.Tensor):
        """Push grid lines and points together through each layer: [(stage, lines, points), ...]
        where stage k is after k layers; at most MAX_STAGES_SHOWN, evenly spread, first and last kept."""
        n_line_points = lines.shape[0] * lines.shape[1]
        path = trajectory(torch.cat([lines.reshape(-1, 2), points]))
        shown = sorted(set(np.linspace(0, len(path) - 1, min(len(path), MAX_STAGES_SHOWN)).round().astype(int)))
        return [
            (k, path[k][:n_line_points].reshape(lines.shape).numpy(), path[k][n_line_points:].numpy()) for k in shown
        ]


def _grid_lines(extent) -> torch.Tensor:
    """Horizontal and vertical lines over ``extent``: shape (2 * GRID_LINES, points, 2)."""
    return target_views.grid_lines(extent, GRID_LINES, POINTS_PER_GRID_LINE)


def load_flow_zip(data: bytes) -> tuple[Flow, dict[str, Any]]:
    """Load a flow saved by :meth:`FlowTrainingTask.model_zip` (strict; nothing unpickled)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            config = json.loads(archive.read("config.json"))
            tensors = load_safetensors(archive.read("model.safetensors"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise ValueError("This is not a model file saved by the Flows page.") from error
    flow = build_flow(FlowConfig(**config["flow"]))
    flow.load_state_dict(tensors, strict=True)
    return flow, config
