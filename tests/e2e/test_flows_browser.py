"""Open the app in Chromium, go to Flows, train, and watch the numbers move."""

import math
import time
from pathlib import Path

from playwright.sync_api import expect

from app_ui import registry
from tests.e2e.browser import metric_value, wait_for_metric, wait_for_script


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_home_page_shows_cards_device_and_every_page_in_the_top_menus(page, server_url, screenshot):
    page.goto(server_url)
    wait_for_script(page)
    expect(page.get_by_text("Generative Playground").first).to_be_visible()
    expect(page.get_by_text("Device for the engine")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    navigation = page.get_by_test_id("stTopNav")  # the sidebar is left to each page's controls
    for section, pages in registry.sections().items():
        navigation.get_by_text(section, exact=True).click()
        links = page.get_by_test_id("stTopNavDropdownLink")
        expect(links).to_have_count(len(pages))
        for entry in pages:
            expect(links.get_by_text(entry.title, exact=True)).to_be_visible()
        page.keyboard.press("Escape")
        expect(links).to_have_count(0)
    screenshot("home")
    navigation.get_by_text(registry.THEORY, exact=True).click()
    page.get_by_test_id("stTopNavDropdownLink").get_by_text("Minimax dynamics", exact=True).click()
    page.wait_for_url("**/minimax*")
    wait_for_script(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_flows_train_step_count_rises_nll_moves_then_pause(page, server_url, screenshot):
    """The plumbing: Step grows, the NLL follows the training, Pause freezes the count (how far the NLL
    falls in how many steps: tests/unit/test_flow_training.py)."""
    page.goto(f"{server_url}/flows?target=ring8&flow_type=spline&seed=3")
    wait_for_script(page)
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible()
    wait_for_metric(page, "Step", lambda step: step == 0)  # the live fragment may draw just after the script run
    nll_before = _number(metric_value(page, "Held-out NLL"))

    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=15_000)
    wait_for_metric(page, "Step", lambda step: step >= 20, timeout=15)
    screenshot("flows_training")

    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Train")).to_be_visible(timeout=15_000)
    wait_for_script(page)
    nll_after = _number(metric_value(page, "Held-out NLL"))
    assert nll_after != nll_before, f"the NLL stayed at {nll_before}"
    paused_step = _number(metric_value(page, "Step"))
    time.sleep(1.0)
    assert _number(metric_value(page, "Step")) == paused_step, "no steps while paused"
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("How the flow moves space").is_visible()
    screenshot("flows_paused")


def test_flows_one_d_step(page, server_url, screenshot):
    page.goto(f"{server_url}/flows?target=bimodal_1d&n_layers=1")
    wait_for_script(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_metric(page, "Step", lambda step: step == 1)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot("flows_one_d")


def test_flows_bad_link_shows_error_and_defaults(page, server_url):
    page.goto(f"{server_url}/flows?n_layers=100")
    wait_for_script(page)
    expect(page.locator("[data-testid='stAlert']").filter(has_text="could not be used")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0


def _trainer_workers() -> set[int]:
    """PIDs of trainer workers: processes forked by multiprocessing's fork server."""
    parents = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"forkserver" in cmdline.read_bytes():
                stat = (cmdline.parent / "stat").read_text()
                parents[int(cmdline.parent.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return {pid for pid, parent in parents.items() if parent in parents}


def test_closing_the_tab_stops_its_trainer(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    before = _trainer_workers()
    page.goto(f"{server_url}/flows")
    wait_for_script(page)
    page.get_by_role("button", name="▶ Train").click()
    wait_for_metric(page, "Step", lambda step: step > 0)
    ours = _trainer_workers() - before
    assert ours, "a worker process trains this session"
    context.close()
    deadline = time.monotonic() + 45  # disconnectedSessionTTL (10 s) plus the server's sweep
    while time.monotonic() < deadline and ours & _trainer_workers():
        time.sleep(0.5)
    assert not ours & _trainer_workers(), "the closed tab's trainer process was stopped"


def test_draw_your_own_target_and_train_on_it(page, server_url, screenshot):
    page.goto(f"{server_url}/flows?target=drawn")
    wait_for_script(page)
    expect(page.get_by_text("Draw a little more").or_(page.get_by_text("Draw with the mouse")).first).to_be_visible()
    canvas = page.locator("canvas").first
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 290, box["y"] + 180)
    page.mouse.down()
    for i in range(60):
        angle = i / 59 * 2 * math.pi
        page.mouse.move(box["x"] + 180 + 110 * math.cos(angle), box["y"] + 180 + 110 * math.sin(angle), steps=2)
    page.mouse.up()
    expect(page.get_by_text("smoothed by a Gaussian kernel of width").first).to_be_visible(
        timeout=15_000
    )  # sidebar and About
    wait_for_script(page)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_metric(page, "Step", lambda step: step == 1)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot("flows_drawn")
