"""Small helpers for driving a Streamlit page in Playwright."""


def wait_for_script(page, timeout: float = 30_000) -> None:
    """Wait until the Streamlit script run has finished."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()
