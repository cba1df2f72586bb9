"""The data a live 2-D page trains on (a built-in target, a drawing, or an uploaded CSV), and the
canvas on which a digit is drawn."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from engine import render, targets

CANVAS_SIZE = (360, 360)
CANVAS_EXTENT = ((-4.0, 4.0), (-4.0, 4.0))
FRIENDLY_RANGE = 6.0  # beyond this, uploaded data should be rescaled
DRAWING_BANDWIDTH = 0.12  # kernel width for drawn points: thin enough to keep the strokes' shape


@st.cache_resource(show_spinner=False)
def builtin_target(key: str) -> targets.Target:
    """One shared, immutable object per built-in target (so reruns keep the same run)."""
    return targets.make_target(key)


CUSTOM_TARGETS = dict(zip(targets.CUSTOM_TARGET_KEYS, ["✏️ Draw your own", "📄 Upload a CSV (x,y)"], strict=True))


def target_picker(prefix: str, dim: int | None = None) -> tuple[str, targets.Target]:
    """The sidebar's target choice (built-in, drawn or uploaded; ``dim``: only built-in targets of
    that dimension) and the target itself; stops the page until the user's own data is ready."""
    labels = {key: builtin_target(key).label for key in targets.target_keys(dim)} | CUSTOM_TARGETS
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
        stroke_width=3,
        stroke_color="#1f77b4",
        background_color="#ffffff",
        width=CANVAS_SIZE[0],
        height=CANVAS_SIZE[1],
        drawing_mode="freedraw",
        key=f"{prefix}_canvas",
    )
    objects = (result.json_data or {}).get("objects", []) if result is not None else []
    strokes = []
    for obj in objects:
        coords = [value for command in obj.get("path", []) for value in command[1:]]
        pairs = np.asarray(coords, dtype=float).reshape(-1, 2) if len(coords) % 2 == 0 else np.empty((0, 2))
        if len(pairs):
            strokes.append([tuple(p) for p in pairs])
    return strokes


def digit_canvas(key: str, background: np.ndarray | None = None, stroke_width: int = 26) -> np.ndarray | None:
    """A 280 x 280 drawing canvas (white strokes; on black, or on ``background``, a digit shown at
    the canvas's size); returns its RGBA image data, None before anything is drawn."""
    from streamlit_drawable_canvas import st_canvas

    behind = (
        None
        if background is None
        else Image.fromarray(render.to_uint8(background)).resize((280, 280), Image.Resampling.NEAREST)
    )
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="" if behind else "#000000",
        background_image=behind,
        width=280,
        height=280,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
    return None if result is None else result.image_data
