"""The Diffusion page in Chromium: flow matching trained live redraws W1 and measures the exact KL."""

import math

from playwright.sync_api import expect

from tests.e2e.browser import no_exception_or_message, open_and_wait, wait_for_metric


def test_flow_matching_trained_live_redraws_w1_and_the_exact_kl(page, server_url, screenshot):
    """The plumbing: W1 (every metrics call) follows the training, and the exact KL through the ODE
    (costly frames, and whenever the run stops: "–" until then) is shown by Pause at the latest. How
    far they fall in 400 steps: tests/unit/test_diffusion.py."""
    open_and_wait(page, f"{server_url}/diffusion?sample_steps=20", "W₁")
    first_w1 = wait_for_metric(page, "W₁", math.isfinite, timeout=15)
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "W₁", lambda w1: w1 != first_w1, timeout=15)
    screenshot("diffusion_live")
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "KL(p‖q)", math.isfinite, timeout=15)
    no_exception_or_message(page)


def test_a_guided_model_measures_quality_against_steps(page, server_url, screenshot):
    open_and_wait(
        page, f"{server_url}/diffusion?target=grid25&conditional=true&guidance=2&field_noise_level=0.3", "Spread"
    )
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_role("button", name="Measure quality against steps").click()
    expect(page.get_by_text("W₁ against log₁₀ steps")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("noise level 0.3")).to_be_visible()
    screenshot("diffusion_guided_quality")
    no_exception_or_message(page)
