"""The Arena: every contender trains for the same budget in fair turns, is scored on the same
held-out samples, and the race ends by itself; the yardsticks pick the right winners."""

import math

import numpy as np
import pytest
import torch

from engine.arena import task as race
from engine.arena.contenders import CONTENDERS, Contender
from engine.arena.task import ArenaConfig, ArenaTask, score_race, winners
from engine.live import LiveRun
from engine.live.task import FINISHED
from engine.sample_metrics import mmd_squared
from engine.targets import make_target
from engine.targets.held_out import held_out_samples


class PerfectContender(Contender):
    """Samples the target itself and knows its exact density: KL 0, W1 at the floor."""

    def __init__(self, target, seed):
        self.name, self.target, self.seed = "flow", target, seed
        self.seen: list[torch.Tensor] = []

    def train_step(self):
        pass

    def sample(self, n, seed):
        return self.target.sample(n, torch.Generator().manual_seed(seed))

    def log_density(self, x):
        self.seen.append(x.clone())
        return self.target.log_prob(x)


def test_every_contender_trains_samples_and_scores_on_the_same_held_out_set(monkeypatch):
    seen = {}
    original = Contender.log_density

    def recording(self, x):
        log_q = original(self, x)
        if log_q is not None:
            seen[self.name] = x.clone()
        return log_q

    monkeypatch.setattr(Contender, "log_density", recording)
    target = make_target("ring8")
    task = ArenaTask(ArenaConfig(budget_s=1), target)
    expected = held_out_samples(target, 0)[: race.DENSITY_POINTS]
    assert set(seen) == set(CONTENDERS) - {"gan"}, "every model with a density is scored (the GAN has none)"
    for name, x in seen.items():
        torch.testing.assert_close(x, expected, msg=f"{name} scored on other samples")
    for name, scores in task.record[0].scores.items():
        assert {"w1", "mmd", "modes", "high_quality", "sample_ms"} <= set(scores), name
        assert ("kl" in scores) == (name != "gan")
        assert (
            task.record[0].samples[name].shape == (race.SAMPLES_KEPT, 2)
            and np.isfinite(task.record[0].samples[name]).all()
        )


class FakeClock:
    """Seconds that pass only when a contender steps, each contender's step at its own cost."""

    def __init__(self, costs: dict[str, float]):
        self.now, self.costs = 0.0, costs

    def __call__(self) -> float:
        return self.now

    def stepping(self, original):
        def train_step(contender):
            original(contender)
            self.now += self.costs[contender.name]

        return train_step


def test_a_race_shares_the_budget_fairly_checkpoints_it_and_finishes(monkeypatch):
    # flow and GAN steps outlast a turn, RNADE's take two a turn: the turns still even them out
    clock = FakeClock({"flow": 0.1, "gan": 0.07, "rnade": 0.03})
    monkeypatch.setattr(Contender, "train_step", clock.stepping(Contender.train_step))
    monkeypatch.setattr(race, "TURN_S", 0.05)
    task = score_race(ArenaConfig(budget_s=1, contenders="flow,gan,rnade"), make_target("ring8"), clock=clock)
    assert task.finished and "1 s" in task.finished
    for name, seconds in task.trained_s.items():
        cost = clock.costs[name]
        turn = math.ceil(race.TURN_S / cost - 1e-9) * cost  # a turn: steps until TURN_S has passed
        assert 1.0 <= seconds < 1.0 + turn + 1e-9, f"{name} trained {seconds:.2f} s"  # one turn too many at most
        assert task.steps[name] == round(seconds / cost) > 5  # every second trained is a step taken
    times = [c.seconds for c in task.record]
    assert times[0] == 0 and times == sorted(times) and len(task.record) == race.CHECKPOINTS + 1 and times[-1] >= 1.0
    assert task.record[-1].scores["rnade"]["kl"] < task.record[0].scores["rnade"]["kl"], "training lowers the KL"


def test_a_live_race_stops_by_itself_with_the_tasks_message(monkeypatch):
    clock = FakeClock({"rnade": 0.02})
    monkeypatch.setattr(Contender, "train_step", clock.stepping(Contender.train_step))
    monkeypatch.setattr(race, "TURN_S", 0.05)
    config = ArenaConfig(budget_s=1, contenders="rnade")
    run = LiveRun(lambda: ArenaTask(config, make_target("ring8"), clock), max_steps=config.max_steps)
    run.step(400)
    assert run.snapshot.state == FINISHED and "race is over" in run.snapshot.message
    assert len(run.snapshot.visuals.record) == race.CHECKPOINTS + 1


def test_a_perfect_contender_scores_at_the_floor_and_wins():
    target = make_target("grid25")
    task = ArenaTask(ArenaConfig(target="grid25", budget_s=1, contenders="gan"), target)
    perfect, gan = task.score(PerfectContender(target, 0))[0], task.record[0].scores["gan"]
    assert (
        abs(perfect["kl"]) < 1e-9 and perfect["w1"] < 0.3 and perfect["modes"] == 25 and perfect["high_quality"] > 0.95
    )
    assert winners({"perfect": perfect, "gan": gan}) | {"sample_ms": None} == {
        "kl": ["perfect"],
        "nll": ["perfect"],
        "w1": ["perfect"],
        "mmd": ["perfect"],
        "modes": ["perfect"],
        "high_quality": ["perfect"],
        "sample_ms": None,
    }


def test_mmd_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    assert abs(mmd_squared(a, b)) < 0.01 < mmd_squared(a, b + 0.5) < mmd_squared(a, b + 2.0)
    assert mmd_squared(a, np.full((5, 2), np.nan)) == np.inf


@pytest.mark.parametrize(
    "settings",
    [
        {"contenders": ""},
        {"contenders": "flow,flow"},
        {"contenders": "flow,bogus"},
        {"budget_s": 0},
        {"target": "bimodal_1d"},
    ],
)
def test_bad_race_settings_are_refused_with_a_sentence(settings):
    with pytest.raises(ValueError):
        ArenaConfig(**settings)


def test_the_vae_contender_samples_and_its_iwae_bound_is_tighter_than_its_elbo():
    target = make_target("ring8")
    vae = Contender("vae", target, 0)
    for _ in range(300):
        vae.train_step()
    x = held_out_samples(target, 0)[:256]
    generator = torch.Generator().manual_seed(1)
    elbo = torch.stack([vae.task.model.iwae(x, 1, generator) for _ in range(100)]).mean()  # L_1 is the ELBO
    iwae = vae.log_density(x).mean()
    assert iwae > elbo, "the IWAE bound with k = 256 is tighter than the ELBO"
    assert np.isfinite(vae.sample(100, 0).numpy()).all()
