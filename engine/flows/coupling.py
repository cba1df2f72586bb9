"""Coupling layers for 2-D flows: one coordinate conditions the other.

Lecture "Coupling flows": split x = (x^A, x^B), keep x^A and transform x^B with a
one-dimensional flow whose parameters psi = NN(x^A) come from a neural network (the
conditioner). The Jacobian is block-triangular, so log|det df/dx| = log|d f_hat / d x^B|.

- Additive coupling (NICE): L. Dinh, D. Krueger, Y. Bengio, "NICE: Non-linear Independent
  Components Estimation", ICLR Workshop 2015.
- Affine coupling (Real NVP): L. Dinh, J. Sohl-Dickstein, S. Bengio, "Density estimation
  using Real NVP", ICLR 2017.
- Rational-quadratic spline coupling: C. Durkan, A. Bekasov, I. Murray, G. Papamakarios,
  "Neural Spline Flows", NeurIPS 2019.

In 2-D, x^A and x^B are single coordinates; ``updates`` names the coordinate (0 or 1) that
is transformed, and successive layers alternate it. Each conditioner is ONE network that
emits every parameter of the 1-D transform (e.g. s and t together), and its last layer
starts at zero, so every coupling layer starts as the identity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.flows.spline import rational_quadratic_spline

ACTIVATIONS = {"relu": F.relu, "silu": F.silu, "tanh": torch.tanh}
DEFAULT_ACTIVATION = "relu"
COORD_NAMES = ("x1", "x2")


class ConditionerMLP(nn.Module):
    """Fully connected net psi(x^A): in_features -> [hidden] * hidden_layers -> out_features.

    The layers are ordinary ``nn.Linear`` modules (standard state_dict), but ``forward``
    applies them with ``F.linear`` directly to skip per-module call overhead; this matters
    for the small 2-D flows, where Python overhead dominates the arithmetic.
    The output layer is zero-initialised, so the coupling layer starts at the identity.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden: int = 64,
        hidden_layers: int = 2,
        activation: str = DEFAULT_ACTIVATION,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}.")
        sizes = [in_features] + [hidden] * hidden_layers
        self.hidden_linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.output_linear = nn.Linear(sizes[-1], out_features)
        nn.init.zeros_(self.output_linear.weight)
        nn.init.zeros_(self.output_linear.bias)
        self.activation_name = activation
        self._activation = ACTIVATIONS[activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        act = self._activation
        for layer in self.hidden_linears:
            h = act(F.linear(h, layer.weight, layer.bias))
        return F.linear(h, self.output_linear.weight, self.output_linear.bias)


class _Coupling2D(nn.Module):
    """Shared plumbing: pick the conditioning and updated coordinates, reassemble the output."""

    kind = "coupling"

    def __init__(self, updates: int, n_params: int, hidden: int, hidden_layers: int, activation: str) -> None:
        super().__init__()
        if updates not in (0, 1):
            raise ValueError(f"updates must be 0 or 1 (the coordinate to transform); got {updates}.")
        self.updates = updates
        self.conditions_on = 1 - updates
        self.conditioner = ConditionerMLP(1, n_params, hidden, hidden_layers, activation)

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c, u = self.conditions_on, self.updates
        return x[:, c : c + 1], x[:, u : u + 1]

    def _join(self, x_cond: torch.Tensor, x_upd: torch.Tensor) -> torch.Tensor:
        return torch.cat((x_upd, x_cond) if self.updates == 0 else (x_cond, x_upd), dim=1)

    def describe(self) -> str:
        return f"{self.kind} coupling, updates {COORD_NAMES[self.updates]} given {COORD_NAMES[self.conditions_on]}"


class AdditiveCoupling(_Coupling2D):
    """NICE additive coupling (Dinh et al. 2015).

    z^A = x^A,  z^B = x^B + t(x^A);  inverse x^B = z^B - t(z^A);  log|det df/dx| = 0.
    """

    kind = "additive"

    def __init__(
        self, updates: int, hidden: int = 64, hidden_layers: int = 2, activation: str = DEFAULT_ACTIVATION
    ) -> None:
        super().__init__(updates, 1, hidden, hidden_layers, activation)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x_cond, x_upd = self._split(x)
        z_upd = x_upd + self.conditioner(x_cond)
        return self._join(x_cond, z_upd), x.new_zeros(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        z_cond, z_upd = self._split(z)
        return self._join(z_cond, z_upd - self.conditioner(z_cond))


class AffineCoupling(_Coupling2D):
    """Real NVP affine coupling (Dinh et al. 2017).

    z^A = x^A,  z^B = x^B * exp(s(x^A)) + t(x^A);  inverse x^B = (z^B - t(z^A)) * exp(-s(z^A));
    log|det df/dx| = s(x^A).

    s and t come out of one conditioner (2 outputs). For stability the log-scale is softly
    clamped: s = bound * tanh(raw_s / bound), so |s| < bound (default 3, a factor e^3 ~ 20
    per layer) while s ~ raw_s for small values. A fixed bound keeps the parameter count,
    and hence the optimiser's per-tensor overhead, low.
    """

    kind = "affine"

    def __init__(
        self,
        updates: int,
        hidden: int = 64,
        hidden_layers: int = 2,
        activation: str = DEFAULT_ACTIVATION,
        log_scale_bound: float = 3.0,
    ) -> None:
        super().__init__(updates, 2, hidden, hidden_layers, activation)
        self.log_scale_bound = float(log_scale_bound)

    def _scale_shift(self, x_cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        params = self.conditioner(x_cond)
        bound = self.log_scale_bound
        log_scale = bound * torch.tanh(params[:, :1] * (1.0 / bound))
        return log_scale, params[:, 1:]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x_cond, x_upd = self._split(x)
        log_scale, shift = self._scale_shift(x_cond)
        z_upd = torch.addcmul(shift, x_upd, torch.exp(log_scale))
        return self._join(x_cond, z_upd), log_scale.squeeze(1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        z_cond, z_upd = self._split(z)
        log_scale, shift = self._scale_shift(z_cond)
        return self._join(z_cond, (z_upd - shift) * torch.exp(-log_scale))


class SplineCoupling(_Coupling2D):
    """Rational-quadratic spline coupling (Durkan et al. 2019, Neural Spline Flows).

    z^A = x^A,  z^B = RQS(x^B; widths, heights, derivatives = NN(x^A)), a monotone
    rational-quadratic spline with ``n_bins`` bins on [-tail_bound, tail_bound] and the
    identity outside; log|det df/dx| = log RQS'(x^B). See ``rational_quadratic_spline``.
    The conditioner emits 3K - 1 numbers: K widths, K heights, K - 1 interior slopes.
    """

    kind = "spline"

    def __init__(
        self,
        updates: int,
        hidden: int = 64,
        hidden_layers: int = 2,
        n_bins: int = 8,
        tail_bound: float = 5.0,
        activation: str = DEFAULT_ACTIVATION,
    ) -> None:
        super().__init__(updates, 3 * n_bins - 1, hidden, hidden_layers, activation)
        self.n_bins = n_bins
        self.tail_bound = float(tail_bound)

    def _spline(self, x_cond: torch.Tensor, x_upd: torch.Tensor, inverse: bool) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.n_bins
        params = self.conditioner(x_cond)
        y, logabsdet = rational_quadratic_spline(
            x_upd.squeeze(1),
            params[:, :k],
            params[:, k : 2 * k],
            params[:, 2 * k :],
            inverse=inverse,
            tail_bound=self.tail_bound,
        )
        return y.unsqueeze(1), logabsdet

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x_cond, x_upd = self._split(x)
        z_upd, logdet = self._spline(x_cond, x_upd, inverse=False)
        return self._join(x_cond, z_upd), logdet

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        z_cond, z_upd = self._split(z)
        x_upd, _ = self._spline(z_cond, z_upd, inverse=True)
        return self._join(z_cond, x_upd)

    def describe(self) -> str:
        return f"{super().describe()}, {self.n_bins} bins"


class DiagonalScaling(nn.Module):
    """NICE's final diagonal scaling layer (Dinh et al. 2015, Sec. 3.3).

    z = x * exp(log_s) (per dimension);  inverse x = z * exp(-log_s);
    log|det df/dx| = sum_i log_s_i (the same for every sample).
    Without it, a NICE flow of additive couplings is volume preserving.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = x * torch.exp(self.log_scale)
        return z, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.exp(-self.log_scale)

    def describe(self) -> str:
        return "diagonal scaling"
