"""A short network drop does not lose the run: the page reconnects to the same session and the
Step count carries on (the connection cut by a TCP proxy between Chromium and the server)."""

from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.browser import metric_value, wait_for_metric, wait_for_script
from tests.e2e.tcp_proxy import CuttableProxy


def test_a_three_second_drop_keeps_the_run(page, server_url, screenshot):
    proxy = CuttableProxy(urlparse(server_url).port)
    try:
        page.goto(f"http://127.0.0.1:{proxy.port}/flows?seed=7&n_layers=2")
        wait_for_script(page)
        page.get_by_role("button", name="▶ Train").click()
        expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
        before = wait_for_metric(page, "Step", lambda step: step >= 200, timeout=60)
        proxy.cut(3.0)
        page.wait_for_timeout(3_500)
        after = wait_for_metric(page, "Step", lambda step: step > before + 200, timeout=60)
        assert after > before, "the run carried on after the reconnect, not from step 0"
        expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
        assert page.locator("[data-testid='stException']").count() == 0
        screenshot("flows_after_reconnect")
        page.get_by_role("button", name="⏸ Pause").click()
        expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
        assert float(metric_value(page, "Step").replace(",", "")) >= after
    finally:
        proxy.close()
