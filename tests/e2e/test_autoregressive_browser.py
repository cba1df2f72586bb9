"""The Autoregressive page in Chromium: every view opens cleanly, a digit fills in pixel by pixel,
a drawn digit gets completed, and live training steps and redraws the NLL (digits) and KL (RNADE)."""

import math
import time

from playwright.sync_api import expect

from engine.autoregressive import explore
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from tests.e2e.browser import no_exception_or_message, open_and_wait, open_each_view, wait_for_metric
from tests.e2e.canvas_drawing import draw_polyline

VIEW_READY = {
    "sample": "Pixels drawn",
    "complete": "row by row",
    "surprise": "Lowest exact",
    "receptive": "MADE's masks",
    "table": "Held-out NLL against sampling time",
}


def test_every_view_opens_cleanly(page, server_url, screenshot):
    for view in open_each_view(page, f"{server_url}/autoregressive", explore.VIEWS, VIEW_READY):
        no_exception_or_message(page)
        screenshot(f"autoregressive_{view}")


def test_a_digit_fills_in_pixel_by_pixel(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/autoregressive?model=ar-pixelcnn&samples=8", "Pixels drawn")
    page.get_by_role("button", name="🎲 Sample").click()
    pictures, deadline = set(), time.monotonic() + 20
    while time.monotonic() < deadline and not (len(pictures) > 5 and page.get_by_text("784 of 784").count()):
        images = page.locator("[data-testid='stImage'] img")
        if images.count():
            pictures.add(images.first.get_attribute("src"))
        time.sleep(0.05)
    assert len(pictures) >= 5, f"only {len(pictures)} different frames seen while sampling"
    expect(page.get_by_text("784 of 784")).to_be_visible(timeout=30_000)
    assert "seed=1" in page.url
    no_exception_or_message(page)
    screenshot("autoregressive_sampled")


def test_a_drawn_digit_is_completed_by_every_model(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/autoregressive?view=complete&source=drawn", "Draw a whole digit")
    draw_polyline(page, [(70, 60), (210, 60), (150, 250)], key="ar_complete_canvas")  # a 7
    expect(page.get_by_text("row by row", exact=False)).to_be_visible(timeout=60_000)
    # the given half and 4 completions per model (the first run computes them all: a few seconds)
    expect(page.locator("[data-testid='stImage']")).to_have_count(2 * len(SHIPPED_AUTOREGRESSIVE), timeout=60_000)
    expect(page.get_by_text("PixelCNN", exact=True)).to_be_visible()
    no_exception_or_message(page)
    screenshot("autoregressive_completed")


def test_training_live_updates_the_nll_and_the_kl(page, server_url, screenshot):
    """The plumbing: Step grows, the NLL (digits) and the KL (RNADE) follow the training (how far
    they fall in how many steps: tests/unit/test_autoregressive_views.py)."""
    open_and_wait(page, f"{server_url}/autoregressive?view=live", "Bits per dimension")
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "Step", lambda step: step >= 1, timeout=15)
    first = wait_for_metric(page, "Held-out NLL", math.isfinite, timeout=15)
    wait_for_metric(page, "Held-out NLL", lambda nll: nll != first, timeout=15)
    screenshot("autoregressive_live")
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)

    open_and_wait(page, f"{server_url}/autoregressive?view=rnade", "KL(p‖q)")
    first = wait_for_metric(page, "KL(p‖q)", math.isfinite, timeout=15)
    page.get_by_role("button", name="▶ Train").click()
    wait_for_metric(page, "KL(p‖q)", lambda kl: kl != first, timeout=15)
    screenshot("autoregressive_rnade")
    page.get_by_role("button", name="⏸ Pause").click()
    assert page.locator("[data-testid='stException']").count() == 0
