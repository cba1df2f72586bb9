"""Browser tier: a real `streamlit run` server driven by Debian's Chromium through Playwright.

Chromium is never downloaded: the README's test command installs Debian's `chromium`, and the
`browser_type_launch_args` fixture of pytest-playwright is pointed at `/usr/bin/chromium`.
Screenshots are kept in `artifacts/e2e/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM_FLAGS, serve_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("GP_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1000}}


@pytest.fixture(scope="session")
def shared_context(browser, browser_context_args):
    """One browser context for the session: the app's JavaScript (several MB) is fetched and
    compiled once, not for every test (about a second of CPU a page load here). Each page still
    opens its own websocket, so its own Streamlit session."""
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


@pytest.fixture
def page(shared_context):
    page = shared_context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="session")
def server_url():
    """Start the app exactly as the README does, on a free loopback port; stop it afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve_app(log_path=ROOT / "artifacts" / "streamlit-e2e.log") as url:
        yield url


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under artifacts/e2e/NAME.png and return its path."""

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
