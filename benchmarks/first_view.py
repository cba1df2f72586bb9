"""Every page's first view in Chromium, and the first Train, right after the server starts and on
a warm server: ``streamlit run serve.py`` (ours: the trainers' fork server and torch warmed when the
server starts) against ``streamlit run app.py`` (the peer: the same app, warmed on the first visit).

- cold: for each page, a fresh server; the moment ``/_stcore/health`` answers, a fresh browser
  opens the page; seconds from navigation start until the first script run has finished with
  every image loaded. On the Flows page's server the visitor then presses Train: seconds from the
  click to the first step on screen.
- warm: on the last server, after one visit to every page, each page in ``--repeats`` fresh
  browser contexts (a new visitor: no cache, a new session); the median.

Targets (issue 13): warm first view <= 1.5 s, cold <= 3 s, for every page.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from app_ui import registry
from benchmarks.browser_timing import open_page
from benchmarks.common import print_table, write_results

RESULTS = Path(__file__).parent / "results" / "first_view.json"
TARGETS = {"warm_s": 1.5, "cold_s": 3.0}
ENTRIES = {"serve.py": "ours", "app.py": "peer"}
PAGES = {entry.title: f"/{entry.url_path}" for entry in (registry.HOME, *registry.PAGES)}
VIEW_DONE = """() => {
  if (!(window.__gpRunsFinished > 0 && window.__gpIdle())) return false;
  const images = [...document.querySelectorAll("[data-testid='stMain'] img")];
  return images.every((i) => i.complete && i.naturalWidth > 0) ? performance.now() : false;
}"""
FIRST_STEP = """() => {
  const step = window.__gpMetric("Step");
  return step !== null && parseFloat(step.replace(/,/g, "")) > 0 ? performance.now() : false;
}"""


def first_view(context, url: str) -> tuple[Any, float]:
    """The open page and the seconds from its navigation start to its first view done (the
    frontend's own load, Streamlit's JavaScript, is printed as ``frontend``)."""
    page, _ = open_page(context, url)
    done_ms = page.wait_for_function(VIEW_DONE, timeout=120_000, polling=50).json_value()
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{url} shows an exception")
    loaded_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    print(f"  {url}: {done_ms / 1000:.2f} s (frontend loaded at {loaded_ms / 1000:.2f} s)", flush=True)
    return page, done_ms / 1000


def first_train(page) -> float:
    """Seconds from the click on Train to the first step on screen."""
    clicked_ms = page.evaluate("performance.now()")
    page.get_by_role("button", name="▶ Train").click()
    step_ms = page.wait_for_function(FIRST_STEP, timeout=120_000, polling=50).json_value()
    return (step_ms - clicked_ms) / 1000


def measure_entry(browser, script: str, repeats: int) -> dict[str, Any]:
    from tests.e2e.browser import serve_app

    def context():
        return browser.new_context(viewport={"width": 1500, "height": 1000})

    cold, warm, train_s = {}, {}, None
    titles = list(PAGES)
    for i, title in enumerate(titles):
        with serve_app(script=script) as url:
            with context() as fresh:
                page, cold[title] = first_view(fresh, url + PAGES[title])
                if PAGES[title] == "/flows":
                    train_s = first_train(page)
            print(
                f"{script}: cold {title} {cold[title]:.2f} s"
                + (f", Train -> first step {train_s:.2f} s" if PAGES[title] == "/flows" else ""),
                flush=True,
            )
            if i < len(titles) - 1:
                continue
            with context() as visitor:  # the server's own caches warm: one visit to every page
                for path in PAGES.values():
                    first_view(visitor, url + path)[0].close()
            for title_ in titles:
                samples = []
                for _ in range(repeats):
                    with context() as fresh:
                        samples.append(first_view(fresh, url + PAGES[title_])[1])
                warm[title_] = {"median_s": statistics.median(samples), "samples_s": samples}
                print(f"{script}: warm {title_} {warm[title_]['median_s']:.2f} s", flush=True)
    return {"cold_s": cold, "warm": warm, "cold_train_to_first_step_s": train_s}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks first_view", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh visitors per page on the warm server")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.e2e.browser import CHROMIUM_FLAGS

    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        results = {script: measure_entry(browser, script, args.repeats) for script in ENTRIES}
        browser.close()
    ours, peer = results["serve.py"], results["app.py"]
    rows = []
    for title in PAGES:
        for kind, get in (("cold", lambda r, t: r["cold_s"][t]), ("warm", lambda r, t: r["warm"][t]["median_s"])):
            value, peer_value = get(ours, title), get(peer, title)
            rows.append(
                {
                    "figure": f"{title}: first view, {kind} (s)",
                    "ours": f"{value:.2f}",
                    "peer": f"{peer_value:.2f}",
                    "ratio": f"{value / peer_value:.2f}",
                    "target": f"<= {TARGETS[kind + '_s']}",
                    "pass": value <= TARGETS[kind + "_s"],
                }
            )
    train, peer_train = ours["cold_train_to_first_step_s"], peer["cold_train_to_first_step_s"]
    rows.append(
        {
            "figure": "Flows, right after start: Train -> first step (s)",
            "ours": f"{train:.2f}",
            "peer": f"{peer_train:.2f}",
            "ratio": f"{train / peer_train:.2f}",
            "target": "-",
            "pass": None,
        }
    )
    print_table(rows)
    write_results(
        args.output,
        "first_view",
        False,
        started,
        targets=TARGETS,
        rows=rows,
        results=results,
        notes="ours = streamlit run serve.py (warm-up at server start); peer = streamlit run app.py "
        "(warm-up on the first visit). Chromium headless on this machine, the server on the same 2 cores.",
    )
    return 0
