"""Streamlit helpers shared by the live pages (not a page itself): URL round trip, widgets that
accept values from a link, the session's LiveRun, status lines and custom-data inputs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from engine import live, targets
from engine.flows import views as flow_views
from engine.live.process import ProcessLiveRun, TrainerGone

CANVAS_SIZE = (360, 360)
CANVAS_EXTENT = ((-4.0, 4.0), (-4.0, 4.0))
FRIENDLY_RANGE = 6.0  # beyond this, uploaded data should be rescaled
DRAWING_BANDWIDTH = 0.12  # kernel width for drawn points: thin enough to keep the strokes' shape


SECTION_URL_PREFIXES = ("live_",)  # URL keys of a page section with its own config (the VAE page's live view)


def _owned_keys(query: dict[str, str], url_prefix: str) -> list[str]:
    """The URL keys one config owns: those starting with ``url_prefix`` or, for a page's main
    config (``url_prefix=""``), all keys but the sections' ones."""
    if url_prefix:
        return [key for key in query if key.startswith(url_prefix)]
    return [key for key in query if not key.startswith(SECTION_URL_PREFIXES)]


def _url_query(url_prefix: str) -> dict[str, str]:
    """This config's URL keys and values, ``url_prefix`` removed."""
    query = st.query_params.to_dict()
    return {key[len(url_prefix) :]: query[key] for key in _owned_keys(query, url_prefix)}


def init_from_url(prefix: str, config_class, url_prefix: str = "") -> Any:
    """Read the config from the URL into the widgets' session state: when the session starts,
    and whenever the URL is not one this page wrote recently (a link opened or edited).

    A link with a bad value shows an error and falls back to the defaults. The config's widget
    values persist on runs that do not draw their widgets. Returns the config
    the link asked for (for fields that have no widget). ``url_prefix``: see :func:`_owned_keys`.
    """
    stored_key = f"{prefix}_url_config"
    query = _url_query(url_prefix)
    # A rerun can arrive with a URL this session wrote a few runs ago (fast slider presses outrun the
    # browser's URL update): only a query it never wrote is a link opened or edited.
    link_changed = query and query not in st.session_state.get(f"{prefix}_written_queries", [])  # not a bare page link
    if stored_key not in st.session_state or link_changed:
        try:
            config = config_class.from_query(query)
        except (ValueError, TypeError) as error:
            st.session_state[f"{prefix}_url_error"] = f"The link's settings could not be used: {error} Showing the defaults."
            config = config_class()
        st.session_state[stored_key] = config
        _remember_written(prefix, query)
        for name, value in config.widget_values().items():
            st.session_state[f"{prefix}_{name}"] = value
    if message := st.session_state.pop(f"{prefix}_url_error", None):
        st.error(message)
    for name in st.session_state[stored_key].widget_values():  # Streamlit forgets the values of widgets a
        key = f"{prefix}_{name}"  # run does not draw (another view, run B hidden): keep them
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    return st.session_state[stored_key]


def _remember_written(prefix: str, query: dict, keep: int = 16) -> None:
    written = st.session_state.setdefault(f"{prefix}_written_queries", [])
    if query in written:
        written.remove(query)
    written.append(query)
    del written[:-keep]


def write_url(prefix: str, config, url_prefix: str = "") -> None:
    """Put the config in the URL (only what differs from the defaults), so the link reproduces it;
    the URL keys other configs own are kept."""
    query = config.to_query()
    _remember_written(prefix, query)
    current = st.query_params.to_dict()
    wanted = {key: value for key, value in current.items() if key not in _owned_keys(current, url_prefix)}
    wanted |= {f"{url_prefix}{name}": value for name, value in query.items()}
    if current != wanted:
        st.query_params.from_dict(wanted)


def slider(label: str, key: str, low: int, high: int, default: int):
    """An integer slider; its value survives runs in which it is not shown."""
    st.session_state[key] = min(max(st.session_state.get(key, default), low), high)
    return st.slider(label, low, high, key=key)


def select(label: str, key: str, options: list, default, **kwargs):
    """A select slider whose options always include the current value (e.g. from a link)."""
    st.session_state[key] = st.session_state.get(key, default)
    options = sorted(set(options) | {st.session_state[key]})
    return st.select_slider(label, options=options, key=key, format_func=lambda v: f"{v:g}", **kwargs)


@st.cache_resource(scope="session", show_spinner=False, on_release=lambda runs: [r.stop() for r, *_ in runs.values()])
def _session_runs() -> dict[str, tuple]:
    """This browser session's live runs by page: {prefix: (run, config, target)}."""
    return {}


def existing_run(prefix: str) -> tuple[ProcessLiveRun, Any] | None:
    """This session's live run of another page, with its target, if it is alive (else None)."""
    run, _, target = _session_runs().get(prefix, (None, None, None))
    return (run, target) if run is not None and run.is_alive else None


def session_run(prefix: str, config, target, task_factory: Callable[[], live.TrainingTask]) -> ProcessLiveRun:
    """The session's run for this page (in its own process): kept while only live knobs change,
    rebuilt otherwise (and, with a warning, when its process died). ``task_factory`` must be
    picklable (a functools.partial)."""
    runs = _session_runs()
    if prefix in runs:
        run, old_config, old_target = runs[prefix]
        if not run.is_alive:
            st.warning(TrainerGone.MESSAGE, icon="⚠️")
        elif old_target is target and not config.rebuild_needed(old_config):
            try:
                if config != old_config:
                    run.call("apply_live_settings", config)
                    runs[prefix] = (run, config, target)
                return run
            except TrainerGone:
                st.warning(TrainerGone.MESSAGE, icon="⚠️")
        run.stop()
        del runs[prefix]
    with st.spinner("Building the model…"):
        run = ProcessLiveRun(task_factory, max_steps=config.max_steps)
    runs[prefix] = (run, config, target)
    return run


def command(action: Callable[[], None]) -> Callable[[], None]:
    """A button callback that turns a dead trainer into a message on the page, not a traceback
    (the next run of the page then starts a fresh trainer)."""

    def run_action() -> None:
        try:
            action()
        except TrainerGone:
            pass  # session_run notices and says so

    return run_action


def reset_command(run: ProcessLiveRun, config) -> Callable[[], None]:
    """Reset rebuilds the run with the settings it was built with: re-apply the live settings
    the widgets show now, so that the run matches the page and its link."""

    def reset() -> None:
        run.reset()
        run.call("apply_live_settings", config)

    return command(reset)


def fragment_snapshot(run: ProcessLiveRun, state_drawn: str) -> live.Snapshot:
    """The run's latest snapshot, for a live fragment: reruns the whole page when the run's state
    changed since the buttons were drawn, and shows the run's status line."""
    snapshot = run.snapshot
    if snapshot.state != state_drawn:
        st.rerun()  # redraw the buttons too
    run_status(snapshot)
    return snapshot


def run_status(snapshot: live.Snapshot) -> None:
    """One line saying what the run is doing, and why when it stopped by itself."""
    if snapshot.state == live.DIVERGED:
        st.warning(snapshot.message, icon="⚠️")
    elif snapshot.state == live.WAITING:
        st.info(snapshot.message, icon="⏳")
    elif snapshot.state == live.FINISHED:
        st.success(snapshot.message, icon="🏁")
    elif snapshot.state == live.IDLE:
        st.caption("Ready. Press **Train** to start, or **Step** for one update.")


def loss_chart(snapshot: live.Snapshot, entropy: float | None, running: bool) -> None:
    """The loss curve as a PNG (cheap to redraw every frame); when paused, also as an
    interactive chart in a popover."""
    caption = "NLL per step (blue: training batch, orange: held-out)" + (
        "; dashed green: the floor H(p)" if entropy is not None else ""
    )
    if snapshot.step == 0:
        st.caption("The loss curve appears here once training starts.")
        return
    st.image(flow_views.loss_image(snapshot, entropy), caption=caption, width="stretch")
    if not running and snapshot.step > 0:
        with st.popover("Zoom", icon="🔍"):
            st.plotly_chart(flow_views.loss_figure(snapshot, entropy), key="loss_chart")


def nats(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:.3f}"


def cached_render(snapshot: live.Snapshot, name: str, render: Callable[[dict], Any], version=None) -> Any:
    """Render a snapshot's visuals once per version (default: the step they were made at);
    later frames reuse the result, so unchanged images are neither redrawn nor re-sent."""
    key = (snapshot.run_id, name, snapshot.visuals_step if version is None else version)
    cache = st.session_state.setdefault("_render_cache", {})
    if key not in cache:
        for stale in [k for k in cache if k[1] == key[1]]:  # older versions, older runs
            del cache[stale]
        cache[key] = render(snapshot.visuals)
    return cache[key]


@st.cache_resource(show_spinner=False)
def builtin_target(key: str) -> targets.Target:
    """One shared, immutable object per built-in target (so reruns keep the same run)."""
    return targets.make_target(key)


CUSTOM_TARGETS = {"drawn": "✏️ Draw your own", "csv": "📄 Upload a CSV (x,y)"}


def target_picker(prefix: str) -> tuple[str, targets.Target]:
    """The sidebar's target choice (built-in, drawn or uploaded) and the target itself; stops
    the page until the user's own data is ready."""
    labels = {key: builtin_target(key).label for key in targets.target_keys()} | CUSTOM_TARGETS
    with st.sidebar:
        st.header("Data")
        key = st.selectbox("Target", list(labels), format_func=labels.get, key=f"{prefix}_target")
    if key not in CUSTOM_TARGETS:
        return key, builtin_target(key)
    with st.expander("Your data", expanded=True):
        target = custom_target(key, prefix)
    if target is None:
        st.stop()
    return key, target


def custom_target(kind: str, prefix: str):
    """The user's own data as a target: drawn on a canvas or uploaded as CSV; None until ready.
    ``prefix`` (the page's) keeps each page's data and widgets apart."""
    if kind == "csv":
        upload = st.file_uploader("CSV with columns x,y (or x)", type=["csv", "txt"], key=f"{prefix}_csv_file")
        if upload is None:
            st.info("Upload a CSV with columns x and y (or one column x for 1-D data).")
            return None
        source = ("csv", upload.file_id)
        if st.session_state.get(f"{prefix}_custom_source") != source:
            try:
                points = targets.parse_points_csv(upload.getvalue())
            except ValueError as error:
                st.error(str(error))
                return None
            _remember(prefix, source, targets.PointCloudTarget(points, label=f"Uploaded: {upload.name}"))
        if (reach := float(np.abs(st.session_state[f"{prefix}_custom_target"].extent).max())) > FRIENDLY_RANGE:
            st.warning(
                f"Your points reach |x| ≈ {reach:,.0f}; the models here are built for data within about "
                f"±{FRIENDLY_RANGE:g} (flow splines are the identity outside ±5), so standardise the columns first."
            )
        return st.session_state[f"{prefix}_custom_target"]

    strokes = _canvas_strokes(prefix)
    st.caption("Draw with the mouse; the points are smoothed by a small Gaussian kernel.")
    if strokes is None:
        return None
    try:
        points = targets.points_from_strokes(strokes, CANVAS_SIZE, CANVAS_EXTENT)
        targets.check_drawn_points(points)
    except ValueError as error:
        st.info(str(error))
        return None
    source = ("drawn", hash(points.tobytes()))
    if st.session_state.get(f"{prefix}_custom_source") != source:
        _remember(prefix, source, targets.PointCloudTarget(points, bandwidth=DRAWING_BANDWIDTH, label="Your drawing"))
    return st.session_state[f"{prefix}_custom_target"]


def _remember(prefix: str, source, target) -> None:
    st.session_state[f"{prefix}_custom_source"] = source
    st.session_state[f"{prefix}_custom_target"] = target


def _canvas_strokes(prefix: str) -> list[list[tuple[float, float]]] | None:
    """Freehand strokes from the drawing canvas, in canvas pixels."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception:  # the component needs a running Streamlit server
        st.info("The drawing canvas is not available here; upload a CSV instead.")
        return None
    result = st_canvas(
        stroke_width=3, stroke_color="#1f77b4", background_color="#ffffff",
        width=CANVAS_SIZE[0], height=CANVAS_SIZE[1], drawing_mode="freedraw", key=f"{prefix}_canvas",
    )
    objects = (result.json_data or {}).get("objects", []) if result is not None else []
    strokes = []
    for obj in objects:
        coords = [value for command in obj.get("path", []) for value in command[1:]]
        pairs = np.asarray(coords, dtype=float).reshape(-1, 2) if len(coords) % 2 == 0 else np.empty((0, 2))
        if len(pairs):
            strokes.append([tuple(p) for p in pairs])
    return strokes
