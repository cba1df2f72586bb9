"""Streamlit pieces of the GANs page (not a page itself): a run's sidebar widgets, the presets, and
one run's live panel.

Over 250 lines because it holds one page's panels, a function each: split, one page would be
spread over several files for no reader's gain.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import streamlit as st

from app_ui import url_state
from app_ui.live_frame import cached_render, frame_image, step_counters, training_curves
from engine import live
from engine.gans import views as gan_views
from engine.gans.losses import LOSSES, GanLoss
from engine.gans.models import ACTIVATIONS, NOISE_TYPES
from engine.gans.presets import PRESETS
from engine.gans.task import OPTIMIZERS, GanLink

WIDTHS = [2, 4, 8, 16, 32, 64, 128, 256, 512]
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]


def apply_preset(key: str) -> None:
    """Button callback: load a preset into the widgets (before they are drawn)."""
    values = GanLink(PRESETS[key].config(seed=int(st.session_state.get("gans_seed", 0)))).widget_values()
    for name, value in values.items():
        if name != "ab":
            st.session_state[f"gans_{name}"] = value
    st.session_state["gans_ab"] = False
    st.session_state["gans_preset_chosen"] = key


def network_widgets(prefix: str, defaults: dict) -> dict:
    """Loss, both networks and their optimisers for one run (A: "gans_", B: "gans_b_")."""
    key = functools.partial("{}{}".format, prefix)
    loss = st.selectbox("Loss", list(LOSSES), format_func=lambda k: LOSSES[k].label, key=key("loss"))
    st.caption(f"{LOSSES[loss].formula}  \n{LOSSES[loss].description}")
    values = {"loss": loss}
    with st.expander("Generator", expanded=False):
        values["g_layers"] = url_state.slider("Hidden layers", key("g_layers"), 0, 6, defaults["g_layers"])
        values["g_width"] = url_state.select("Width", key("g_width"), WIDTHS, defaults["g_width"])
        values["g_activation"] = st.selectbox("Activation", list(ACTIVATIONS), key=key("g_activation"))
        values["noise_dim"] = url_state.slider("Noise dimension", key("noise_dim"), 1, 16, defaults["noise_dim"])
        values["noise"] = st.selectbox(
            "Noise", NOISE_TYPES, key=key("noise"), help="Gaussian N(0, I) or uniform on [−1, 1]^d."
        )
    with st.expander("Discriminator", expanded=False):
        values["d_layers"] = url_state.slider("Hidden layers", key("d_layers"), 0, 6, defaults["d_layers"])
        values["d_width"] = url_state.select("Width", key("d_width"), WIDTHS, defaults["d_width"])
        values["d_activation"] = st.selectbox("Activation", list(ACTIVATIONS), key=key("d_activation"))
        values["spectral_norm"] = st.checkbox(
            "Spectral normalization",
            key=key("spectral_norm"),
            help="Each layer's weight divided by its largest singular value (Miyato et al., 2018): D becomes 1-Lipschitz.",
        )
        values["r1_gamma"] = url_state.select(
            "R1 penalty γ (0: off)",
            key("r1_gamma"),
            [0.0, 0.01, 0.1, 1.0, 10.0],
            defaults["r1_gamma"],
            help="Adds (γ/2)·E_p‖∇ₓv(x)‖² to the discriminator's loss (Mescheder et al., 2018).",
        )
    with st.expander("Optimisation", expanded=False):
        values["d_steps"] = url_state.slider(
            "Discriminator steps per generator step", key("d_steps"), 1, 10, defaults["d_steps"]
        )
        values["g_optimizer"] = st.selectbox("Generator optimiser", OPTIMIZERS, key=key("g_optimizer"))
        values["g_lr"] = url_state.select("Generator learning rate", key("g_lr"), LEARNING_RATES, defaults["g_lr"])
        values["d_optimizer"] = st.selectbox("Discriminator optimiser", OPTIMIZERS, key=key("d_optimizer"))
        values["d_lr"] = url_state.select("Discriminator learning rate", key("d_lr"), LEARNING_RATES, defaults["d_lr"])
        values["beta1"] = url_state.select("β₁ (Adam; SGD momentum)", key("beta1"), [0.0, 0.5, 0.9], defaults["beta1"])
        values["beta2"] = url_state.select(
            "β₂ (Adam; RMSprop smoothing)", key("beta2"), [0.9, 0.99, 0.999], defaults["beta2"]
        )
        values["lr_half_life"] = url_state.select(
            "Learning rates halve every … steps (0: constant)",
            key("lr_half_life"),
            [0, 500, 700, 1000, 2000, 5000],
            defaults["lr_half_life"],
        )
        values["batch_size"] = url_state.select(
            "Batch size", key("batch_size"), [32, 64, 128, 150, 256, 512, 1024], defaults["batch_size"]
        )
    return values


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
        f"{f.name} {getattr(config, f.name):g}"
        if isinstance(getattr(config, f.name), float)
        else f"{f.name} {getattr(config, f.name)}"
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


def _side_frame(snapshot: live.Snapshot, side: str | None):
    """One run's frame: the snapshot's, or run A's/B's of a side-by-side frame."""
    return snapshot.visuals if side is None else getattr(snapshot.visuals, side)


def _number(value, digits: int = 3) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def counters(snapshot: live.Snapshot, cols) -> None:
    step_counters(snapshot, cols, "One step: the discriminator's updates, then the generator's.")


def run_panel(
    snapshot: live.Snapshot, side: str | None, target, layers: dict[str, bool], loss: GanLoss, title: str = ""
) -> None:
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
            "Modes",
            f"{metrics['modes_captured']:.0f} / {metrics['n_modes']:.0f}",
            help="Modes captured: modes with at least one of 2,500 generated samples within 3 standard deviations.",
        )
        cols[3].metric(
            "Quality",
            f"{100 * metrics['high_quality']:.0f}%",
            help="High-quality samples: the share of generated samples within 3 standard deviations of a mode.",
        )
    else:
        cols[2].metric(
            "JS (histograms)",
            _number(metrics.get("js")),
            help="Jensen-Shannon divergence between 32×32 histograms of real and generated samples, nats (max log 2).",
        )
        cols[3].metric(
            "D(real) / D(fake)",
            f"{_number(metrics.get('d_real'), 2)} / {_number(metrics.get('d_fake'), 2)}",
            help=f"Mean {loss.output_label} on held-out real and on generated samples.",
        )
    cols[4].metric(
        "W₁",
        _number(metrics.get("w1")),
        help="Wasserstein-1 distance between 256 generated and 256 held-out samples (exact, POT).",
    )

    picture, beside = st.columns([3, 2]) if side is None else (st.container(), st.container())
    if target.dim == 1:
        figure = cached_render(snapshot, f"gan_1d_{side}", gan_views.one_d_figure, _side_frame(snapshot, side))
        picture.plotly_chart(figure, key=f"gans_one_d_{side}", config={"displayModeBar": False})
    else:
        field_view(snapshot, side, target, layers, loss, metrics, picture, beside)
    with beside:
        if side is None:
            loss_chart(snapshot)
        chart = cached_render(
            snapshot,
            f"gan_metrics_{side}",
            lambda _: gan_views.metrics_image(_side_history(snapshot, side)),
            version=_last_step(snapshot),
        )
        if chart is not None:
            frame_image(
                st,
                chart,
                width="stretch",
                caption="Over training: W₁ (purple) and JS of the histograms (green)"
                + (
                    "; high-quality share (blue) and share of modes captured (orange)."
                    if target.modes is not None
                    else "."
                ),
            )
        manifold = (
            None
            if target.dim == 1
            else cached_render(snapshot, f"gan_manifold_{side}", gan_views.manifold_image, _side_frame(snapshot, side))
        )
        if manifold is not None:
            frame_image(
                st,
                manifold,
                width=240,
                caption="Generator manifold: a grid in noise space mapped through G (GAN Lab's view), over the real samples.",
            )


def field_view(snapshot, side, target, layers, loss, metrics, picture, beside) -> None:
    """GAN Lab's view of a 2-D run, and the per-mode timeline beside it."""
    shown = tuple(sorted(name for name, on in layers.items() if on))
    image = cached_render(
        snapshot,
        f"gan_field_{side}_{shown}",
        lambda frame: gan_views.field_image(frame, **{f"show_{name}": on for name, on in layers.items()}),
        _side_frame(snapshot, side),
    )
    frame_image(
        picture,
        image,
        width="stretch",
        caption=f"Background: {loss.output_label} (green: says real, purple: says fake). Dots: real (green) and "
        "generated (purple) samples; arrows: where the generator's gradient moves each sample.",
    )
    with beside:
        if target.modes is not None and "n_modes" in metrics:
            timeline = cached_render(
                snapshot,
                f"gan_timeline_{side}",
                lambda _: gan_views.mode_timeline_image(_side_history(snapshot, side)),
                version=_last_step(snapshot),
            )
            key, words = st.columns([1, 4])
            frame_image(
                key,
                cached_render(
                    snapshot,
                    "gan_mode_key",
                    lambda _: gan_views.mode_key_image(target.modes, target.extent),
                    version=target.key,
                ),
            )
            if timeline is not None:
                frame_image(words, timeline, width="stretch")
            words.caption(
                "Per-mode timeline: the share of generated samples nearest each mode over training, coloured as in "
                "the key; full colour where they are within 3 std of it, pale where not. A collapsing generator fills "
                "the column with one colour and hops between colours."
            )


def loss_chart(snapshot: live.Snapshot) -> None:
    """Both losses per step (both runs' when comparing)."""
    comparing = len(snapshot.loss_names) > 2
    training_curves(
        st,
        snapshot,
        "gan_losses",
        gan_views.loss_image,
        "Losses per step: blue discriminator, orange generator" + (" (run A; lighter: run B)." if comparing else "."),
        waiting="The loss curves appear here once training starts.",
    )


def presets() -> None:
    """The presets' buttons (each loads its settings into the widgets) and the chosen one's reason."""
    with st.expander("🎛️ Presets: watch mode collapse happen, and see what avoids it", expanded=False):
        for column, (key, preset) in zip(st.columns(len(PRESETS)), PRESETS.items(), strict=True):
            column.button(preset.label, key=f"gans_preset_{key}", on_click=apply_preset, args=(key,), width="stretch")
            column.caption(preset.explanation)
    if chosen := st.session_state.pop("gans_preset_chosen", None):
        st.info(f"**{PRESETS[chosen].label}** (press Train): {PRESETS[chosen].explanation}", icon="🎛️")


def layer_toggles(column) -> dict[str, bool]:
    """The "Show…" popover: which layers GAN Lab's view draws."""
    with column.popover("Show…", icon="👁️"):
        return {
            name: st.checkbox(label, value=default, key=f"gans_show_{name}")
            for name, label, default in [
                ("heatmap", "Discriminator heatmap", True),
                ("real", "Real samples (green)", True),
                ("fake", "Generated samples (purple)", True),
                ("arrows", "Generator gradients (arrows)", True),
                ("manifold", "Generator manifold over the heatmap (1-D or 2-D noise)", False),
            ]
        }


def about(target) -> None:
    """What the page's numbers mean."""
    with st.expander("About these numbers"):
        st.markdown(
            "- **Modes captured / high quality** (mixture targets): of 2,500 generated samples, a sample is *high quality* "
            "if it lies within 3 standard deviations of its nearest mode, and a mode is *captured* if it has at least one "
            "(VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).\n"
            "- **Per-mode timeline**: at each moment, the share of generated samples whose nearest mode is each mode (one "
            "colour per mode; full colour for the high-quality ones, pale for the rest). A collapsing generator shows as "
            "one colour filling the column, hopping between colours.\n"
            "- **W₁** is the exact Wasserstein-1 distance between 256 generated and 256 held-out samples (POT); even two "
            "samples of the same distribution are about 0.2–0.5 apart at this size (a floor, not zero).\n"
            "- **JS** is the Jensen-Shannon divergence between 32×32 histograms of the samples (points outside the plot "
            "counted in an extra cell), in nats: 0 for identical histograms, log 2 ≈ 0.693 for disjoint ones.\n"
            f"- {target.density_note}"
        )
