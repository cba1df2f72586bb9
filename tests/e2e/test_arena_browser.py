"""The Arena in Chromium: a short race runs to its end, scored, and can be replayed."""

from playwright.sync_api import expect

from tests.e2e.browser import open_and_wait


def test_a_short_race_runs_to_the_end_and_replays(page, server_url, screenshot):
    open_and_wait(page, f"{server_url}/arena?contenders=flow,gan,rnade&budget_s=1", "Scores after")
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_text("The race is over")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("1.0 of 1 s each")).to_be_visible(timeout=15_000)
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    screenshot("arena_finished")
    replay = page.get_by_role("slider").last  # "Replay: show the race at", now at "the latest"
    replay.focus()
    replay.press("Home")  # the start line
    expect(page.get_by_text("Scores after 0.0 s of training each")).to_be_visible(timeout=30_000)
    assert "replay_at=0" in page.url
    assert page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count() == 0
