"""A short network drop does not lose the run: the page reconnects to the same session and the
Step count carries on (the connection cut by a TCP proxy between Chromium and the server). The
released-runs path (a drop longer than the runs' TTL) is tested through the registry with a fake
clock: tests/unit/test_session_runs.py."""

from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.browser import metric_value, serve_app, wait_for_metric, wait_for_script
from tests.e2e.tcp_proxy import CuttableProxy


def test_a_three_second_drop_keeps_the_run(page, server_url, screenshot):
    proxy = CuttableProxy(urlparse(server_url).port)
    try:
        page.goto(f"http://127.0.0.1:{proxy.port}/flows?seed=7&n_layers=2")
        wait_for_script(page, timeout=15_000)
        page.get_by_role("button", name="▶ Train").click()
        expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
        before = wait_for_metric(page, "Step", lambda step: step >= 60, timeout=15)
        proxy.cut(3.0)
        page.wait_for_timeout(3_500)
        after = wait_for_metric(page, "Step", lambda step: step > before + 60, timeout=15)
        assert after > before, "the run carried on after the reconnect, not from step 0"
        expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
        assert page.locator("[data-testid='stException']").count() == 0
        screenshot("flows_after_reconnect")
        page.get_by_role("button", name="⏸ Pause").click()
        expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
        assert float(metric_value(page, "Step").replace(",", "")) >= after
    finally:
        proxy.close()


def test_a_drop_longer_than_streamlits_ttl_hands_the_run_over_to_the_new_session(page, screenshot):
    """Streamlit forgets a session 2 s after its websocket drops; our runs are kept 12 s. After a
    3-s drop (the browser is back a few seconds later: its reconnects back off) it gets a new
    session, which takes the old one's run over: Step carries on."""
    with serve_app(options={"server.disconnectedSessionTTL": "2"}, env={"GP_RUN_TTL_S": "12"}) as url:
        proxy = CuttableProxy(urlparse(url).port)
        try:
            page.goto(f"http://127.0.0.1:{proxy.port}/flows?seed=7&n_layers=2")
            wait_for_script(page, timeout=15_000)
            page.get_by_role("button", name="▶ Train").click()
            before = wait_for_metric(page, "Step", lambda step: step >= 60, timeout=15)
            proxy.cut(3.0)
            page.wait_for_timeout(3_500)
            after = wait_for_metric(page, "Step", lambda step: step > before + 60, timeout=15)
            expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
            assert after > before, "the new session took the run over"
            assert page.locator("[data-testid='stException']").count() == 0
            screenshot("flows_run_taken_over")
        finally:
            proxy.close()
