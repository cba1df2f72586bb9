"""Streamlit pieces of the Flows page (not a page itself): its metrics row and live views."""

from __future__ import annotations

import streamlit as st

from app_ui.live_frame import cached_render, frame_image, nats, step_counters, training_curves
from engine import live
from engine.flows import views as flow_views
from engine.flows.task import FlowFrame1D


def metrics_row(snapshot: live.Snapshot) -> None:
    """Step, speed, held-out NLL and, where the target has a density, KL(p‖q) and its floor H(p)."""
    metrics = snapshot.metrics
    cols = st.columns(5)
    step_counters(snapshot, cols, f"Learning rate now {metrics.get('learning_rate', float('nan')):.2g}.")
    cols[2].metric("Held-out NLL", nats(metrics.get("nll")), help="−mean log q(x) on 4,096 held-out samples.")
    if "entropy" not in metrics:
        cols[3].metric("KL(p‖q)", "n/a", help="This target has no closed-form density, so only NLL is shown.")
        return
    cols[3].metric(
        "KL(p‖q)",
        nats(metrics.get("kl")),
        help=f"E_p[log p − log q], Monte Carlo on held-out samples (± {metrics['kl_se']:.3f}).",
    )
    cols[4].metric(
        "Floor H(p)",
        nats(metrics["entropy"]),
        help=f"The lowest NLL any model can reach: −mean log p(x) on the same held-out samples "
        f"(± {metrics['entropy_se']:.3f}), so NLL − H(p) = KL exactly.",
    )


def draw(snapshot: live.Snapshot) -> None:
    """The live views of a flow run: 1-D, the change of variables; 2-D, the densities, samples and
    loss, then space moved layer by layer."""
    metrics_row(snapshot)
    frame = snapshot.visuals
    if isinstance(frame, FlowFrame1D):
        figure = cached_render(snapshot, "one_d", flow_views.one_d_figure)
        st.plotly_chart(figure, key="flows_one_d", config={"displayModeBar": False})
        loss_chart(snapshot)
        return
    images = cached_render(snapshot, "model", flow_views.model_images, frame.densities)
    cols = st.columns(4)
    target_png = cached_render(snapshot, "target", flow_views.target_image, frame.densities, version=0)
    frame_image(cols[0], target_png, caption="Target density p(x)", width="stretch")
    frame_image(cols[1], images["model"], caption="Learned density q(x), same colour scale", width="stretch")
    frame_image(cols[2], images["samples"], caption="Samples x = f⁻¹(z), fixed z", width="stretch")
    with cols[3]:
        loss_chart(snapshot)
    st.subheader("How the flow moves space")
    forward, inverse = cached_render(snapshot, "stages", flow_views.stage_strips, frame.stages)
    frame_image(
        st,
        forward,
        caption="Data and a grid pushed through each layer, x → z: the last panel should look like N(0, I).",
    )
    frame_image(st, inverse, caption="Noise and a grid pulled back through the inverse layers, z → x: sampling.")


def loss_chart(snapshot: live.Snapshot) -> None:
    """The loss curve as a PNG (cheap to redraw every frame); when paused, also as an
    interactive chart in a popover."""
    entropy = snapshot.metrics.get("entropy")
    caption = "NLL per step (blue: training batch, orange: held-out)" + (
        "; dashed green: the floor H(p)" if entropy is not None else ""
    )
    training_curves(
        st,
        snapshot,
        "flow_losses",
        lambda snapshot: flow_views.loss_image(snapshot, entropy),
        caption,
        waiting="The loss curve appears here once training starts.",
    )
    if snapshot.step == 0:
        return
    if snapshot.state not in live.LIVE_STATES:
        with st.popover("Zoom", icon="🔍"):
            st.plotly_chart(flow_views.loss_figure(snapshot, entropy), key="loss_chart")
