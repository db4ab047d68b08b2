"""Real-browser fixtures: Debian's Chromium driven by Playwright's sync API against live_server.

No pytest-playwright: the fixtures are small and launch the system Chromium with the flags the
project's machines need (see shared recipes). A missing Chromium fails the test, so a CI machine
without it cannot pass the browser suite by skipping it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import SCREENSHOT_DIR

# Playwright's sync API runs an event loop in the test thread; Django's async-unsafe guard would
# then refuse the ORM calls the tests make to set up data and check the audit trail.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("KITCLINIC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's Chromium "
            "(apt-get install chromium). Do not run `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    # the Content-Security-Policy must never have to block anything the site itself serves
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not blocked, blocked


@pytest.fixture
def shoot(request, page):  # type: ignore[no-untyped-def]
    """``shoot("step")`` saves var/screenshots/<test name>-<nn>-<step>.png, numbered in order."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"\W+", "_", request.node.name).strip("_")
    taken: list[Path] = []

    def _shoot(step: str) -> Path:
        path = SCREENSHOT_DIR / f"{test}-{len(taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return _shoot
