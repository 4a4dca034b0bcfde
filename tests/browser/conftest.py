"""A real headless Chromium (Debian's), driven by Playwright."""

from pathlib import Path

import pytest
import shutil


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Without these, Chromium reaches for Google's services, which this machine
# (and most municipal servers) cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# Per module, not per session: Playwright's sync API keeps an asyncio loop
# running in the main thread while it is open, and pyHanko's synchronous calls
# (asyncio.run) cannot run under it — the tests after the browser tests sign
# and validate PDFs.
@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` as root once")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="el-GR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
