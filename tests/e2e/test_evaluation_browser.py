"""The Evaluation page in Chromium: the table, the FID chart and every model's samples, no error."""

from playwright.sync_api import expect

from engine.evaluation.table import IMAGE_MODELS
from tests.e2e.browser import no_exception_or_message, open_and_wait


def test_the_table_chart_and_samples_show(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/evaluation?samples=true&sort=precision", "Read with care")
    expect(page.locator("[data-testid='stDataFrame']")).to_be_visible()
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stImage']")).to_have_count(len(IMAGE_MODELS), timeout=120_000)
    screenshot("evaluation")
    no_exception_or_message(page)
