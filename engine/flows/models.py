"""The flow model: its validated architecture (:class:`FlowConfig`) and :func:`build_flow`.

Notation (lecture "Flow models"): the flow f maps data x to latent z (the normalizing
direction) and p_x(x) = p_z(f(x)) |det df/dx| with p_z = N(0, I).

Usage::

    from engine.flows import FlowConfig, build_flow
    flow = build_flow(FlowConfig(dim=2, flow_type="realnvp", n_layers=8), seed=0)
    loss = -flow.log_prob(x).mean()
    samples = flow.sample(1000, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.config import check_range, seeded
from engine.flows.base import Flow
from engine.flows.coupling import AdditiveCoupling, AffineCoupling, DiagonalScaling, SplineCoupling
from engine.flows.glow import ActNorm, InvertibleLinear
from engine.flows.one_d import AffineLayer1D, MixtureCDFLayer


@dataclass(frozen=True)
class FlowTypeInfo:
    """What the page shows about a flow type."""

    label: str
    description: str
    dims: tuple[int, ...]


FLOW_TYPES: dict[str, FlowTypeInfo] = {
    "cdf": FlowTypeInfo(
        "Mixture-CDF flow",
        "z = Phi^-1(F(x)) with F a learned mixture-of-logistics CDF: universality of 1-D flows "
        "via the CDF. One layer models exactly a logistic mixture.",
        (1,),
    ),
    "affine": FlowTypeInfo(
        "Affine flow (one Gaussian)",
        "z = (x - b) / s: a single Gaussian, the baseline that cannot fit two modes.",
        (1,),
    ),
    "nice": FlowTypeInfo(
        "NICE",
        "Additive coupling layers z_B = x_B + t(x_A) (volume preserving) and a final diagonal "
        "scaling layer (Dinh et al. 2015).",
        (2,),
    ),
    "realnvp": FlowTypeInfo(
        "Real NVP",
        "Affine coupling layers z_B = x_B * exp(s(x_A)) + t(x_A) (Dinh et al. 2017).",
        (2,),
    ),
    "glow": FlowTypeInfo(
        "Glow",
        "Steps of ActNorm -> invertible linear map (LU) -> affine coupling (Kingma & Dhariwal 2018).",
        (2,),
    ),
    "spline": FlowTypeInfo(
        "Neural spline flow",
        "Coupling layers with monotone rational-quadratic splines on [-B, B], identity outside (Durkan et al. 2019).",
        (2,),
    ),
}


@dataclass(frozen=True)
class FlowConfig:
    """Validated architecture of a flow; ``build_flow`` turns it into a model.

    Fields:
        dim: data dimension, 1 or 2.
        flow_type: 2-D: "nice", "realnvp", "glow", "spline"; 1-D: "cdf", "affine" (see FLOW_TYPES).
        n_layers: coupling layers (nice, realnvp, spline), Glow steps (glow) or mixture-CDF
            layers (cdf); 1..32. Ignored by "affine" (affine maps compose to one affine map).
        hidden: conditioner network width, 8..512 (2-D flows).
        hidden_layers: conditioner hidden layers, 1..4 (2-D flows).
        n_bins: spline bins K per coupling layer, 2..64 ("spline" only).
        components: logistic components K per mixture-CDF layer, 1..64 ("cdf" only).
        tail_bound: spline box half-width B, 1..20; the spline is the identity outside [-B, B].
    """

    dim: int = 2
    flow_type: str = "realnvp"
    n_layers: int = 8
    hidden: int = 64
    hidden_layers: int = 2
    n_bins: int = 8
    components: int = 8
    tail_bound: float = 5.0

    def __post_init__(self) -> None:
        if isinstance(self.dim, bool) or not isinstance(self.dim, int) or self.dim not in (1, 2):
            raise ValueError(f"dim must be 1 or 2; got {self.dim!r}.")
        if self.flow_type not in FLOW_TYPES:
            raise ValueError(f"flow_type must be one of {', '.join(FLOW_TYPES)}; got {self.flow_type!r}.")
        info = FLOW_TYPES[self.flow_type]
        if self.dim not in info.dims:
            fitting = [name for name, other in FLOW_TYPES.items() if self.dim in other.dims]
            choices = " or ".join(repr(name) for name in fitting)
            raise ValueError(
                f"flow_type {self.flow_type!r} needs {info.dims[0]}-D data; pick {choices} for a {self.dim}-D target."
            )
        for name, low, high in [
            ("n_layers", 1, 32),
            ("hidden", 8, 512),
            ("hidden_layers", 1, 4),
            ("n_bins", 2, 64),
            ("components", 1, 64),
        ]:
            check_range(name, getattr(self, name), low, high, whole=True)
        check_range("tail_bound", self.tail_bound, 1, 20)


def build_flow(config: FlowConfig, seed: int | None = None) -> Flow:
    """Build the flow described by ``config`` (float32, CPU; move it with ``.to(device)``).

    Layers alternate which coordinate they update (x2 first). With ``seed`` the random
    initialisation is reproducible and the global torch RNG is left untouched (see
    :func:`engine.config.seeded`); without it the global RNG is used.
    """
    if seed is None:
        return _build(config)
    with seeded(seed):
        return _build(config)


def _build(c: FlowConfig) -> Flow:
    layers: list[torch.nn.Module]
    if c.flow_type == "cdf":
        layers = [MixtureCDFLayer(c.components) for _ in range(c.n_layers)]
    elif c.flow_type == "affine":
        layers = [AffineLayer1D()]
    elif c.flow_type == "nice":
        layers = [AdditiveCoupling(1 - i % 2, c.hidden, c.hidden_layers) for i in range(c.n_layers)]
        layers.append(DiagonalScaling(c.dim))
    elif c.flow_type == "realnvp":
        layers = [AffineCoupling(1 - i % 2, c.hidden, c.hidden_layers) for i in range(c.n_layers)]
    elif c.flow_type == "glow":
        layers = []
        for i in range(c.n_layers):
            layers += [ActNorm(c.dim), InvertibleLinear(c.dim), AffineCoupling(1 - i % 2, c.hidden, c.hidden_layers)]
    elif c.flow_type == "spline":
        layers = [
            SplineCoupling(1 - i % 2, c.hidden, c.hidden_layers, c.n_bins, c.tail_bound) for i in range(c.n_layers)
        ]
    else:  # unreachable: FlowConfig validates flow_type
        raise ValueError(f"Unknown flow_type {c.flow_type!r}.")
    return Flow(layers, c.dim)


def flow_types_for(dim: int) -> list[str]:
    """The flow types that model ``dim``-dimensional data."""
    return [key for key, info in FLOW_TYPES.items() if dim in info.dims]
