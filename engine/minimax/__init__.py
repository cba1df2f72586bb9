"""Two-player games in the plane where everything is exact: the update rules of minimax
optimization, their iterates, and the eigenvalues that decide whether they converge.

- :mod:`~engine.minimax.games`: the games, their gradients and equilibria;
- :mod:`~engine.minimax.dynamics`: the update rules and their Jacobians' eigenvalues;
- :mod:`~engine.minimax.explore`: the page's settings and what it computes;
- :mod:`~engine.minimax.views`: the field and paths, the distance, the eigenvalues.
"""
