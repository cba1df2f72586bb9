"""The VAE page's "Train live" view in Chromium: train, the held-out ELBO rises, pause holds,
and the live settings survive a trip to another view."""

import math
import time

from playwright.sync_api import expect

from tests.e2e.browser import metric_value, wait_for_metric, wait_for_script


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def test_vae_trains_live_then_pauses_and_keeps_its_link(page, server_url, screenshot):
    page.goto(f"{server_url}/vae?view=live&live_seed=1")
    wait_for_script(page)
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "Step", lambda step: step >= 1, timeout=15)
    first_elbo = wait_for_metric(page, "Held-out ELBO", math.isfinite, timeout=15)
    # the ELBO follows the training (how far it rises in 300 steps: tests/unit/test_vae_training.py)
    wait_for_metric(page, "Held-out ELBO", lambda elbo: elbo != first_elbo, timeout=15)
    screenshot("vae_live_training")

    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    wait_for_script(page)
    paused_step = _number(metric_value(page, "Step"))
    time.sleep(1.0)
    assert _number(metric_value(page, "Step")) == paused_step, "no steps while paused"
    assert page.locator("[data-testid='stException']").count() == 0

    page.get_by_text("Latent map").click()
    wait_for_script(page)
    expect(page.get_by_text("decoded at z").first).to_be_visible(timeout=30_000)
    assert "live_seed=1" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
