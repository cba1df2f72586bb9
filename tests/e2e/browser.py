"""Small helpers for driving a Streamlit page in Playwright."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(
    log_path: Path | None = None,
    timeout: float = 90.0,
    script: str = "serve.py",
    options: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
):
    """Run `streamlit run serve.py` (as the README does; ``script="app.py"`` serves the same app
    without the warm-up at start) on a free loopback port, with extra ``--name value`` Streamlit
    ``options`` and ``env`` variables; yield its URL."""
    port = free_port()
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            *(item for name, value in (options or {}).items() for item in (f"--{name}", value)),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        f"the streamlit server did not answer /_stcore/health within {timeout:g} s"
                    ) from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path:
            log.close()


def wait_for_script(page, timeout: float = 30_000) -> None:
    """Wait until the Streamlit script run has finished."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def metric_value(page, label: str) -> str:
    """The shown value of the st.metric whose label is exactly ``label``."""
    for metric in page.locator("[data-testid='stMetric']").all():
        if metric.locator("[data-testid='stMetricLabel']").inner_text().strip() == label:
            return metric.locator("[data-testid='stMetricValue']").inner_text().strip()
    raise AssertionError(f"no metric labelled {label!r} on the page")


def wait_for_metric(page, label: str, predicate, timeout: float = 30.0) -> float:
    """Poll the metric ``label`` until ``predicate(value)`` holds; return the value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        try:
            value = float(metric_value(page, label).replace(",", ""))
        except (AssertionError, ValueError):
            value = None
        if value is not None and predicate(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"metric {label!r} never satisfied the condition (last value {value})")


def shown_metrics(page) -> dict[str, str]:
    """Every st.metric on the page as {label: shown value}, read in one go (one DOM snapshot, so a
    redraw between two reads cannot pair one run's label with another's value)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("[data-testid='stMetric']")].map((metric) => [
             metric.querySelector("[data-testid='stMetricLabel']")?.innerText.trim(),
             metric.querySelector("[data-testid='stMetricValue']")?.innerText.trim(),
           ]))"""
    )


def wait_for_metrics(page, labels, predicate=lambda *values: True, timeout: float = 15.0) -> tuple[float, ...]:
    """Poll until every metric in ``labels`` shows a number, read together, and ``predicate(*values)``
    holds; return the values. A finished script run does not mean its metrics are drawn: Streamlit
    loads the metric's component lazily, and on a busy machine they appear seconds after the run
    ended and after the elements below them."""
    deadline, values = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        shown = shown_metrics(page)
        try:
            values = tuple(float(shown[label].replace(",", "")) for label in labels)
        except (KeyError, AttributeError, ValueError):
            values = None
        if values is not None and predicate(*values):
            return values
        time.sleep(0.2)
    raise AssertionError(f"metrics {labels!r} never satisfied the condition (last values {values}; shown {shown})")


def no_exception_or_message(page, allow_info: bool = False) -> None:
    """Assert the page shows neither a traceback nor an st.error/warning (nor, unless ``allow_info``,
    an st.info) box."""
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, (
        f"the page shows an exception: {errors.first.inner_text()} (see artifacts/streamlit-e2e.log)"
    )
    alerts = page.locator("[data-testid='stAlert']")
    if allow_info:
        alerts = alerts.filter(has_not=page.locator("[data-testid='stAlertContentInfo']"))
    assert alerts.count() == 0, f"the page shows a message: {alerts.first.inner_text()}"


def url_query(page) -> dict[str, str]:
    """The page's URL query as a dict (first value of each key)."""
    from urllib.parse import parse_qs, urlparse

    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def open_and_wait(page, url: str, ready_text: str | None = None, exact: bool = False) -> None:
    """Go to ``url`` and wait for the script run; with ``ready_text``, also for that text to show
    (the first script run may not have started yet when the app reports notRunning)."""
    page.goto(url)
    wait_for_script(page, timeout=60_000)
    if ready_text:
        from playwright.sync_api import expect

        expect(page.get_by_text(ready_text, exact=exact).first).to_be_visible(timeout=60_000)
        wait_for_script(page, timeout=60_000)


def open_each_view(page, url: str, view_labels: dict[str, str], ready_texts: dict[str, str]):
    """Open ``url`` at the first view of ``ready_texts``, then pick each other view in the page's
    "View" radio (a script rerun, not a new page load: several seconds of CPU less a view); yield
    each view's key once its ``ready_texts`` text shows, its script run is over and its plotly
    charts are drawn."""
    from playwright.sync_api import expect

    views = list(ready_texts)
    open_and_wait(page, f"{url}?view={views[0]}", ready_texts[views[0]])
    for view in views:
        if view != views[0]:
            page.get_by_test_id("stRadio").filter(has_text="View").get_by_text(view_labels[view], exact=True).click()
            expect(page.get_by_text(ready_texts[view]).first).to_be_visible(timeout=60_000)
            wait_for_script(page, timeout=60_000)
        assert url_query(page).get("view", views[0]) == view, page.url
        for chart in page.locator("[data-testid='stPlotlyChart']").all():
            expect(chart.locator(".main-svg").first).to_be_visible(timeout=30_000)
        yield view
