"""Open the VAE page in Chromium: click on the latent map to decode that z; draw a seven and see its posterior."""

import re
from statistics import NormalDist
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from engine.vae.views import MAP_LEFT, MAP_SIZE, MAP_TOP
from tests.e2e.browser import metric_value, wait_for_script
from tests.e2e.canvas_drawing import SEVEN_280, draw_polyline

STEPS = 48  # aim at u = (i, j) / (STEPS + 1)

TALL = {"width": 1500, "height": 2000}  # the whole view fits in a screenshot (the app scrolls inside the page)


def aimed_z(index: int) -> float:
    """z at u = index / (STEPS + 1) on a quantile-spaced map (even in u = Phi(z) on (0, 1))."""
    return NormalDist().inv_cdf(index / (STEPS + 1))


def no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, (
        f"the page shows an exception: {errors.first.inner_text()} (see artifacts/streamlit-e2e.log)"
    )


def test_vae_map_click_decodes_that_z(page, server_url, screenshot):
    page.set_viewport_size(TALL)
    page.goto(f"{server_url}/vae")
    wait_for_script(page, timeout=60_000)
    expect(page.get_by_text("decoded at z = (0.00, 0.00)")).to_be_visible(timeout=30_000)
    no_exception(page)

    # Without the test encodings a click decodes exactly the z under the mouse (an encoding dot
    # under it would select that digit's z instead).
    page.get_by_text("Show the test digits' encodings").click()
    expect(page).to_have_url(re.compile(r"encodings=False"), timeout=15_000)
    wait_for_script(page)
    # The map is an image in a component's iframe: plot area at (MAP_LEFT, MAP_TOP), MAP_SIZE px a
    # side, even in u = Phi(z) with u_2 pointing up. Aim at u = (i, j) / (STEPS + 1).
    image = page.frame_locator("iframe[title*='image_coordinates']").locator("img")
    expect(image).to_be_visible(timeout=30_000)
    box = image.bounding_box()
    i, j = 40, 15
    u1, u2 = i / (STEPS + 1), j / (STEPS + 1)
    page.mouse.click(box["x"] + MAP_LEFT + u1 * MAP_SIZE, box["y"] + MAP_TOP + (1 - u2) * MAP_SIZE)

    z1, z2 = aimed_z(i), aimed_z(j)
    caption = page.get_by_text(re.compile(r"decoded at z = \((?!0\.00, 0\.00)"))
    expect(caption.or_(page.locator("[data-testid='stException']")).first).to_be_visible(timeout=15_000)
    no_exception(page)
    wait_for_script(page)
    shown = [float(v) for v in re.findall(r"-?\d+\.\d+", caption.inner_text())]
    assert abs(shown[0] - z1) < 0.03 and abs(shown[1] - z2) < 0.03, (shown, z1, z2)  # within a pixel or so
    query = parse_qs(urlparse(page.url).query)
    assert [float(query["z1"][0]), float(query["z2"][0])] == shown, page.url
    assert float(page.get_by_label("z₁").input_value()) == shown[0]
    no_exception(page)
    screenshot("vae_map_clicked")


def test_vae_drawn_seven_shows_its_posterior(page, server_url, screenshot):
    page.set_viewport_size(TALL)
    page.goto(f"{server_url}/vae?view=posterior")
    wait_for_script(page, timeout=60_000)
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible(timeout=30_000)

    draw_polyline(page, SEVEN_280, key="vae_canvas")
    expect(page.get_by_text("ELBO (nats)", exact=True)).to_be_visible(timeout=15_000)
    wait_for_script(page)
    elbo = float(metric_value(page, "ELBO (nats)"))
    kl = float(metric_value(page, "KL(q(z|x) ‖ p(z))"))
    assert -400 < elbo < 0 and kl > 0
    assert float(metric_value(page, "L_1000 ≤ log p(x)")) >= elbo - 0.5  # L_k >= ELBO, up to Monte Carlo noise
    # The classifier labels the input and its reconstruction; the drawn seven reads as a 7.
    labels = page.get_by_text(re.compile(r"^classifier: \d \(\d+%\)$"))
    expect(labels.first).to_be_visible()
    assert labels.count() == 2
    assert labels.first.inner_text().startswith("classifier: 7")
    expect(page.get_by_text("input x (binarized)")).to_be_visible()
    no_exception(page)
    screenshot("vae_posterior_drawn")
