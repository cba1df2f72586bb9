"""Draw on a `streamlit_drawable_canvas.st_canvas` in a Playwright page, as a person would.

streamlit-drawable-canvas 0.13 is a Streamlit components-v2 ("bidi") component: no iframe; it
renders into an open shadow root under the keyed element container ``.st-key-<key>``, which
Playwright's CSS selectors pierce. Fabric.js listens on the top canvas, ``canvas.upper-canvas``.
With ``update_streamlit=True`` every finished stroke (mouse up) is sent after a ~200 ms debounce
and reruns the script; the toolbar (undo, redo, edit, "Reset canvas & history", ...) shows on
hover.
"""

from __future__ import annotations

from collections.abc import Sequence

# Counts finished script runs (the app's script state leaving "running"), so a test can wait
# for the rerun that a stroke starts rather than for the state that was there before it.
_COUNT_RUNS = """() => {
  if (window.__gpRunsFinished === undefined) {
    window.__gpRunsFinished = 0;
    const app = document.querySelector("[data-testid='stApp']");
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.oldValue === "running") window.__gpRunsFinished += 1;
      }
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"], attributeOldValue: true});
  }
  return window.__gpRunsFinished;
}"""
_RERUN_DONE = """(before) => window.__gpRunsFinished > before &&
  document.querySelector("[data-testid='stApp']").getAttribute("data-test-script-state") === "notRunning"
"""


def canvas_locator(page, key: str = "canvas"):
    """The canvas that takes the mouse, of the ``st_canvas(..., key=key)`` on the page."""
    return page.locator(f".st-key-{key} canvas.upper-canvas")


def draw_polyline(
    page,
    points: Sequence[tuple[float, float]],
    *,
    key: str = "canvas",
    steps: int = 8,
    wait_for_rerun: bool = True,
    timeout: float = 15_000,
) -> None:
    """Draw one stroke through ``points`` (canvas pixels, (x, y) from the top left) on a canvas.

    The mouse goes down at the first point, moves through the others in ``steps`` small moves
    per segment (Fabric's free-draw brush needs the intermediate moves), and goes up at the last.
    With ``wait_for_rerun`` it then waits until the script rerun that the stroke started has
    finished (needs ``update_streamlit=True``, the default; a one-point "polyline" is a dot).
    """
    if not points:
        raise ValueError("draw_polyline needs at least one point")
    canvas = canvas_locator(page, key)
    canvas.wait_for(state="visible", timeout=timeout)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    pixel_width, pixel_height = canvas.evaluate("c => [c.clientWidth, c.clientHeight]")
    scale_x, scale_y = box["width"] / pixel_width, box["height"] / pixel_height

    def to_page(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * scale_x, box["y"] + y * scale_y

    runs_before = page.evaluate(_COUNT_RUNS)
    page.mouse.move(*to_page(*points[0]))
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for step in range(1, steps + 1):
            fraction = step / steps
            page.mouse.move(*to_page(x0 + (x1 - x0) * fraction, y0 + (y1 - y0) * fraction))
    page.mouse.up()
    if wait_for_rerun:
        page.wait_for_function(_RERUN_DONE, arg=runs_before, timeout=timeout)


def draw_strokes(page, strokes: Sequence[Sequence[tuple[float, float]]], **kwargs) -> None:
    """Draw several strokes one after another (each one reruns the script and is waited for)."""
    for stroke in strokes:
        draw_polyline(page, stroke, **kwargs)


def clear_canvas(page, *, key: str = "canvas", wait_for_rerun: bool = True, timeout: float = 15_000) -> None:
    """Empty the canvas with its toolbar's "Reset canvas & history" button (shown on hover)."""
    canvas = canvas_locator(page, key)
    canvas.hover()
    runs_before = page.evaluate(_COUNT_RUNS)
    page.locator(f".st-key-{key}").get_by_role("button", name="Reset canvas & history").click(timeout=timeout)
    if wait_for_rerun:
        page.wait_for_function(_RERUN_DONE, arg=runs_before, timeout=timeout)


# A "7" on a 280 x 280 canvas: the bar, then the stem (one stroke).
SEVEN_280 = [(60, 50), (220, 50), (180, 120), (140, 190), (110, 250)]
