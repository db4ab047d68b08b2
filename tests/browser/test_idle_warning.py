"""An open page warns before the idle sign-out, "Stay signed in" keeps the session, and past the
limit the screen leaves the patient's data for the login page (real Chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in_to_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDLE_LIMIT_SECONDS = 8  # the warning then shows for the last 4 s


def test_the_page_warns_before_signing_out_and_can_keep_the_session(world, page, shoot, settings):
    settings.SESSION_COOKIE_AGE = IDLE_LIMIT_SECONDS
    log_in_to_dashboard(page, "nurse")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()

    expect(warning).to_be_visible(timeout=8_000)
    expect(warning).to_contain_text("you will be signed out in 0:0")
    shoot("warning")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))  # still here, still signed in

    # Left alone, the warning comes back and the page goes to the login page at the limit.
    expect(warning).to_be_visible(timeout=8_000)
    expect(page).to_have_url(re.compile(r"/login/\?next="), timeout=15_000)
    expect(page.get_by_label("Password")).to_be_visible()
    shoot("signed-out")
