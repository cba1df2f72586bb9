"""A race: the chosen contenders (:mod:`engine.arena.contenders`) trained on one 2-D target, each
for the same wall-clock budget, in turns of :data:`TURN_S` seconds given always to the contender
that has trained least (so all of them advance together, on the same core, under the same load),
and scored at every fifth of the budget (the scoring's time counts for no one).

The yardsticks, all on the same held-out samples (:func:`engine.targets.held_out.held_out_samples`, the
ones the Flows page scores on):

* ``nll`` and ``kl`` = NLL - H(p) on the first :data:`DENSITY_POINTS`: exact for the models with a
  density; for the VAE an upper bound (its IWAE bound); none for the GAN;
* ``w1``: exact Wasserstein-1 (POT) between :data:`W1_POINTS` samples and as many held-out ones;
* ``mmd``: unbiased MMD^2 with Gaussian kernels (:func:`engine.sample_metrics.mmd_squared`);
* on targets made of modes, ``modes`` captured and the ``high_quality`` share (VEEGAN, PacGAN);
* ``sample_ms``: milliseconds to draw 1,000 samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import metrics, sample_metrics
from engine.arena.contenders import CONTENDERS, Contender
from engine.config import RunConfig, check_choice, check_ranges
from engine.live.task import Frame
from engine.targets import CUSTOM_TARGET_KEYS, Target, target_keys
from engine.targets import views as target_views
from engine.targets.held_out import DENSITY_IMAGE_SIZE, held_out_samples

TURN_S = 0.025
CHECKPOINTS = 5
DENSITY_POINTS = 512
W1_POINTS = 400
MMD_POINTS = 500
SAMPLES_KEPT = 500  # per contender and checkpoint, for the side-by-side view and the replay
SAMPLE_SEED = 12345
BUDGETS = (5, 10, 20, 30, 60, 120)


@dataclass(frozen=True)
class ArenaConfig(RunConfig):
    """A race: its target, the budget per contender, who runs (comma-separated) and the seed."""

    target: str = "ring8"
    budget_s: int = 10
    contenders: str = ",".join(CONTENDERS)
    seed: int = 0
    max_steps: int = 200_000  # turns; a 120-s race of six needs ~29,000

    LIVE_FIELDS = ()

    def __post_init__(self):
        check_choice("2-D target", self.target, [*target_keys(2), *CUSTOM_TARGET_KEYS])
        names = self.names
        unknown = [name for name in names if name not in CONTENDERS]
        if unknown or not names or len(set(names)) != len(names):
            raise ValueError(f"Contenders must be some of {', '.join(CONTENDERS)}, each once; got {self.contenders!r}.")
        check_ranges(self, [("budget_s", 1, 600), ("seed", 0, 2**31 - 1), ("max_steps", 1, 1_000_000)])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.contenders.split(",") if name.strip())


@dataclass(frozen=True)
class Checkpoint:
    """The scores ({contender: {yardstick: value}}) and samples ({contender: (SAMPLES_KEPT, 2)}) at
    ``seconds`` of training each."""

    seconds: float
    scores: dict[str, dict[str, float]]
    samples: dict[str, np.ndarray]


@dataclass(frozen=True, kw_only=True)
class ArenaFrame(Frame):
    extent: tuple
    target_density: np.ndarray
    names: tuple[str, ...]
    budget_s: float
    trained_s: dict[str, float]
    steps: dict[str, int]
    record: tuple[Checkpoint, ...]


class ArenaTask:
    """The race as a live task: a train step is one contender's turn; it is ``finished`` once every
    contender has trained for the budget (see the module docstring)."""

    loss_names = ("training seconds, all contenders",)

    def __init__(self, config: ArenaConfig, target: Target, clock: Callable[[], float] = time.perf_counter):
        """``clock`` (seconds) times the turns and the budget; tests inject a fake one."""
        if target.dim != 2:
            raise ValueError(f"The Arena races on 2-D data; this target is {target.dim}-D.")
        self.config, self.target, self.clock = config, target, clock
        self.contenders = {name: Contender(name, target, config.seed) for name in config.names}
        self.held_out = held_out_samples(target, config.seed)
        self.held_out_log_p = target.log_prob(self.held_out[:DENSITY_POINTS]) if target.has_exact_density else None
        self.target_density = target_views.density_image(target, DENSITY_IMAGE_SIZE)
        self.trained_s = dict.fromkeys(self.contenders, 0.0)
        self.steps = dict.fromkeys(self.contenders, 0)
        self.record: list[Checkpoint] = [self.checkpoint()]

    @property
    def finished(self) -> str:
        if min(self.trained_s.values()) < self.config.budget_s:
            return ""
        return f"The race is over: every contender trained for {self.config.budget_s} s. Scrub through it with the replay slider."

    def train_step(self) -> float:
        name = min(self.trained_s, key=self.trained_s.get)
        contender, started = self.contenders[name], self.clock()
        while (elapsed := self.clock() - started) < TURN_S:
            contender.train_step()
            self.steps[name] += 1
        self.trained_s[name] += elapsed
        due = self.config.budget_s * len(self.record) / CHECKPOINTS
        if min(self.trained_s.values()) >= due:
            self.record.append(self.checkpoint())
        return sum(self.trained_s.values())

    def checkpoint(self) -> Checkpoint:
        scores, samples = {}, {}
        for name, contender in self.contenders.items():
            scores[name], samples[name] = self.score(contender)
        return Checkpoint(min(self.trained_s.values()), scores, samples)

    def score(self, contender: Contender) -> tuple[dict[str, float], np.ndarray]:
        """Every yardstick for one contender (see the module docstring), and the samples kept."""
        started = time.perf_counter()
        drawn = contender.sample(1000, SAMPLE_SEED)
        figures: dict[str, float] = {"sample_ms": 1000 * (time.perf_counter() - started)}
        points = drawn.numpy()
        figures["w1"] = sample_metrics.wasserstein1(self.held_out[:W1_POINTS].numpy(), points[:W1_POINTS])
        figures["mmd"] = sample_metrics.mmd_squared(self.held_out[:MMD_POINTS].numpy(), points[:MMD_POINTS])
        if self.target.modes is not None:
            stats = sample_metrics.mode_statistics(points, self.target.modes, self.target.mode_std)
            figures |= {
                "modes": stats["modes_captured"],
                "n_modes": stats["n_modes"],
                "high_quality": stats["high_quality"],
            }
        log_q = contender.log_density(self.held_out[:DENSITY_POINTS])
        if log_q is not None:
            figures |= metrics.held_out_figures(log_q, self.held_out_log_p)
        return figures, points[:SAMPLES_KEPT].astype(np.float32)

    def metrics(self) -> dict[str, float]:
        latest = self.record[-1]
        return {f"{name}/{key}": value for name, scores in latest.scores.items() for key, value in scores.items()} | {
            "seconds": min(self.trained_s.values())
        }

    def visuals(self, which: str = "all") -> ArenaFrame:
        return ArenaFrame(
            extent=self.target.extent,
            target_density=self.target_density,
            names=tuple(self.contenders),
            budget_s=float(self.config.budget_s),
            trained_s=dict(self.trained_s),
            steps=dict(self.steps),
            record=tuple(self.record),
        )

    def divergence_advice(self) -> str:
        return "A contender's loss became infinite: try another seed, or race without it."

    def state_dict(self) -> dict[str, Any]:
        return {
            "contenders": {name: c.state_dict() for name, c in self.contenders.items()},
            "trained_s": dict(self.trained_s),
            "steps": dict(self.steps),
            "record": list(self.record),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, contender in self.contenders.items():
            contender.load_state_dict(state["contenders"][name])
        self.trained_s, self.steps, self.record = dict(state["trained_s"]), dict(state["steps"]), list(state["record"])

    def apply_live_settings(self, config: ArenaConfig) -> None:
        """Nothing changes during a race (any other setting is a new race)."""


def winners(scores: dict[str, dict[str, float]]) -> dict[str, list[str]]:
    """Per yardstick, the contenders with the best value (lowest, or highest for modes and the
    high-quality share); the VAE's bound competes on NLL/KL as a bound (flagged on the page)."""
    best: dict[str, list[str]] = {}
    for key, higher_better in (
        ("kl", False),
        ("nll", False),
        ("w1", False),
        ("mmd", False),
        ("modes", True),
        ("high_quality", True),
        ("sample_ms", False),
    ):
        values = {name: s[key] for name, s in scores.items() if key in s and np.isfinite(s[key])}
        if values:
            top = max(values.values()) if higher_better else min(values.values())
            best[key] = [name for name, value in values.items() if value == top]
    return best


def score_race(
    config: ArenaConfig, target: Target, turns: int | None = None, clock: Callable[[], float] = time.perf_counter
) -> ArenaTask:
    """Run a whole race here (no live run): for the benchmark and the tests (``clock``: see ArenaTask)."""
    task = ArenaTask(config, target, clock)
    while not task.finished and (turns is None or turns > 0):
        task.train_step()
        turns = None if turns is None else turns - 1
    if task.finished and task.record[-1].seconds < config.budget_s:
        task.record.append(task.checkpoint())
    return task
