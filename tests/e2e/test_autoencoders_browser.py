"""The Autoencoders page in Chromium: every view opens without an exception or a message, and an
AE trained live steps and redraws its held-out error."""

import math

from playwright.sync_api import expect

from engine.autoencoders.explore import VIEWS
from tests.e2e.browser import metric_value, no_exception_or_message, open_and_wait, open_each_view, wait_for_metric
from tests.e2e.canvas_drawing import draw_polyline

VIEW_READY = {
    "pca": "principal angles",
    "denoise": "PSNR, denoising AE",
    "compress": "Bytes per image",
    "cluster": "k-means with k = 10",
    "anomaly": "ROC AUC",
}


def test_every_view_opens_cleanly(page, server_url, screenshot):
    for view in open_each_view(page, f"{server_url}/autoencoders", VIEWS, VIEW_READY):
        no_exception_or_message(
            page, allow_info=view in ("denoise", "anomaly")
        )  # the canvases' prompts; the 1s' AUC note
        screenshot(f"autoencoders_{view}")


def test_an_autoencoder_trained_live_updates_its_error(page, server_url, screenshot):
    """The plumbing: Step grows and the held-out error follows the training (that it falls below 0.7x
    in 60 steps: tests/unit/test_autoencoders.py)."""
    open_and_wait(page, f"{server_url}/autoencoders?view=live&live_kind=mlp&live_latent_dim=8", "PCA, same r")
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "Step", lambda step: step >= 1, timeout=15)
    first = wait_for_metric(page, "Held-out error", math.isfinite, timeout=15)
    wait_for_metric(page, "Held-out error", lambda error: error != first, timeout=15)
    screenshot("autoencoders_live")
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_scribble_is_cleaned_and_a_drawing_is_scored(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/autoencoders?view=denoise&scribble_digit=0", "Scribble over a digit")
    draw_polyline(page, [(40, 40), (240, 240), (40, 240), (240, 40)], key="ae_scribble")
    expect(page.get_by_text("denoising AE:", exact=False).first).to_be_visible(timeout=30_000)
    screenshot("autoencoders_scribble")
    open_and_wait(page, f"{server_url}/autoencoders?view=anomaly&left_out=8", "Draw anything")
    draw_polyline(page, [(60, 60), (220, 60), (140, 240)], key="ae_anomaly_canvas")  # a 7-ish stroke
    expect(page.get_by_text("Your drawing's score s(x)")).to_be_visible(timeout=30_000)
    assert float(metric_value(page, "Your drawing's score s(x)")) > 0
    screenshot("autoencoders_drawn")
    assert page.locator("[data-testid='stException']").count() == 0
