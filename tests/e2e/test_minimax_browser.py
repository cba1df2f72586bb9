"""The Minimax page in Chromium: Play draws the iterates frame by frame, then the whole path."""

from playwright.sync_api import expect

from tests.e2e.browser import open_and_wait


def test_play_animates_the_path_and_ends_with_all_of_it(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/minimax?rule=extragradient&steps=100", "Spectral radius ρ")
    expect(page.get_by_text("extragradient converges")).to_be_visible()
    picture = page.locator("[data-testid='stImage'] img").first
    still = picture.get_attribute("src")
    page.get_by_role("button", name="▶ Play the iterations").click()
    sources = set()
    for _ in range(20):
        page.wait_for_timeout(150)
        sources.add(picture.get_attribute("src"))
    assert len(sources - {still}) >= 3, "the picture changes frame by frame while it plays"
    screenshot("minimax_playing")
    assert page.locator("[data-testid='stException']").count() == 0
