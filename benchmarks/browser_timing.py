"""Timing a Streamlit page in Chromium, on the page's own clock: an init script timestamps inputs
(mouse-up, Enter, arrow keys), every websocket message the page sends and each finished script
run; the DevTools protocol gives when the run's messages reached the browser's network stack.
Shared by the benchmarks that time pages (vae, divergences)."""

from __future__ import annotations

import math
import statistics

# Installed before any page script: timestamps (performance.now(), ms since navigation start) of
# the last mouse-up / Enter / arrow key, of every websocket message the page sends, and finished script runs.
INSTRUMENT = """
window.__gpInputAt = null;
window.__gpSends = [];
window.__gpRunsFinished = 0;
const gpSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) { window.__gpSends.push(performance.now()); return gpSend.call(this, data); };
window.addEventListener("mouseup", () => { window.__gpInputAt = performance.now(); }, true);
window.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key.startsWith("Arrow")) window.__gpInputAt = performance.now(); }, true);
new MutationObserver(() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.__gpObserved) return;
  app.__gpObserved = true;
  new MutationObserver((records) => {
    for (const r of records) if (r.oldValue === "running") window.__gpRunsFinished += 1;
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"], attributeOldValue: true});
}).observe(document, {childList: true, subtree: true});
window.__gpIdle = () => document.querySelector("[data-testid='stApp']")?.getAttribute("data-test-script-state") === "notRunning";
window.__gpMap = () => {
  const frame = document.querySelector("iframe[title*='image_coordinates']");
  const image = frame?.contentDocument?.querySelector("img");
  if (!image || !image.complete || !image.naturalWidth) return null;
  const source = image.getAttribute("src") || "";
  return source.length + ":" + source.slice(-256);
};
window.__gpMetricShown = (label) => [...document.querySelectorAll("[data-testid='stMetricLabel']")]
  .some((e) => e.textContent.trim() === label);
window.__gpMetric = (label) => {
  const metric = [...document.querySelectorAll("[data-testid='stMetric']")]
    .find((m) => m.querySelector("[data-testid='stMetricLabel']")?.textContent.trim() === label);
  return metric?.querySelector("[data-testid='stMetricValue']")?.textContent.trim() ?? null;
};
"""
RUN_DONE = "(runs) => window.__gpRunsFinished > runs && window.__gpIdle() ? performance.now() : false"


class Wire:
    """The page's websocket frames as the browser's network stack sees them (CDP timestamps, ms):
    unlike the page's own message events they are not delayed while the page's main thread is busy."""

    def __init__(self, context, page):
        self.frames: list[tuple[str, float]] = []
        session = context.new_cdp_session(page)
        session.on("Network.webSocketFrameSent", lambda event: self.frames.append(("sent", event["timestamp"] * 1000)))
        session.on(
            "Network.webSocketFrameReceived", lambda event: self.frames.append(("received", event["timestamp"] * 1000))
        )
        session.send("Network.enable")

    def on_page_clock(self, page, since_ms: float) -> tuple[float, list[float]]:
        """(first frame sent at or after ``since_ms``, frames received after it), in the page's
        performance.now() clock: aligned on that sent frame, which the page timestamps too."""
        sends = [t for t in page.evaluate("window.__gpSends") if t >= since_ms]
        wire_sent = [t for kind, t in self.frames if kind == "sent"]
        if not sends or not wire_sent:
            return math.nan, []
        offset = sends[0] - wire_sent[-len(sends)]  # the frames sent since since_ms are the last len(sends) ones
        start = wire_sent[-len(sends)]
        return sends[0], [t + offset for kind, t in self.frames if kind == "received" and t >= start]


def phases(page, wire: Wire, input_ms: float, shown_ms: float, done_ms: float) -> dict[str, float]:
    """Split an input's latency (page clock, ms): ``to_send`` until the page sends it, ``wire`` until
    the rerun's last message arrives at the browser's network stack (server script and transfer),
    ``render`` from there until the script is idle and the result drawn; ``shown`` is when the
    result is on screen (for the map, when the run is over), ``total`` when the run is over."""
    sent, received = wire.on_page_clock(page, input_ms)
    last = max(received, default=math.nan)
    return {
        "shown": shown_ms - input_ms,
        "total": done_ms - input_ms,
        "to_send": sent - input_ms,
        "sent_to_shown": shown_ms - sent,
        "wire": last - sent,
        "render": done_ms - last,
    }


def open_page(context, path: str):
    """A new instrumented page of ``context`` at ``path`` (not waited for), and its wire."""
    page = context.new_page()
    page.add_init_script(INSTRUMENT)
    wire = Wire(context, page)
    page.goto(path)
    return page, wire


def medians(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}
