"""The f-divergence table: f, f', the convex conjugate f* and the f-GAN output activation of each.

D_f(p‖q) = E_q f(p(x)/q(x)) for convex f with f(1) = 0 (lecture "Divergences"; Nowozin et al.
2016, "f-GAN", Tables 1 and 2). Shared by two families, so it belongs to neither: the Divergences
page measures and estimates with it; the GANs page's f-GAN losses
(:class:`engine.gans.losses.FGanLoss`) train with it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

LOG2 = math.log(2.0)


def _elementwise(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[Any], Any]:
    """Make a torch element-wise function accept numpy arrays too (computed in float64 and
    returned as numpy); tensors go through unchanged, keeping autograd."""

    @functools.wraps(fn)
    def wrapper(x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return fn(x)
        return fn(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()

    return wrapper


def _xlogx(u: torch.Tensor) -> torch.Tensor:
    """u log u with 0 log 0 = 0 (nan for u < 0)."""
    return torch.special.xlogy(u, u)


# ---------------------------------------------------------------------------------------------
# f-divergences (Nowozin et al. 2016, Tables 1 and 2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FDivergence:
    """An f-divergence D_f(p‖q) = E_q f(p(x)/q(x)) with what an f-GAN needs to estimate it.

    Variational bound (Nowozin et al. 2016, eq. 4): D_f(p‖q) ≥ sup_T E_p T(x) − E_q f*(T(x)),
    with equality at T*(x) = f'(p(x)/q(x)). The network's raw score v is mapped into the domain
    of f* by the output activation T = g_f(v).

    ``f``, ``f_prime``, ``conjugate``, ``output_activation`` and ``conjugate_of_output`` accept a
    numpy array (computed in float64, warnings silenced) or a torch tensor (differentiable).
    ``conjugate`` returns +inf outside its domain; ``conjugate_of_output(v)`` = f*(g_f(v)) in a
    numerically stable closed form (use it for training).
    """

    key: str
    label: str
    f: Callable[[Any], Any]
    f_prime: Callable[[Any], Any]
    conjugate: Callable[[Any], Any]
    output_activation: Callable[[Any], Any]
    conjugate_of_output: Callable[[Any], Any]
    conjugate_domain_note: str
    f_formula: str
    conjugate_formula: str
    output_activation_formula: str
    divergence_formula: str


def _inf_outside(inside: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    return torch.where(inside, value, math.inf)


F_DIVERGENCES: dict[str, FDivergence] = {
    "kl": FDivergence(
        key="kl",
        label="Kullback–Leibler",
        f=_elementwise(lambda u: _xlogx(u)),
        f_prime=_elementwise(lambda u: 1.0 + torch.log(u)),
        conjugate=_elementwise(lambda t: torch.exp(t - 1.0)),
        output_activation=_elementwise(lambda v: v),
        conjugate_of_output=_elementwise(lambda v: torch.exp(v - 1.0)),
        conjugate_domain_note="f*(t) = exp(t − 1) is finite for every t ∈ ℝ.",
        f_formula="f(u) = u log u",
        conjugate_formula="f*(t) = exp(t − 1)",
        output_activation_formula="g_f(v) = v",
        divergence_formula="D_f(p‖q) = KL(p‖q) = E_p log(p/q)",
    ),
    "reverse_kl": FDivergence(
        key="reverse_kl",
        label="Reverse KL",
        f=_elementwise(lambda u: -torch.log(u)),
        f_prime=_elementwise(lambda u: -1.0 / u),
        conjugate=_elementwise(lambda t: _inf_outside(t < 0, -1.0 - torch.log(-t))),
        output_activation=_elementwise(lambda v: -torch.exp(-v)),
        conjugate_of_output=_elementwise(lambda v: v - 1.0),
        conjugate_domain_note="f*(t) = −1 − log(−t) needs t < 0; g_f(v) = −exp(−v) is always negative.",
        f_formula="f(u) = −log u",
        conjugate_formula="f*(t) = −1 − log(−t)",
        output_activation_formula="g_f(v) = −exp(−v)",
        divergence_formula="D_f(p‖q) = KL(q‖p) = E_q log(q/p)",
    ),
    "js": FDivergence(
        key="js",
        label="Jensen–Shannon",
        f=_elementwise(lambda u: -(u + 1.0) * torch.log((1.0 + u) / 2.0) + _xlogx(u)),
        f_prime=_elementwise(lambda u: LOG2 + torch.log(u) - torch.log(1.0 + u)),
        conjugate=_elementwise(lambda t: _inf_outside(t < LOG2, -torch.log(2.0 - torch.exp(t)))),
        output_activation=_elementwise(lambda v: LOG2 - F.softplus(-v)),
        conjugate_of_output=_elementwise(lambda v: F.softplus(v) - LOG2),
        conjugate_domain_note="f*(t) = −log(2 − exp t) needs t < log 2; g_f(v) = log 2 − log(1 + e^(−v)) stays below log 2.",
        f_formula="f(u) = −(u + 1) log((1 + u)/2) + u log u",
        conjugate_formula="f*(t) = −log(2 − exp t)",
        output_activation_formula="g_f(v) = log 2 − log(1 + exp(−v))",
        divergence_formula="D_f(p‖q) = KL(p‖m) + KL(q‖m) = 2·JSD(p‖q), m = (p + q)/2",
    ),
    "pearson": FDivergence(
        key="pearson",
        label="Pearson χ²",
        f=_elementwise(lambda u: (u - 1.0) ** 2),
        f_prime=_elementwise(lambda u: 2.0 * (u - 1.0)),
        conjugate=_elementwise(lambda t: t * t / 4.0 + t),
        output_activation=_elementwise(lambda v: v),
        conjugate_of_output=_elementwise(lambda v: v * v / 4.0 + v),
        conjugate_domain_note="f*(t) = t²/4 + t is finite for every t ∈ ℝ.",
        f_formula="f(u) = (u − 1)²",
        conjugate_formula="f*(t) = t²/4 + t",
        output_activation_formula="g_f(v) = v",
        divergence_formula="D_f(p‖q) = E_q (p/q − 1)² = ∫ (p − q)²/q",
    ),
    "hellinger": FDivergence(
        key="hellinger",
        label="Squared Hellinger",
        f=_elementwise(lambda u: (torch.sqrt(u) - 1.0) ** 2),
        f_prime=_elementwise(lambda u: 1.0 - 1.0 / torch.sqrt(u)),
        conjugate=_elementwise(lambda t: _inf_outside(t < 1, t / (1.0 - t))),
        output_activation=_elementwise(lambda v: -torch.expm1(-v)),
        conjugate_of_output=_elementwise(lambda v: torch.expm1(v)),
        conjugate_domain_note="f*(t) = t/(1 − t) needs t < 1; g_f(v) = 1 − exp(−v) stays below 1.",
        f_formula="f(u) = (√u − 1)²",
        conjugate_formula="f*(t) = t/(1 − t)",
        output_activation_formula="g_f(v) = 1 − exp(−v)",
        divergence_formula="D_f(p‖q) = ∫ (√p − √q)²",
    ),
    "tv": FDivergence(
        key="tv",
        label="Total variation",
        f=_elementwise(lambda u: 0.5 * torch.abs(u - 1.0)),
        f_prime=_elementwise(lambda u: torch.where(u.isnan(), u, 0.5 * torch.sign(u - 1.0))),  # torch: sign(nan) = 0
        conjugate=_elementwise(lambda t: _inf_outside(torch.abs(t) <= 0.5, t)),
        output_activation=_elementwise(lambda v: 0.5 * torch.tanh(v)),
        conjugate_of_output=_elementwise(lambda v: 0.5 * torch.tanh(v)),
        conjugate_domain_note="f*(t) = t needs |t| ≤ ½; g_f(v) = ½ tanh v stays in (−½, ½).",
        f_formula="f(u) = ½ |u − 1|",
        conjugate_formula="f*(t) = t",
        output_activation_formula="g_f(v) = ½ tanh v",
        divergence_formula="D_f(p‖q) = ½ ∫ |p − q|",
    ),
}
"""The f-divergences of the f-GAN family, keyed by short name (Nowozin et al. 2016, Table 2).

Each ``f`` is the generator function exactly as in the paper's table, so D_f = E_q f(p/q) is
the divergence in ``divergence_formula``. Note: for Jensen–Shannon the paper's Table 1 writes
½∫(…) in front of the integral, but its f gives twice that, i.e. KL(p‖m) + KL(q‖m) = 2·JSD; we
follow f (and the conjugate that goes with it).
"""


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------
