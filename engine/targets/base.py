"""The :class:`Target` interface shared by every toy data distribution.

A target is a distribution over R^1 or R^2 that a generative model learns from samples and, when
the target has a closed-form density, against which exact metrics (KL, NLL under the truth) are
computed. Sampling uses only torch's RNG with the caller's ``torch.Generator``, so a seed
reproduces the data.
"""

from __future__ import annotations

import math

import numpy as np
import torch

MAX_SAMPLES = 10_000_000
NO_DENSITY_NOTE = "No closed-form density: the heatmap is a histogram of 200,000 samples and only NLL is reported."


def check_sample_count(n: int) -> int:
    """Validate a sample count: an integer between 0 and ``MAX_SAMPLES``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"The number of samples must be a whole number; got {n!r}.")
    n = int(n)
    if n < 0 or n > MAX_SAMPLES:
        raise ValueError(f"The number of samples must be between 0 and {MAX_SAMPLES:,}; got {n:,}.")
    return n


def as_query(x, dim: int) -> tuple[torch.Tensor, torch.dtype]:
    """Points to evaluate a density at, as a float64 (float32 on MPS) tensor of shape (n, dim).

    Returns the tensor and the dtype the result should be given back in (float64 stays float64,
    everything else comes back float32). Gradients flow through, so ``log_prob`` can be used as
    a differentiable loss (reverse KL).
    """
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(np.asarray(x, dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise ValueError(f"log_prob expects numbers of shape (n, {dim}).") from error
    out_dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    if dim == 1 and x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"log_prob expects points of shape (n, {dim}); got shape {tuple(x.shape)}.")
    compute_dtype = torch.float32 if x.device.type == "mps" else torch.float64
    return x.to(compute_dtype), out_dtype


class Target:
    """A toy data distribution: ``sample`` always, ``log_prob`` when the density is exact.

    Attributes:
        key: registry key, e.g. ``"ring8"``.
        label: human name, e.g. ``"Ring of 8 Gaussians"``.
        dim: 1 or 2.
        extent: plotting box containing ~all the mass with a margin; 2D
            ``((xmin, xmax), (ymin, ymax))``, 1D ``(xmin, xmax)``.
        has_exact_density: whether ``log_prob`` is available (and exact).
        density_note: one sentence for the page saying what the density display shows.
        modes: ``None``, or for a mixture of equally wide isotropic Gaussians a float64 numpy
            array (K, dim) of the component means (the "modes" that mode-collapse metrics count).
        mode_std: ``None``, or the common per-axis standard deviation of those components.

    Subclasses implement ``_sample(n, generator) -> float64 tensor (n, dim)`` and, when
    ``has_exact_density``, ``_log_prob(x) -> (n,)`` on a float64 tensor of shape (n, dim).
    """

    key: str = ""
    label: str = ""
    dim: int = 2
    extent: tuple = ()
    has_exact_density: bool = False
    density_note: str = NO_DENSITY_NOTE
    modes: np.ndarray | None = None
    mode_std: float | None = None

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples as a float32 tensor of shape (n, dim), deterministic given ``generator``."""
        n = check_sample_count(n)
        if n == 0:
            return torch.zeros(0, self.dim, dtype=torch.float32)
        return self._sample(n, generator).reshape(n, self.dim).to(torch.float32)

    def log_prob(self, x) -> torch.Tensor:
        """Exact log-density at each row of ``x`` (shape (n, dim); (n,) also accepted in 1D).

        Raises NotImplementedError for targets without a closed-form density.
        """
        if not self.has_exact_density:
            raise NotImplementedError(f"The {self.label} target has no closed-form density; use samples instead.")
        q, out_dtype = as_query(x, self.dim)
        if q.shape[0] == 0:
            return torch.zeros(0, dtype=out_dtype, device=q.device)
        return self._log_prob(q).to(out_dtype)

    def prob(self, x) -> torch.Tensor:
        """Exact density ``exp(log_prob(x))``."""
        return self.log_prob(x).exp()

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r}, label={self.label!r}, dim={self.dim})"


LOG_2PI = math.log(2.0 * math.pi)
