"""Small helpers for driving a Streamlit page in Playwright."""

import time


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
