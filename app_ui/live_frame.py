"""A live page's frames: how often they are drawn (:func:`frame_interval_s`, slower when many pages
draw at once), and what ``draw(snapshot)`` uses to draw one: the step counters, images made once
per frame version (:func:`cached_render`) and shown as PNG, the training curves, figures in nats.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from app_ui import frame_urls
from engine import live
from engine.live.on_demand import default_backend

FRAME_BUDGET_CORES = 0.4  # all live pages together spend at most this share of one core drawing frames
MAX_FRAME_INTERVAL_S = 5.0


class _FrameCost:
    """A running mean of the CPU seconds a live frame takes to draw (the script thread's own
    time: waiting for the GIL or a core while trainers run is not the frame's cost), over every
    session."""

    def __init__(self, seconds: float = 0.03):
        self._lock, self.mean_s = threading.Lock(), seconds

    def add(self, seconds: float) -> None:
        with self._lock:
            self.mean_s = 0.9 * self.mean_s + 0.1 * seconds


FRAME_COST = _FrameCost()


def live_run_count() -> int:
    """How many pages redraw live: one per run that trains or waits for its turn (the backend's count)."""
    capacity = default_backend().capacity()
    return capacity.active + capacity.waiting


def frame_interval_s() -> float:
    """How often a live page redraws: every FRAME_EVERY_S, slower when the live pages together
    would spend more than FRAME_BUDGET_CORES of the server drawing (frames scale with load)."""
    demand = live_run_count() * FRAME_COST.mean_s / FRAME_BUDGET_CORES
    return min(MAX_FRAME_INTERVAL_S, max(live.FRAME_EVERY_S, demand))


def cached_render(snapshot: live.Snapshot, name: str, render: Callable[[Any], Any], frame=None, *, version=None) -> Any:
    """``render(frame)`` once per frame version (``frame`` defaults to the snapshot's; ``version``
    overrides, for charts drawn from the snapshot's histories); later frames reuse the result, so
    unchanged images are neither redrawn nor re-sent. PNGs come back as URLs where serve.py serves
    them (:mod:`app_ui.frame_urls`)."""
    frame = snapshot.visuals if frame is None else frame
    key = (snapshot.run_id, name, frame.version if version is None else version)
    cache = st.session_state.setdefault("_render_cache", {})
    if key not in cache:
        for stale in [k for k in cache if k[1] == key[1]]:  # older versions, older runs
            del cache[stale]
        cache[key] = frame_urls.published(render(frame))
    return cache[key]


def frame_image(container, image, **kwargs) -> None:
    """Show a live frame's image (:func:`cached_render`'s PNG bytes, or serve.py's URL for them)
    in ``container`` (``st``, a column) as PNG: left to itself, Streamlit re-encodes PNG bytes to
    JPEG on every redraw, which was most of a frame's server time."""
    container.image(image, output_format="PNG", **kwargs)


def history_version(snapshot: live.Snapshot) -> tuple[int, int]:
    """The version of a chart drawn from the snapshot's loss and metric histories: it changes when
    either grows, so a waiting or paused page redraws no chart."""
    return snapshot.step, snapshot.metric_history[-1][0] if snapshot.metric_history else -1


def step_counters(snapshot: live.Snapshot, columns, rate_help: str) -> None:
    """The "Step" and "Steps / s" metrics, in the first two of ``columns``."""
    columns[0].metric("Step", f"{snapshot.step:,}", help=f"Stops at {snapshot.max_steps:,} steps.")
    columns[1].metric("Steps / s", f"{snapshot.steps_per_second:,.0f}", help=rate_help)


def epoch_counters(snapshot: live.Snapshot, columns) -> None:
    """The "Epoch" (of the frame's pictures) and "Step" metrics of a model trained on the digits,
    in the first two of ``columns``."""
    columns[0].metric(
        "Epoch",
        f"{snapshot.visuals.epochs:.1f}",
        help=f"Passes over the training digits; stops at {snapshot.max_steps:,} steps.",
    )
    columns[1].metric("Step", f"{snapshot.step:,}", help=f"{snapshot.steps_per_second:,.0f} steps per second.")


def training_curves(
    container, snapshot: live.Snapshot, name: str, image: Callable[[live.Snapshot], Any], caption: str, waiting: str
) -> None:
    """The training curves drawn from the snapshot's histories (``image(snapshot)``, redrawn only
    when they grow), or ``waiting`` before the first step."""
    chart = cached_render(snapshot, name, lambda _: image(snapshot), version=history_version(snapshot))
    if chart is None or snapshot.step == 0:
        container.caption(waiting)
    else:
        frame_image(container, chart, width="stretch", caption=caption)


def nats(value: float | None) -> str:
    """A figure in nats for a metric: 3 decimals, "∞", or "—" when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:.3f}"
