"""Streamlit pieces of the GANs page (not a page itself): one run's live panel."""

from __future__ import annotations

import dataclasses
import math

import streamlit as st

from app_ui import widgets
from engine import live
from engine.gans import views as gan_views
from engine.gans.losses import LOSSES, GanLoss


def side_metrics(metrics: dict, side: str | None) -> dict:
    """One run's metrics: all of them, or run A's/B's without the "a/" or "b/" prefix."""
    if side is None:
        return metrics
    prefix = f"{side}/"
    return {key[len(prefix) :]: value for key, value in metrics.items() if key.startswith(prefix)}


def run_title(side: str, config, config_a) -> str:
    """ "Run A: <loss>", and for B what it changes from A, e.g. "Run B: Non-saturating GAN · r1_gamma 0.1"."""
    title = f"Run {side.upper()}: {LOSSES[config.loss].label}"
    changed = [
        f"{f.name} {getattr(config, f.name):g}" if isinstance(getattr(config, f.name), float) else f"{f.name} {getattr(config, f.name)}"
        for f in dataclasses.fields(config)
        if f.name != "loss" and getattr(config, f.name) != getattr(config_a, f.name)
    ]
    return f"{title} · {', '.join(changed)}" if changed else title


def _side_history(snapshot: live.Snapshot, side: str | None) -> list:
    """One run's metric history (built only when a chart is redrawn)."""
    return [(step, side_metrics(m, side)) for step, m in snapshot.metric_history]


def _last_step(snapshot: live.Snapshot) -> int:
    """The version of charts drawn from the metric history (whose length stops growing at its cap)."""
    return snapshot.metric_history[-1][0] if snapshot.metric_history else -1


def _side_visuals(visuals: dict, side: str | None) -> dict:
    return visuals[side] if side is not None else visuals


def _number(value, digits: int = 3) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def counters(snapshot: live.Snapshot, cols) -> None:
    cols[0].metric("Step", f"{snapshot.step:,}", help=f"Stops at {snapshot.max_steps:,} steps.")
    cols[1].metric("Steps / s", f"{snapshot.steps_per_second:,.0f}", help="One step: the discriminator's updates, then the generator's.")


def run_panel(snapshot: live.Snapshot, side: str | None, target, layers: dict[str, bool], loss: GanLoss, title: str = "") -> None:
    """Metrics, the main view (or the 1-D curves) and the per-mode timeline of one run (when
    comparing, ``side`` is "a" or "b" and the step counters are shown once, by the page)."""
    metrics = side_metrics(snapshot.metrics, side)
    if title:
        st.markdown(f"**{title}**")
    cols = st.columns(5) if side is None else [None, None, *st.columns(3)]
    if side is None:
        counters(snapshot, cols)
    if "n_modes" in metrics:
        cols[2].metric(
            "Modes", f"{metrics['modes_captured']:.0f} / {metrics['n_modes']:.0f}",
            help="Modes captured: modes with at least one of 2,500 generated samples within 3 standard deviations.",
        )
        cols[3].metric("Quality", f"{100 * metrics['high_quality']:.0f}%", help="High-quality samples: the share of generated samples within 3 standard deviations of a mode.")
    else:
        cols[2].metric("JS (histograms)", _number(metrics.get("js")), help="Jensen-Shannon divergence between 32×32 histograms of real and generated samples, nats (max log 2).")
        cols[3].metric("D(real) / D(fake)", f"{_number(metrics.get('d_real'), 2)} / {_number(metrics.get('d_fake'), 2)}", help=f"Mean {loss.output_label} on held-out real and on generated samples.")
    cols[4].metric("W₁", _number(metrics.get("w1")), help="Wasserstein-1 distance between 256 generated and 256 held-out samples (exact, POT).")

    picture, beside = st.columns([3, 2]) if side is None else (st.container(), st.container())
    if target.dim == 1:
        figure = widgets.cached_render(snapshot, f"gan_1d_{side}", lambda v: gan_views.one_d_figure(_side_visuals(v, side)))
        picture.plotly_chart(figure, key=f"gans_one_d_{side}", config={"displayModeBar": False})
    else:
        field_view(snapshot, side, target, layers, loss, metrics, picture, beside)
    with beside:
        if side is None:
            loss_chart(snapshot)
        chart = widgets.cached_render(snapshot, f"gan_metrics_{side}", lambda _: gan_views.metrics_image(_side_history(snapshot, side)), version=_last_step(snapshot))
        if chart is not None:
            st.image(
                chart, width="stretch",
                caption="Over training: W₁ (purple) and JS of the histograms (green)"
                + ("; high-quality share (blue) and share of modes captured (orange)." if target.modes is not None else "."),
            )
        manifold = widgets.cached_render(snapshot, f"gan_manifold_{side}", lambda v: gan_views.manifold_image(_side_visuals(v, side)))
        if manifold is not None:
            st.image(manifold, width=240, caption="Generator manifold: a grid in noise space mapped through G (GAN Lab's view), over the real samples.")


def field_view(snapshot, side, target, layers, loss, metrics, picture, beside) -> None:
    """GAN Lab's view of a 2-D run, and the per-mode timeline beside it."""
    shown = tuple(sorted(name for name, on in layers.items() if on))
    image = widgets.cached_render(
        snapshot, f"gan_field_{side}_{shown}",
        lambda v: gan_views.field_image(_side_visuals(v, side), **{f"show_{name}": on for name, on in layers.items()}),
    )
    picture.image(
        image, width="stretch",
        caption=f"Background: {loss.output_label} (green: says real, purple: says fake). Dots: real (green) and "
        "generated (purple) samples; arrows: where the generator's gradient moves each sample.",
    )
    with beside:
        if target.modes is not None and "n_modes" in metrics:
            timeline = widgets.cached_render(
                snapshot, f"gan_timeline_{side}", lambda _: gan_views.mode_timeline_image(_side_history(snapshot, side)), version=_last_step(snapshot)
            )
            key, words = st.columns([1, 4])
            key.image(widgets.cached_render(snapshot, "gan_mode_key", lambda _: gan_views.mode_key_image(target.modes, target.extent), version=target.key))
            if timeline is not None:
                words.image(timeline, width="stretch")
            words.caption(
                "Per-mode timeline: the share of generated samples nearest each mode over training, coloured as in "
                "the key; full colour where they are within 3 std of it, pale where not. A collapsing generator fills "
                "the column with one colour and hops between colours."
            )


def loss_chart(snapshot: live.Snapshot) -> None:
    """Both losses per step (both runs' when comparing)."""
    image = widgets.cached_render(snapshot, "gan_losses", lambda _: gan_views.loss_image(snapshot), version=snapshot.step)
    if image is None:
        st.caption("The loss curves appear here once training starts.")
        return
    comparing = len(snapshot.loss_names) > 2
    st.image(image, width="stretch", caption="Losses per step: blue discriminator, orange generator" + (" (run A; lighter: run B)." if comparing else "."))
