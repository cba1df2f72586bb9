"""Training a GAN on a toy target, as a live-trainer task.

    min_G max_D  E_{x~p}[log D(x)] + E_{z~p(z)}[log(1 - D(G(z)))]

(Goodfellow et al., 2014; lecture notes, "Generative adversarial networks"), with the other
losses of :mod:`engine.gans.losses`. One training step is ``d_steps`` discriminator updates then
one generator update, as in Algorithm 1 of the paper. :class:`GanRunConfig` is everything a page
sets (and what a URL carries); :class:`GanTrainingTask` is what :class:`engine.live.run.LiveRun`
steps; its frames (:class:`GanFieldFrame`, :class:`GanCurvesFrame`) are what :mod:`engine.gans.views`
draws. The presets are in :mod:`engine.gans.presets`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from engine import render, sample_metrics
from engine.checkpoint import Checkpointed
from engine.config import RunConfig, check_choice, check_ranges, seeded
from engine.gans.losses import LOSSES, gradient_penalty, r1_penalty
from engine.gans.models import NOISE_TYPES, Discriminator, Generator, NetworkConfig, sample_noise
from engine.live.task import Frame
from engine.schedules import halving_factor
from engine.targets import CUSTOM_TARGET_KEYS, Target, make_target, points_csv
from engine.targets import views as target_views

OPTIMIZERS = ("adam", "sgd", "rmsprop")

REAL_POOL_SIZE = 65_536  # real samples drawn once; batches are random rows (as GAN Lab's atlas)
METRIC_SAMPLES = 2_500  # the mode-collapse literature's sample count
SAMPLES_SHOWN = 450  # GAN Lab's number of real samples on screen
ARROWS_SHOWN = 120
HEATMAP_SIZE = 64
HISTOGRAM_BINS = 32
W1_POINTS = 256  # exact W1 on 256 + 256 points costs ~5 ms, a small share of each second of training
CURVE_POINTS = 400  # 1-D views
GENERATED_1D_SAMPLES = 20_000
MANIFOLD_LINES = 11
MANIFOLD_POINTS_PER_LINE = 40
LR_FLOOR = 0.05  # the learning-rate schedule never goes below 5% of the setting
CRITIC_LIMIT = 1e4  # a discriminator loss beyond this is an exploding critic: the run stops with advice


@dataclass(frozen=True, kw_only=True)
class GanFieldFrame(Frame):
    """A 2-D GAN's live view (GAN Lab's): the discriminator's output on a grid over ``extent``,
    real and generated samples, the generator's gradient at some samples, the generator manifold."""

    extent: tuple
    real: np.ndarray  # (n, 2)
    fake: np.ndarray  # (n, 2)
    discriminator: np.ndarray  # (size, size): the loss's output (D(x), a critic value, T(x))
    arrows: np.ndarray  # (m, 4): x, y and -dL_G/dx at each
    manifold: np.ndarray | None  # (lines, points, 2): a noise-space grid mapped through G; None above 2-D noise
    loss: str  # key in LOSSES: how to read ``discriminator``


@dataclass(frozen=True, kw_only=True)
class GanCurvesFrame(Frame):
    """A 1-D GAN's live view on a curve of x: both densities, the discriminator and its optimum."""

    x: np.ndarray
    real_density: np.ndarray
    fake_density: np.ndarray  # a lightly blurred histogram of generated samples
    discriminator: np.ndarray
    optimal: np.ndarray | None  # the optimal discriminator for these densities; None for losses without one
    fake: np.ndarray
    loss: str


@dataclass(frozen=True)
class GanRunConfig(RunConfig):
    """Everything that defines a GAN run; with the seed it reproduces the run exactly."""

    target: str = "ring8"
    loss: str = "non_saturating"
    noise_dim: int = 2
    noise: str = "gaussian"
    g_layers: int = 2
    g_width: int = 128
    g_activation: str = "relu"
    d_layers: int = 2
    d_width: int = 128
    d_activation: str = "leaky_relu"
    spectral_norm: bool = False  # on the discriminator's layers
    r1_gamma: float = 0.0  # weight of the R1 penalty (gamma/2) E_p |grad_x v|^2; 0 = off
    d_steps: int = 1  # discriminator updates per generator update
    g_optimizer: str = "adam"
    d_optimizer: str = "adam"
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    beta1: float = 0.5  # Adam's betas (momentum for SGD is beta1; RMSprop's alpha is beta2)
    beta2: float = 0.999
    lr_half_life: int = 0  # steps; both learning rates halve every this many steps (0: constant)
    batch_size: int = 256
    seed: int = 0
    max_steps: int = 200_000

    LIVE_FIELDS = ("loss", "r1_gamma", "d_steps", "g_lr", "d_lr", "beta1", "beta2", "lr_half_life", "batch_size")

    def __post_init__(self):
        check_ranges(
            self,
            [
                ("noise_dim", 1, 16),
                ("r1_gamma", 0, 100),
                ("d_steps", 1, 10),
                ("g_lr", 1e-5, 1.0),
                ("d_lr", 1e-5, 1.0),
                ("beta1", 0, 0.999),
                ("beta2", 0, 0.9999),
                ("lr_half_life", 0, 1_000_000),
                ("batch_size", 8, 4096),
                ("seed", 0, 2**31 - 1),
                ("max_steps", 1, 1_000_000),
            ],
        )
        for name, options in [
            ("loss", LOSSES),
            ("noise", NOISE_TYPES),
            ("g_optimizer", OPTIMIZERS),
            ("d_optimizer", OPTIMIZERS),
        ]:
            check_choice(name.replace("_", " "), getattr(self, name), options)
        if self.target not in CUSTOM_TARGET_KEYS:
            make_target(self.target)  # raises for an unknown target
        self.generator_config, self.discriminator_config  # noqa: B018 - validates both networks

    @property
    def generator_config(self) -> NetworkConfig:
        return NetworkConfig(hidden_layers=self.g_layers, width=self.g_width, activation=self.g_activation)

    @property
    def discriminator_config(self) -> NetworkConfig:
        return NetworkConfig(
            hidden_layers=self.d_layers,
            width=self.d_width,
            activation=self.d_activation,
            spectral_norm=self.spectral_norm,
        )


@dataclass(frozen=True)
class ComparedConfigs:
    """Two GAN configurations trained side by side (A/B) on the same data and seed, in one
    :class:`engine.live.task.SideBySideTask`."""

    a: GanRunConfig
    b: GanRunConfig

    def __post_init__(self):
        if (self.a.target, self.a.seed) != (self.b.target, self.b.seed):
            raise ValueError("An A/B comparison trains both runs on the same target with the same seed.")

    @property
    def max_steps(self) -> int:
        return min(self.a.max_steps, self.b.max_steps)

    def rebuild_needed(self, other) -> bool:
        return type(other) is not type(self) or self.a.rebuild_needed(other.a) or self.b.rebuild_needed(other.b)


@dataclass(frozen=True)
class GanLink:
    """What a GANs-page link carries: run A, and run B when comparing (B's own settings are
    ``b_``-prefixed, as they differ from B's default: A with the WGAN-GP loss; B shares A's target
    and seed)."""

    a: GanRunConfig = GanRunConfig()
    b: GanRunConfig | None = None

    SHARED = ("target", "seed", "max_steps")

    @staticmethod
    def default_b(a: GanRunConfig) -> GanRunConfig:
        """Run B when a link or the toggle turns the comparison on: A with WGAN-GP."""
        return dataclasses.replace(a, loss="wgan_gp")

    @classmethod
    def url_keys(cls) -> set[str]:
        """A's fields, ``ab`` (comparing) and B's own fields, ``b_``-prefixed."""
        fields = GanRunConfig.url_keys()
        return fields | {"ab"} | {f"b_{name}" for name in fields - set(cls.SHARED)}

    def to_query(self) -> dict[str, str]:
        query = self.a.to_query()
        if self.b is not None:
            query["ab"] = "1"
            default_b = self.default_b(self.a)
            query |= {
                f"b_{f.name}": str(getattr(self.b, f.name))
                for f in dataclasses.fields(self.b)
                if f.name not in self.SHARED and getattr(self.b, f.name) != getattr(default_b, f.name)
            }
        return query

    @classmethod
    def from_query(cls, params: dict[str, str]) -> GanLink:
        a = GanRunConfig.from_query({k: v for k, v in params.items() if not k.startswith("b_")})
        if params.get("ab") not in ("1", "true", "True"):
            return cls(a)
        b_values = GanRunConfig.query_values({k[2:]: v for k, v in params.items() if k.startswith("b_")})
        return cls(
            a, dataclasses.replace(cls.default_b(a), **{k: v for k, v in b_values.items() if k not in cls.SHARED})
        )

    def widget_values(self) -> dict[str, Any]:
        """Widget keys (after the page's prefix) and their values."""
        b = self.b or self.default_b(self.a)
        return {"ab": self.b is not None, **dataclasses.asdict(self.a)} | {
            f"b_{k}": v for k, v in dataclasses.asdict(b).items() if k not in self.SHARED
        }


def _build(config: GanRunConfig, data_dim: int) -> tuple[Generator, Discriminator]:
    """Generator and discriminator whose initial weights depend only on the seed."""
    with seeded(config.seed):
        generator = Generator(config.noise_dim, data_dim, config.generator_config)
        discriminator = Discriminator(data_dim, config.discriminator_config)
    return generator, discriminator


def _optimizer(kind: str, parameters, lr: float, beta1: float, beta2: float) -> torch.optim.Optimizer:
    """Adam, SGD with momentum beta1, or RMSprop with smoothing beta2. The fused kernels update
    all tensors in one call: on these small networks the per-tensor loop would cost more than
    the gradients."""
    if kind == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=(beta1, beta2), fused=True)
    if kind == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=beta2, foreach=True)
    return torch.optim.SGD(parameters, lr=lr, momentum=beta1, fused=True)


class GanTrainingTask(Checkpointed):
    """A generator and a discriminator trained against each other on fresh batches of a target."""

    # What rollback, Reset and parking keep (engine.checkpoint).
    CHECKPOINTED = ("generator", "discriminator", "g_optimizer", "d_optimizer", "steps_done", "rng")

    loss_names = ("discriminator loss", "generator loss")

    def __init__(self, config: GanRunConfig, target: Target):
        self.config = config
        self.target = target
        self.loss = LOSSES[config.loss]
        self.generator, self.discriminator = _build(config, target.dim)
        self._generator_parameters = list(self.generator.parameters())
        self.g_optimizer = _optimizer(
            config.g_optimizer, self.generator.parameters(), config.g_lr, config.beta1, config.beta2
        )
        self.d_optimizer = _optimizer(
            config.d_optimizer, self.discriminator.parameters(), config.d_lr, config.beta1, config.beta2
        )
        self.steps_done = 0
        self.rng = torch.Generator().manual_seed(config.seed)
        fixed = torch.Generator().manual_seed(config.seed + 1_000_003)
        self.real_pool = target.sample(REAL_POOL_SIZE, fixed)
        self.held_out = target.sample(METRIC_SAMPLES, fixed).numpy()
        self.fixed_noise = sample_noise(METRIC_SAMPLES, config.noise_dim, config.noise, fixed)
        self.critic_exploded = False
        if target.dim == 1:
            self._x_curve, self._p_curve = target_views.density_curve(target, CURVE_POINTS)
            self._curve_noise = sample_noise(GENERATED_1D_SAMPLES, config.noise_dim, config.noise, fixed)
        else:
            self._grid = torch.from_numpy(render.grid_points(target.extent, HEATMAP_SIZE))
            self._manifold_noise = _noise_grid(config.noise_dim, config.noise)

    # ----- TrainingTask -----

    def train_step(self, part: str | None = None) -> tuple[float, float]:
        """``d_steps`` discriminator updates then one generator update; ``part`` =
        "discriminator" or "generator" updates only that network (one update). Returns both
        losses (the one not updated is evaluated on a fresh batch)."""
        if part not in (None, "discriminator", "generator"):
            raise ValueError(f"Unknown part {part!r}; use 'discriminator' or 'generator'.")
        self.steps_done += 1
        self.critic_exploded = False  # kept after a bad step, for divergence_advice
        self._set_learning_rates()
        d_loss = g_loss = math.nan
        if part != "generator":
            for _ in range(self.config.d_steps if part is None else 1):
                d_loss = self._discriminator_step()
        if part != "discriminator":
            g_loss = self._generator_step()
        with torch.no_grad(), _evaluating(self.discriminator):
            if part == "generator":
                d_loss = self._discriminator_loss(*self._batch()).item()
            elif part == "discriminator":
                noise = sample_noise(self.config.batch_size, self.config.noise_dim, self.config.noise, self.rng)
                g_loss = self.loss.generator_loss(self.discriminator(self.generator(noise))).item()
        if self.critic_exploded:
            return math.inf, g_loss
        return d_loss, g_loss

    @torch.no_grad()
    def metrics(self) -> dict[str, float]:
        """Sample quality from 2,500 generated points (fixed noise) against held-out data."""
        with _evaluating(self.discriminator):
            fake = self.generator(self.fixed_noise)
            real = torch.from_numpy(self.held_out)
            output = self.loss.output(self.discriminator(torch.cat([real, fake])))
        fake_np = fake.numpy()
        finite = bool(np.isfinite(fake_np).all())
        out = {
            "d_real": float(output[: len(real)].mean()),
            "d_fake": float(output[len(real) :].mean()),
            "w1": sample_metrics.wasserstein1(self.held_out, fake_np, max_points=W1_POINTS) if finite else math.inf,
        }
        extent = self.target.extent  # non-finite samples count as outside the grid and off every mode
        histogram = sample_metrics.histogram_divergences(self.held_out, fake_np, extent, bins=HISTOGRAM_BINS)
        out.update(kl=histogram["kl"], js=histogram["js"], outside=histogram["outside_fake"])
        modes = getattr(self.target, "modes", None)
        if modes is not None:
            stats = sample_metrics.mode_statistics(fake_np, modes, self.target.mode_std)
            out.update(
                modes_captured=stats["modes_captured"],
                n_modes=stats["n_modes"],
                high_quality=stats["high_quality"],
                reverse_kl=stats["reverse_kl_to_uniform"],
            )
            out.update({f"mode_share_{k}": float(share) for k, share in enumerate(stats["mode_shares"])})
            out.update({f"nearest_share_{k}": float(share) for k, share in enumerate(stats["nearest_shares"])})
        return out

    def divergence_advice(self) -> str:
        if self.critic_exploded and self.loss.key.startswith("wgan"):
            return (
                f"The critic's values passed {CRITIC_LIMIT:,.0f} (an exploding critic): a Wasserstein critic must be "
                "kept Lipschitz, so use WGAN-GP, spectral normalization or weight clipping, or lower the "
                "discriminator's learning rate."
            )
        if self.critic_exploded:
            return (
                f"The discriminator's loss passed {CRITIC_LIMIT:,.0f}: its outputs are exploding. Lower the "
                "discriminator's learning rate, or use spectral normalization or an R1 penalty."
            )
        return "Try lower learning rates, Adam with beta1 = 0.5, spectral normalization, or an R1 penalty."

    # ----- live knobs and exports -----

    def learning_rate_factor(self) -> float:
        """2^(-t / half_life), never below LR_FLOOR: late steps settle the samples onto the modes
        instead of jittering around them at a constant step size."""
        return halving_factor(self.steps_done, self.config.lr_half_life, LR_FLOOR)

    def _set_learning_rates(self) -> None:
        factor = self.learning_rate_factor()
        for optimizer, lr in ((self.g_optimizer, self.config.g_lr), (self.d_optimizer, self.config.d_lr)):
            for group in optimizer.param_groups:
                group["lr"] = lr * factor

    def apply_live_settings(self, config: GanRunConfig) -> None:
        """Apply the loss, penalties, step ratio, learning rates, betas and batch size of ``config``."""
        self.config = dataclasses.replace(self.config, **config.live_settings())
        self.loss = LOSSES[config.loss]
        for optimizer in (self.g_optimizer, self.d_optimizer):
            for group in optimizer.param_groups:
                if isinstance(optimizer, torch.optim.Adam):
                    group["betas"] = (config.beta1, config.beta2)
                elif isinstance(optimizer, torch.optim.RMSprop):
                    group["alpha"] = config.beta2  # its momentum stays 0, as built
                else:
                    group["momentum"] = config.beta1

    @torch.no_grad()
    def samples(self, n: int = 5000, seed: int = 0) -> np.ndarray:
        """``n`` generated samples (n, dim), reproducible from ``seed``."""
        noise = sample_noise(n, self.config.noise_dim, self.config.noise, torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.generator(noise).numpy()

    def sample_csv(self, n: int = 5000, seed: int = 0) -> bytes:
        """``n`` generated samples as CSV text with columns x (and y)."""
        return points_csv(self.samples(n, seed))

    def generator_safetensors(self) -> bytes:
        """The generator's weights as safetensors, with the run's config in the metadata
        (rebuild with :func:`load_generator`)."""
        tensors = {k: v.detach().contiguous().clone() for k, v in self.generator.state_dict().items()}
        metadata = {"config": json.dumps(dataclasses.asdict(self.config)), "data_dim": str(self.target.dim)}
        return save_safetensors(tensors, metadata=metadata)

    # ----- steps -----

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of real samples and of generated ones (no gradient to the generator)."""
        n = self.config.batch_size
        real = self.real_pool[torch.randint(REAL_POOL_SIZE, (n,), generator=self.rng)]
        noise = sample_noise(n, self.config.noise_dim, self.config.noise, self.rng)
        with torch.no_grad():
            fake = self.generator(noise)
        return real, fake

    def _discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        scores = self.discriminator(torch.cat([real, fake]))
        return self.loss.discriminator_loss(scores[: len(real)], scores[len(real) :])

    def _discriminator_step(self) -> float:
        real, fake = self._batch()
        loss = self._discriminator_loss(real, fake)
        total = loss
        if self.loss.gradient_penalty:
            total = total + self.loss.gradient_penalty * gradient_penalty(
                self.discriminator, real.detach(), fake, self.rng
            )
        if self.config.r1_gamma > 0:
            total = total + 0.5 * self.config.r1_gamma * r1_penalty(self.discriminator, real)
        self.d_optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.d_optimizer.step()
        if self.loss.weight_clip is not None:
            with torch.no_grad():
                for parameter in self.discriminator.parameters():
                    parameter.clamp_(-self.loss.weight_clip, self.loss.weight_clip)
        value = loss.item()
        if abs(value) > CRITIC_LIMIT:
            self.critic_exploded = True
        return value

    def _generator_step(self) -> float:
        noise = sample_noise(self.config.batch_size, self.config.noise_dim, self.config.noise, self.rng)
        loss = self.loss.generator_loss(self.discriminator(self.generator(noise)))
        self.g_optimizer.zero_grad(set_to_none=True)
        loss.backward(inputs=self._generator_parameters)  # no gradients for D: it is not updated here
        self.g_optimizer.step()
        return loss.item()

    # ----- views -----

    def visuals(self, which: str = "all") -> GanFieldFrame | GanCurvesFrame:
        """The live view's frame (all cheap: ``which`` is ignored)."""
        with _evaluating(self.discriminator):
            return self._visuals_1d() if self.target.dim == 1 else self._visuals_2d()

    def _visuals_2d(self) -> GanFieldFrame:
        with torch.no_grad():
            fake = self.generator(self.fixed_noise[:SAMPLES_SHOWN])
            heatmap = self.loss.output(self.discriminator(self._grid)).reshape(HEATMAP_SIZE, HEATMAP_SIZE)
            manifold = None
            if self._manifold_noise is not None:
                lines = self._manifold_noise
                manifold = self.generator(lines.reshape(-1, lines.shape[-1])).reshape(*lines.shape[:2], -1).numpy()
        # Where the generator's loss pushes each generated point: -dL_G/dx (GAN Lab's arrows).
        points = fake[:ARROWS_SHOWN].clone().requires_grad_(True)
        (gradient,) = torch.autograd.grad(self.loss.generator_loss(self.discriminator(points)) * len(points), points)
        return GanFieldFrame(
            extent=self.target.extent,
            real=self.held_out[:SAMPLES_SHOWN],
            fake=fake.numpy(),
            discriminator=heatmap.numpy(),
            arrows=np.concatenate([points.detach().numpy(), -gradient.numpy()], axis=1),
            manifold=manifold,
            loss=self.loss.key,
        )

    def _visuals_1d(self) -> GanCurvesFrame:
        with torch.no_grad():
            x = torch.from_numpy(self._x_curve).float().unsqueeze(1)
            output = self.loss.output(self.discriminator(x)).numpy()
            samples = self.generator(self._curve_noise).numpy()[:, 0]
        q = _histogram_density(samples, self.target.extent, CURVE_POINTS)
        optimal = self.loss.optimal_output(self._p_curve, q)
        if optimal is not None:  # undefined where neither density has mass: left as a gap
            optimal = np.where(self._p_curve + q > 1e-2 * self._p_curve.max(), optimal, np.nan)
        return GanCurvesFrame(
            x=self._x_curve,
            real_density=self._p_curve,
            fake_density=q,
            discriminator=output,
            optimal=optimal,
            fake=samples[:SAMPLES_SHOWN],
            loss=self.loss.key,
        )


@contextlib.contextmanager
def _evaluating(module: torch.nn.Module):
    """Eval mode for a read-only pass, so that spectral normalization's power iteration (which
    runs on every forward in train mode) advances only on training steps: a run then depends on
    (config, seed) alone, not on how often the page drew it."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def _noise_grid(noise_dim: int, kind: str) -> torch.Tensor | None:
    """Lines of a grid in noise space (GAN Lab's generator manifold): shape (lines, points,
    noise_dim); None above 2 noise dimensions. Gaussian noise is gridded over +-2.5 std."""
    if noise_dim > 2:
        return None
    half = 2.5 if kind == "gaussian" else 1.0
    if noise_dim == 1:
        return torch.linspace(-half, half, MANIFOLD_POINTS_PER_LINE).reshape(1, -1, 1)
    return target_views.grid_lines(((-half, half), (-half, half)), MANIFOLD_LINES, MANIFOLD_POINTS_PER_LINE)


def _histogram_density(samples: np.ndarray, extent, points: int, blur: float = 2.0) -> np.ndarray:
    """A 1-D density estimate at the ``points`` curve positions: a histogram, lightly blurred."""
    lo, hi = extent
    width = (hi - lo) / (points - 1)
    counts, _ = np.histogram(samples, bins=points, range=(lo - width / 2, hi + width / 2))
    radius = int(3 * blur) + 1
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / blur) ** 2)
    counts = np.convolve(counts, kernel / kernel.sum(), mode="same")
    return counts / (len(samples) * width)


def load_generator(data: bytes) -> tuple[Generator, GanRunConfig]:
    """Rebuild a generator saved by :meth:`GanTrainingTask.generator_safetensors` (strict; the
    config comes from the file's safetensors metadata, nothing is unpickled)."""
    try:
        header_size = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_size])["__metadata__"]
        config = GanRunConfig(**json.loads(metadata["config"]))
        data_dim = int(metadata["data_dim"])
        tensors = load_safetensors(data)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, SafetensorError) as error:
        raise ValueError("This is not a generator saved by the GANs page.") from error
    generator = Generator(config.noise_dim, data_dim, config.generator_config)
    generator.load_state_dict(tensors, strict=True)
    return generator, config
