"""The Minimax page's settings (everything its link reproduces) and what it computes from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.config import RunConfig, check_choice, check_ranges
from engine.minimax import dynamics
from engine.minimax.games import DIRAC_LOSSES, GAMES, REGULARIZERS, Game


@dataclass(frozen=True)
class MinimaxConfig(RunConfig):
    game: str = "bilinear"
    rule: str = "simultaneous"
    alpha: float = 0.1  # descent step (theta)
    beta: float = 0.1  # ascent step (phi)
    n_dis: int = 5  # ascent steps per descent step (multi_ascent)
    steps: int = 300
    theta0: float = 1.0
    phi0: float = 1.0
    mu: float = 0.3
    loss: str = "minimax"
    regularizer: str = "none"
    gamma: float = 1.0
    compare: bool = True  # every rule's path on the same picture

    def __post_init__(self):
        check_choice("game", self.game, GAMES)
        check_choice("update rule", self.rule, dynamics.RULES)
        check_choice("Dirac-GAN loss", self.loss, DIRAC_LOSSES)
        check_choice("regularizer", self.regularizer, REGULARIZERS)
        check_ranges(
            self,
            [
                ("alpha", 1e-4, 2.0),
                ("beta", 1e-4, 2.0),
                ("n_dis", 1, 20),
                ("steps", 1, 5000),
                ("theta0", -5, 5),
                ("phi0", -5, 5),
                ("mu", 0.0, 2.0),
                ("gamma", 0.0, 10.0),
            ],
        )
        if self.theta0 == 0 and self.phi0 == 0:
            raise ValueError("Start somewhere other than the equilibrium (0, 0): nothing would move.")

    def build_game(self) -> Game:
        return Game(self.game, mu=self.mu, loss=self.loss, regularizer=self.regularizer, gamma=self.gamma)

    def paths(self) -> dict[str, np.ndarray]:
        """The chosen rule's iterates, first, and with ``compare`` every other rule's."""
        rules = [self.rule, *(r for r in dynamics.RULES if r != self.rule)] if self.compare else [self.rule]
        game = self.build_game()
        return {
            rule: dynamics.iterate(game, rule, self.alpha, self.beta, (self.theta0, self.phi0), self.steps, self.n_dis)
            for rule in rules
        }
