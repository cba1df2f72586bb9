"""The Image GANs page in Chromium: the class grid of the shipped cGAN, and a DCGAN trained live."""

from playwright.sync_api import expect

from tests.e2e.browser import metric_value, no_exception_or_message, open_and_wait, wait_for_metric


def test_the_class_grid_and_a_live_dcgan(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/image_gans?model=gan-projection&view=classes", "reads each row as asked")
    screenshot("image_gans_classes")
    no_exception_or_message(page)
    open_and_wait(page, f"{server_url}/image_gans?view=train&live_width=16", "Step")
    page.get_by_role("button", name="▶ Train").click()
    wait_for_metric(page, "Step", lambda step: step >= 3, timeout=15)
    expect(page.get_by_text("FID (classifier)")).to_be_visible()
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    assert metric_value(page, "FID (classifier)") != "–"
    screenshot("image_gans_live")
    no_exception_or_message(page)
