"""The update rules of the lecture notes ("Minimax optimization algorithm"), with step sizes alpha
(descent, theta) and beta (ascent, phi), and the two that fix the bilinear game's spiral:

* simultaneous GDA: phi+ = phi + beta g_phi(theta, phi),  theta+ = theta - alpha g_theta(theta, phi);
* alternating GDA: phi+ = phi + beta g_phi(theta, phi),  theta+ = theta - alpha g_theta(theta, phi+);
* multi-ascent-single-descent: n_dis ascent steps on phi, then one descent step on theta with the
  last phi (n_dis = 1 is alternating GDA);
* optimistic GDA (Daskalakis et al., "Training GANs with optimism", ICLR 2018):
  x+ = x -/+ step (2 g(x) - g(x_previous));
* extragradient (Korpelevich 1976): a look-ahead step x' = x -/+ step g(x), then x+ = x -/+ step g(x').

The verdict comes from the update map's Jacobian at the equilibrium (central differences, error
~1e-9; optimistic GDA's state carries the last gradients, so its map is 4-D): spectral radius
rho < 1 converges locally (the distance shrinks like rho^k), rho = 1 neither converges nor
diverges (cycles), rho > 1 diverges. On the bilinear game simultaneous GDA has eigenvalues
1 +/- i alpha (with alpha = beta), so the distance grows by sqrt(1 + alpha^2) a step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.minimax.games import Game

RULES = {
    "simultaneous": "simultaneous GDA",
    "alternating": "alternating GDA",
    "multi_ascent": "n_dis ascent steps, one descent",
    "optimistic": "optimistic GDA",
    "extragradient": "extragradient",
}
CYCLE_TOLERANCE = 1e-6


def step_map(game: Game, rule: str, alpha: float, beta: float, n_dis: int = 1) -> Callable[[tuple], tuple]:
    """One update as a map of the state: (theta, phi), or for optimistic GDA (theta, phi, g_theta, g_phi)
    with the previous step's gradients."""
    if rule not in RULES:
        raise ValueError(f"Unknown update rule {rule!r}; choose one of: {', '.join(RULES)}.")
    g = game.gradients

    def simultaneous(state):
        theta, phi = state
        g_theta, g_phi = g(theta, phi)
        return theta - alpha * g_theta, phi + beta * g_phi

    def multi_ascent(state, ascents=n_dis):
        theta, phi = state
        for _ in range(ascents):
            phi = phi + beta * g(theta, phi)[1]
        return theta - alpha * g(theta, phi)[0], phi

    def optimistic(state):
        theta, phi, last_theta, last_phi = state
        g_theta, g_phi = g(theta, phi)
        return theta - alpha * (2 * g_theta - last_theta), phi + beta * (2 * g_phi - last_phi), g_theta, g_phi

    def extragradient(state):
        theta, phi = state
        g_theta, g_phi = g(theta, phi)
        ahead_theta, ahead_phi = g(theta - alpha * g_theta, phi + beta * g_phi)
        return theta - alpha * ahead_theta, phi + beta * ahead_phi

    return {
        "simultaneous": simultaneous,
        "alternating": lambda s: multi_ascent(s, 1),
        "multi_ascent": multi_ascent,
        "optimistic": optimistic,
        "extragradient": extragradient,
    }[rule]


def iterate(
    game: Game, rule: str, alpha: float, beta: float, start: tuple[float, float], steps: int, n_dis: int = 1
) -> np.ndarray:
    """The iterates (theta_k, phi_k), k = 0 ... steps, shape (steps + 1, 2); once they overflow the
    rest are inf (a diverging run)."""
    update = step_map(game, rule, alpha, beta, n_dis)
    state = (*start, *game.gradients(*start)) if rule == "optimistic" else tuple(start)  # the first step has no past
    path = np.full((steps + 1, 2), np.inf)
    path[0] = start
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            try:
                state = update(state)
            except OverflowError:
                break
            if not (abs(state[0]) < 1e150 and abs(state[1]) < 1e150):
                break
            path[k] = state[:2]
    return path


def jacobian(game: Game, rule: str, alpha: float, beta: float, n_dis: int = 1, h: float = 1e-6) -> np.ndarray:
    """The update map's Jacobian at the equilibrium (0, 0) (optimistic: (0, 0, 0, 0)), by central differences."""
    update = step_map(game, rule, alpha, beta, n_dis)
    size = 4 if rule == "optimistic" else 2
    columns = []
    for i in range(size):
        e = np.zeros(size)
        e[i] = h
        columns.append((np.array(update(tuple(e))) - np.array(update(tuple(-e)))) / (2 * h))
    return np.stack(columns, axis=1)


def eigenvalues(game: Game, rule: str, alpha: float, beta: float, n_dis: int = 1) -> np.ndarray | None:
    """The Jacobian's eigenvalues at the equilibrium, or None where the game is not smooth there."""
    return np.linalg.eigvals(jacobian(game, rule, alpha, beta, n_dis)) if game.smooth_at_equilibrium else None


def verdict(eigenvalues: np.ndarray | None) -> tuple[float | None, str]:
    """(spectral radius rho, what it implies near the equilibrium)."""
    if eigenvalues is None:
        return None, "no verdict: the game is not differentiable at the equilibrium (watch the path)"
    rho = float(np.abs(eigenvalues).max())
    if rho < 1 - CYCLE_TOLERANCE:
        return rho, f"converges: the distance shrinks like ρᵏ = {rho:.4f}ᵏ near the equilibrium"
    if rho > 1 + CYCLE_TOLERANCE:
        return rho, f"diverges: the distance grows like ρᵏ = {rho:.4f}ᵏ near the equilibrium"
    return rho, "cycles: |λ| = 1, the iterates neither approach nor leave the equilibrium"


def distances(path: np.ndarray) -> np.ndarray:
    """Distance of each iterate to the equilibrium (0, 0)."""
    return np.hypot(path[:, 0], path[:, 1])
