"""Two-player games in the plane where everything is exact: the update rules of minimax
optimization, their iterates, and the eigenvalues that decide whether they converge."""
