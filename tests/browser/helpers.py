"""What the browser tests share: where screenshots go, logging a persona in through the real
log-in form, and filling in the check-in form."""

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


def fill_check_in_form(page: Page, weight_kg: str) -> None:
    """Tick the four confirmations and fill in the weight, pregnancy status, normal vitals and a
    pre-infusion PHQ-9 on a session's check-in form (not submitted)."""
    for label in (
        "Identity confirmed",
        "Signed consent on file",
        "Fasting as instructed",
        "Escort confirmed",
    ):
        page.get_by_label(re.compile(label)).check()
    page.get_by_label("Weight (kg), measured today").fill(weight_kg)
    page.get_by_label("Pregnancy status").select_option("not_pregnant")
    for label, value in (("SBP", "124"), ("DBP", "78"), ("HR", "72"), ("RR", "14"), ("SpO2", "98")):
        page.get_by_label(re.compile(rf"^{label} ")).fill(value)
    page.get_by_label(re.compile("Pre-infusion")).fill("1,1,2,2,1,2,2,2,0")
