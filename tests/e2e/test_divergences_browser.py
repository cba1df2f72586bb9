"""Open the Divergences page in Chromium: edit the target (examples, the table), slide q in the GAN
view, shift the 2-D samples, and replay the fitting animation."""

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from engine.divergences import explore, views
from engine.divergences.fitting import Mixture1D
from tests.e2e.browser import (
    no_exception_or_message,
    open_and_wait,
    url_query,
    wait_for_metrics,
    wait_for_script,
)

DEFAULT_TITLE = "✏️ Target p = 0.4·N(−3, 0.8²) + 0.6·N(3, 1²)"
TEXT_INPUT = "As text: weight:mean:width, …"
GAN_VALUE = "V(D*, G) = E_p log D* + E_q log(1 − D*)"
GAN_JS = "2 JS(p, q) − log 4"
ROW_HEIGHT = 35  # Streamlit's data editor: header and rows, px
ROW_MARKER = 34  # the (index-less) row-marker column on the grid's left edge, px


def url_target(page) -> str | None:
    return url_query(page).get("target")


def open_page(page, server_url: str, query: str = "", ready_text: str | None = None) -> None:
    open_and_wait(page, f"{server_url}/divergences{query}", ready_text, exact=True)


def editor_title(expander):
    return expander.locator("summary").get_by_test_id("stMarkdownContainer")


def target_editor(page):
    """The expander holding the target editor, opened (a new target redraws it collapsed)."""
    expander = page.get_by_test_id("stExpander")
    expect(expander).to_have_count(1)
    if expander.locator("details").get_attribute("open") is None:
        expander.locator("summary").click()
    expect(page.get_by_role("textbox", name=TEXT_INPUT)).to_be_visible(timeout=10_000)
    return expander


def edit_table_cell(page, grid, row: int, column: int, shown: str, value: str) -> None:
    """Double-click cell (row, column) of the data editor's canvas (glide data grid: no DOM cells to
    click), check its editor opened on the expected value, type ``value`` and commit with Enter."""
    editor = page.locator("input.gdg-input")
    for _ in range(4):  # the expander's opening animation can swallow the first double-click
        box = grid.bounding_box()
        width = (box["width"] - ROW_MARKER) / 3  # three columns sharing the stretched width
        page.mouse.dblclick(box["x"] + ROW_MARKER + (column + 0.5) * width, box["y"] + (row + 1.5) * ROW_HEIGHT)
        try:
            expect(editor).to_be_visible(timeout=2_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
            time.sleep(0.3)
    expect(editor).to_have_value(shown)  # the cell aimed at, not its neighbour
    editor.fill(value)
    page.keyboard.press("Enter")


def choose_option(page, box: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``box``; a click that lands while the page is still
    settling may not open the list (seen once in a full run), so open it again if needed."""
    listed = page.get_by_role("option", name=option)
    for _ in range(3):
        page.get_by_role("combobox", name=box).click()
        try:
            listed.wait_for(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    listed.click()


def test_example_target_retitles_the_editor_and_goes_into_the_link(page, server_url, screenshot):
    open_page(page, server_url, ready_text="KL(p‖q), forward: mode covering")
    expander = target_editor(page)
    expect(editor_title(expander)).to_have_text(DEFAULT_TITLE)
    expect(page.get_by_role("textbox", name=TEXT_INPUT)).to_have_value("0.4:-3:0.8,0.6:3:1")
    assert url_target(page) is None  # the default target is left out of the link

    choose_option(page, "Example targets", "Three modes")
    three = explore.EXAMPLE_TARGETS["Three modes"]
    expect(page).to_have_url(re.compile(r"[?&]target="), timeout=30_000)
    assert url_target(page) == three, page.url
    expect(editor_title(expander)).to_have_text(
        "✏️ Target p = 0.3·N(−4, 0.6²) + 0.4·N(0, 0.8²) + 0.3·N(4, 0.6²)", timeout=30_000
    )
    wait_for_script(page, timeout=60_000)
    target_editor(page)
    expect(page.get_by_role("textbox", name=TEXT_INPUT)).to_have_value(three)
    expect(page.get_by_role("combobox", name="Example targets")).to_have_value("")  # ready to load another
    expect(expander.get_by_test_id("glide-cell-2-2")).to_have_text("4")  # the table's third row: 0.3:4:0.6
    expect(page.get_by_text("KL(p‖q), forward: mode covering").first).to_be_visible()  # the matrix, refitted
    no_exception_or_message(page)
    screenshot("divergences_example_target")


def test_table_edit_rewrites_the_target_text_and_link(page, server_url, screenshot):
    open_page(page, server_url, ready_text="KL(p‖q), forward: mode covering")
    expander = target_editor(page)
    grid = expander.get_by_test_id("stDataFrame")
    expect(grid.get_by_test_id("glide-cell-2-1")).to_have_text("3")  # row 2, column "mean"
    edit_table_cell(page, grid, row=1, column=1, shown="3", value="2.5")

    expect(page).to_have_url(re.compile(r"[?&]target="), timeout=30_000)
    assert url_target(page) == "0.4:-3:0.8,0.6:2.5:1", page.url
    expect(editor_title(expander)).to_have_text("✏️ Target p = 0.4·N(−3, 0.8²) + 0.6·N(2.5, 1²)", timeout=30_000)
    wait_for_script(page, timeout=60_000)
    target_editor(page)
    expect(page.get_by_role("textbox", name=TEXT_INPUT)).to_have_value("0.4:-3:0.8,0.6:2.5:1")
    expect(expander.get_by_test_id("glide-cell-2-1")).to_have_text("2.5")
    no_exception_or_message(page)
    screenshot("divergences_table_edit")


def table_value(page, label: str) -> str | None:
    """The value under ``label`` in the page's Markdown tables of divergences (None if absent)."""
    return page.evaluate(
        """(label) => {
          for (const table of document.querySelectorAll("[data-testid='stMarkdownContainer'] table")) {
            const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
            const column = heads.indexOf(label);
            if (column >= 0) return table.querySelectorAll("tbody tr")[0].querySelectorAll("td")[column].textContent.trim();
          }
          return null;
        }""",
        label,
    )


def test_gan_view_slider_moves_kl_and_value_stays_two_js_minus_log_four(page, server_url, screenshot):
    open_page(page, server_url, "?view=gan", ready_text="Every divergence between p and q")
    expect(
        page.locator("[data-testid='stMarkdownContainer'] table th").filter(has_text="KL(p‖q)").first
    ).to_be_visible()
    kl_before = table_value(page, "KL(p‖q)")
    assert float(kl_before) > 0
    # both metrics read together, once drawn (they can show up after the table below them)
    value, identity = wait_for_metrics(page, (GAN_VALUE, GAN_JS), lambda value, identity: value < 0)
    assert round(value, 4) == round(identity, 4)

    slider = page.get_by_test_id("stSlider").filter(has_text="Mean of q")
    slider.get_by_role("slider").focus()
    for step in range(1, 6):  # one key at a time: each waits for its run and its URL
        page.keyboard.press("ArrowRight")
        expect(page).to_have_url(re.compile(rf"[?&]q_mean=0\.{step}(&|$)"), timeout=15_000)
        wait_for_script(page)
    expect(slider.get_by_test_id("stSliderThumbValue")).to_have_text("0.50")

    p, q = explore.parse_mixture(explore.DivergenceLabConfig().target), Mixture1D((1.0,), (0.5,), (2.0,))
    expected = views.shown(explore.measure_mixtures(p, q)["kl"])  # what the engine says, as the page shows it
    for _ in range(100):  # the table redraws with the fragment's run
        if table_value(page, "KL(p‖q)") != kl_before:
            break
        page.wait_for_timeout(100)
    assert table_value(page, "KL(p‖q)") == expected, (kl_before, table_value(page, "KL(p‖q)"), expected)
    # q moved, so did JS
    moved_value, moved_identity = wait_for_metrics(page, (GAN_VALUE, GAN_JS), lambda moved, _: moved != value)
    assert round(moved_value, 4) == round(moved_identity, 4)
    no_exception_or_message(page)
    screenshot("divergences_gan")


def test_samples_view_draws_the_plan_and_w1_grows_with_the_shift(page, server_url, screenshot):
    open_page(page, server_url, "?view=samples", ready_text="W₁ (samples)")
    legend = page.get_by_test_id("stPlotlyChart").locator("text.legendtext")
    expect(legend.filter(has_text="optimal transport plan of W₂")).to_have_count(1, timeout=30_000)
    w1_still, kl_still = wait_for_metrics(page, ("W₁ (samples)", "KL(p‖q)"))
    no_exception_or_message(page)

    open_page(page, server_url, "?view=samples&q_shift=3", ready_text="W₁ (samples)")
    shift = page.get_by_test_id("stSlider").filter(has_text="Shift q along x")
    expect(shift.get_by_test_id("stSliderThumbValue")).to_have_text("3.00")  # the link set the widget
    w1_shifted, kl_shifted = wait_for_metrics(page, ("W₁ (samples)", "KL(p‖q)"), lambda w1, _: w1 != w1_still)
    # W1 is at least the distance between the means: q's moved by 3 (both sets are centred near 0)
    assert w1_shifted > w1_still and w1_shifted > 2.5, (w1_still, w1_shifted)
    assert kl_shifted > kl_still

    page.get_by_test_id("stRadio").filter(has_text="Transport plan drawn").get_by_text("W₁", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]plan_order=1(&|$)"), timeout=30_000)
    expect(legend.filter(has_text="optimal transport plan of W₁")).to_have_count(1, timeout=30_000)
    wait_for_script(page)
    no_exception_or_message(page)
    screenshot("divergences_samples")


def test_replay_the_fit_animates_back_to_the_last_step(page, server_url, screenshot):
    open_page(page, server_url, ready_text="KL(p‖q), forward: mode covering")
    chart = page.get_by_test_id("stPlotlyChart")
    current = chart.locator(".slider-container text.slider-label").filter(has_text=re.compile(r"^step "))
    expect(current).to_have_text("step 600", timeout=30_000)
    replay = chart.locator(".updatemenu-button").filter(has_text="Replay the fit")
    expect(replay).to_have_count(1)

    replay.click()
    # the animation runs in the browser (about 2.5 s): catch a frame before the last, on every repaint
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stPlotlyChart'] .slider-container text.slider-label")]
                   .some(label => /^step (\\d+)$/.test(label.textContent) && label.textContent !== "step 600")""",
        polling="raf",
        timeout=10_000,
    )
    expect(current).to_have_text("step 600", timeout=30_000)
    no_exception_or_message(page)
    screenshot("divergences_replayed")
