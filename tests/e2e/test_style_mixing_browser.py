"""Open the Style Mixing page in Chromium: the mixing grid and its caption, the layer presets and
boxes (and their link), bad seeds typed in and fixed, and the truncation and influence views."""

import re

from playwright.sync_api import expect

from engine.stylegan import explore
from tests.e2e.browser import no_exception_or_message, open_and_wait, url_query, wait_for_script

GRID_CAPTION = "Top row: source A."
SEEDS_A = "Source A seeds (top row)"
PRESET = "Copy B's styles at"
BOXES = ["0: 4×4", "1: 8×8 up", "2: 8×8", "3: 16×16 up", "4: 16×16", "5: 32×32 up", "6: 32×32"]


def grid_width(columns: int) -> int:
    """The mixing grid's width in pixels: source B's column and ``columns`` of source A."""
    return (1 + columns) * (explore.CELL + explore.GAP) - explore.GAP


def open_page(page, server_url: str, query: str = "", ready_text: str | None = None) -> None:
    open_and_wait(page, f"{server_url}/style_mixing{query}", ready_text, exact=False)


def images(page):
    return page.get_by_test_id("stImage").locator("img")


def loaded_size(image, timeout: float = 30_000) -> tuple[int, int]:
    """Wait until ``image`` (an <img>) has decoded its picture; its natural (width, height)."""
    image.page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(timeout=timeout), timeout=timeout
    )
    return tuple(image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]"))


def preset_radio(page):
    return page.get_by_test_id("stRadio").filter(has_text=PRESET)


def ticked_boxes(page) -> list[str]:
    return [label for label in BOXES if page.get_by_role("checkbox", name=label, exact=True).is_checked()]


def wait_for_new_grid(page, old_src: str) -> str:
    """Wait until the grid <img> shows another picture than ``old_src``; its new src."""
    grid = images(page)
    expect(grid).to_have_count(1, timeout=30_000)
    expect(grid).not_to_have_attribute("src", old_src, timeout=30_000)
    wait_for_script(page)
    return grid.get_attribute("src")


def test_the_grid_then_the_fine_preset_then_a_box_redraw_and_go_into_the_link(page, server_url, screenshot):
    """One page session: the default grid and its caption; the "fine" preset; a box ticked after it
    (custom layers); each redraws the grid and writes the link, and the link brings it back."""
    open_page(page, server_url, ready_text=GRID_CAPTION)
    grid = images(page)
    expect(grid).to_have_count(1)
    width, height = loaded_size(grid)
    assert (width, height) == (grid_width(6), grid_width(6)), (width, height)  # 1-6 across, 101-106 down
    caption = page.get_by_test_id("stImageCaption")
    expect(caption).to_have_text(re.compile(r"^Top row: source A\. Left column: source B\. .*4×4, 8×8 up, 8×8\.$"))
    expect(page.get_by_role("textbox", name=SEEDS_A)).to_have_value("1-6")
    expect(page.get_by_role("textbox", name="Source B seeds (left column)")).to_have_value("101-106")
    expect(preset_radio(page).get_by_role("radio", name="coarse")).to_be_checked()
    assert ticked_boxes(page) == BOXES[:3]
    assert url_query(page) == {}  # every value is the default: a bare link
    no_exception_or_message(page)
    screenshot("style_mixing_default")

    before = images(page).get_attribute("src")
    preset_radio(page).get_by_text("fine", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]layers="), timeout=30_000)
    assert url_query(page) == {"layers": "5,6"}, page.url
    fine = wait_for_new_grid(page, before)
    assert loaded_size(images(page)) == (grid_width(6), grid_width(6))
    expect(preset_radio(page).get_by_role("radio", name="fine")).to_be_checked()
    assert ticked_boxes(page) == BOXES[5:]
    expect(page.get_by_test_id("stImageCaption")).to_have_text(re.compile(r"at layers 32×32 up, 32×32\.$"))
    no_exception_or_message(page)
    screenshot("style_mixing_fine")

    page.get_by_test_id("stCheckbox").filter(has_text=BOXES[0]).locator("label").click()
    expect(page).to_have_url(re.compile(r"[?&]layers=0(,|%2C)5"), timeout=30_000)
    assert url_query(page) == {"layers": "0,5,6"}, page.url
    wait_for_new_grid(page, fine)
    expect(preset_radio(page).get_by_role("radio", name="custom")).to_be_checked()
    assert ticked_boxes(page) == [BOXES[0], *BOXES[5:]]
    expect(page.get_by_test_id("stImageCaption")).to_have_text(re.compile(r"at layers 4×4, 32×32 up, 32×32\.$"))
    no_exception_or_message(page)
    screenshot("style_mixing_custom")

    open_page(page, server_url, "?layers=5%2C6", ready_text=GRID_CAPTION)  # a link sets the preset
    expect(preset_radio(page).get_by_role("radio", name="fine")).to_be_checked()
    assert ticked_boxes(page) == BOXES[5:]


def test_bad_seeds_give_a_sentence_and_good_ones_bring_a_narrower_grid_back(page, server_url, screenshot):
    open_page(page, server_url, ready_text=GRID_CAPTION)
    default_width, _ = loaded_size(images(page))
    seeds = page.get_by_role("textbox", name=SEEDS_A)

    seeds.fill("1,,two")
    seeds.press("Enter")
    alert = page.get_by_test_id("stAlert")
    expect(alert).to_have_count(1, timeout=30_000)
    expect(alert).to_contain_text("'two' is not a seed")
    wait_for_script(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(images(page)).to_have_count(0)  # the page stopped at the message
    screenshot("style_mixing_bad_seeds")

    seeds.fill("1-8,9")  # nine seeds: one too many
    seeds.press("Enter")
    expect(alert).to_have_text("Source A seeds: at most 8 seeds; got 9.", timeout=30_000)
    wait_for_script(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(images(page)).to_have_count(0)
    assert url_query(page) == {}, page.url  # a bad value never goes into the link

    seeds.fill("3,8")
    seeds.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]seeds_a="), timeout=30_000)
    assert url_query(page) == {"seeds_a": "3,8"}, page.url
    expect(images(page)).to_have_count(1, timeout=30_000)
    wait_for_script(page)
    width, height = loaded_size(images(page))
    assert width < default_width, (width, default_width)
    assert (width, height) == (grid_width(2), grid_width(6)), (width, height)  # 3, 8 across; 101-106 down
    expect(page.get_by_test_id("stImageCaption")).to_have_text(re.compile(r"^Top row: source A\."))
    no_exception_or_message(page)


def test_truncation_view_draws_its_rows_and_the_grid(page, server_url, screenshot):
    open_page(page, server_url, "?view=truncation", ready_text="The mixing grid at your ψ")
    shown = images(page)
    expect(shown).to_have_count(2, timeout=30_000)
    rows_size, grid_size = loaded_size(shown.nth(0)), loaded_size(shown.nth(1))
    assert rows_size == (grid_width(6), grid_width(5)), rows_size  # 7 ψ across, seeds 1-6 down
    assert grid_size == (grid_width(6), grid_width(6)), grid_size
    captions = page.get_by_test_id("stImageCaption")
    expect(captions.nth(0)).to_have_text(
        re.compile(r"^Columns: ψ = -1, -0\.5, 0, 0\.5, 0\.7, 1, 1\.5, in the first 7 layers\.$")
    )
    expect(page.get_by_role("radio", name=explore.VIEWS["truncation"])).to_be_checked()
    expect(page.get_by_role("radio", name="fine")).to_have_count(0)  # the mixing view's settings are hidden
    no_exception_or_message(page)
    screenshot("style_mixing_truncation")


def test_influence_view_draws_one_bar_per_layer(page, server_url, screenshot):
    open_page(page, server_url, "?view=influence", ready_text="For each layer alone")
    chart = page.get_by_test_id("stPlotlyChart")
    expect(chart).to_have_count(1, timeout=30_000)
    bars = chart.locator("g.trace.bars path")
    expect(bars).to_have_count(len(BOXES), timeout=30_000)
    ticks = chart.locator("g.xtick text")
    expect(ticks).to_have_text(BOXES)
    heights = [path.bounding_box()["height"] for path in bars.all()]
    assert all(height > 0 for height in heights), heights  # every layer's swap moves some pixels
    expect(images(page)).to_have_count(0)
    no_exception_or_message(page)
    screenshot("style_mixing_influence")
