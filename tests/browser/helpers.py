"""What the browser tests share: where screenshots go, and logging a persona in through the real
log-in form."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.personas import PASSWORD

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in the log-in form and submit it; where it leads is the caller's to check."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in_to_dashboard(page: Page, username: str) -> None:
    """Log ``username`` in and wait for the dashboard the log-in leads to."""
    log_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))
