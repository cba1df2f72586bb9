"""Normalizing flows (lecture "Flow models"): 1-D CDF flows, NICE, Real NVP, Glow and neural spline flows.

- layers: :mod:`~engine.flows.base` (the Flow container), :mod:`~engine.flows.coupling`,
  :mod:`~engine.flows.glow`, :mod:`~engine.flows.one_d`, :mod:`~engine.flows.spline`; each
  ``forward(x) -> (z, logdet)`` and ``inverse(z) -> x``;
- :mod:`~engine.flows.models`: :class:`FlowConfig` and :func:`build_flow`;
- :mod:`~engine.flows.task`: the live training task, its run config and exports;
- :mod:`~engine.flows.views`: frames -> images and charts;
- :mod:`~engine.flows.warmup`: one small flow stepped in the trainers' fork server, so that trainers start warm.

Usage::

    from engine.flows import FlowConfig, build_flow
    flow = build_flow(FlowConfig(dim=2, flow_type="realnvp", n_layers=8), seed=0)
    loss = -flow.log_prob(x).mean()
    samples = flow.sample(1000, generator=torch.Generator().manual_seed(0))
"""

from engine.flows.base import Flow
from engine.flows.coupling import AdditiveCoupling, AffineCoupling, ConditionerMLP, DiagonalScaling, SplineCoupling
from engine.flows.glow import ActNorm, InvertibleLinear
from engine.flows.models import FLOW_TYPES, FlowConfig, FlowTypeInfo, build_flow, flow_types_for
from engine.flows.one_d import AffineLayer1D, MixtureCDFLayer
from engine.flows.spline import rational_quadratic_spline

__all__ = [
    "FLOW_TYPES",
    "ActNorm",
    "AdditiveCoupling",
    "AffineCoupling",
    "AffineLayer1D",
    "ConditionerMLP",
    "DiagonalScaling",
    "Flow",
    "FlowConfig",
    "FlowTypeInfo",
    "InvertibleLinear",
    "MixtureCDFLayer",
    "SplineCoupling",
    "build_flow",
    "flow_types_for",
    "rational_quadratic_spline",
]
