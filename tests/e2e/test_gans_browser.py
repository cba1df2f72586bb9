"""Open the GANs page in Chromium, train, and watch the counters and metrics move."""

import time

from playwright.sync_api import expect

from tests.e2e.browser import metric_value, wait_for_metric, wait_for_script


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_gans_train_counters_move_metrics_shown_then_pause(page, server_url, screenshot):
    page.goto(f"{server_url}/gans?target=ring8&seed=1")
    wait_for_script(page)
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=30_000)
    wait_for_metric(page, "Step", lambda step: step == 0)
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "Step", lambda step: step >= 25, timeout=15)  # 3 of 8 modes by step 10 (seed 1)
    wait_for_metric(page, "Steps / s", lambda speed: speed > 0, timeout=15)  # measured over the last second
    expect(page.get_by_text("Per-mode timeline").first).to_be_visible(timeout=15_000)
    screenshot("gans_training")

    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    wait_for_script(page)
    captured, total = (int(v) for v in metric_value(page, "Modes").split(" / "))
    assert total == 8 and captured >= 1
    paused_step = _number(metric_value(page, "Step"))
    time.sleep(1.0)
    assert _number(metric_value(page, "Step")) == paused_step, "no steps while paused"
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot("gans_paused")


def test_gans_ab_and_one_d_steps(page, server_url, screenshot):
    page.goto(
        f"{server_url}/gans?target=ring8_narrow&ab=1&b_loss=wgan_gp&g_width=32&d_width=32&b_g_width=32&b_d_width=32"
    )
    wait_for_script(page)
    expect(page.get_by_text("Run B: WGAN-GP")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Step D").click()
    wait_for_metric(page, "Step", lambda step: step == 1)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot("gans_ab")

    page.goto(f"{server_url}/gans?target=bimodal_1d")
    wait_for_script(page)
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_metric(page, "Step", lambda step: step == 1)
    expect(page.get_by_text("p_data(x)").first).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot("gans_one_d")
