"""An open page warns before the idle sign-out, "Stay signed in" keeps the session, and past the
limit the screen leaves the patient's data for the login page (real Chromium).

Nobody waits for the limit: the page's clock (Playwright's) and the server's idle clock
(``kitclinic.lib.web.idle.now_seconds``) are moved forward together by the same amount, so the
page's own timers, the countdown, the keep-alive request and the server's expiry check all run as
they would after a quarter of an hour left alone.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from kitclinic.lib.web import idle
from tests.browser.helpers import log_in_to_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_warns_before_signing_out_and_can_keep_the_session(
    world, page, shoot, monkeypatch
):
    limit = idle.idle_limit_seconds()  # the configured limit (15 minutes unless set)
    lead = idle.warning_lead_seconds(limit)
    assert limit > lead > 5
    moved = [0.0]
    monkeypatch.setattr(idle, "now_seconds", lambda: time.time() + moved[0])

    def leave_alone(seconds: float) -> None:
        moved[0] += seconds  # the server first: the page's timers then meet the server's time
        page.clock.fast_forward(int(seconds * 1000))

    page.clock.install()
    log_in_to_dashboard(page, "nurse")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    leave_alone(limit - lead - 10)
    expect(warning).to_be_hidden()  # not yet: still more than the lead before the limit

    leave_alone(lead + 5)  # 5 s before the limit
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("you will be signed out in 0:0")
    shoot("warning")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))  # still here, still signed in

    # Left alone, the warning comes back and the page goes to the login page at the limit.
    leave_alone(limit - lead + 5)
    expect(warning).to_be_visible()
    leave_alone(lead)  # the limit passed: the page reloads itself and the server signs it out
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_text(f"signed out after {limit // 60} minutes")).to_be_visible()
    shoot("signed-out")
