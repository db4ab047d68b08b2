"""A physician sets up the second factor in a real browser at first log-in (QR code and key,
a wrong code, the right one, recovery codes), then logs in again with a code from the app, and
once with a recovery code after losing the phone. The codes are computed from the key the page
shows, as an authenticator app computes them."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from kitclinic.audit.models import AuditAction, AuditEvent
from tests.browser.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.second_factor,
    pytest.mark.django_db(transaction=True),
]


def _app_code(key_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key (time-based, 30 s steps, 6 digits)."""
    totp = TOTP(b32decode(key_text.replace(" ", "")), step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_physician_sets_up_the_app_then_logs_in_with_a_code_and_with_a_recovery_code(  # type: ignore[no-untyped-def]
    browser, live_server, page, shoot, world
):
    log_in(page, "physician")
    expect(page).to_have_url(re.compile(r"/account/second-factor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(page.get_by_label("QR code of the new authenticator account")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    shoot("set-up")
    key = page.locator("[data-secret]").inner_text()

    page.get_by_label("Code from the app").fill(
        "000000" if _app_code(key) != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code does not match")).to_be_visible()
    shoot("set-up-wrong-code")
    page.wait_for_timeout(1100)  # a wrong code makes the next try wait a second

    page.get_by_label("Code from the app").fill(_app_code(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor set up")
    codes = page.get_by_label("Recovery codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    shoot("recovery-codes")
    page.get_by_role("button", name="I have stored them — continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, "physician")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    shoot("code-step")
    # the code of the set-up is spent: the app's next code (as it shows half a minute later)
    page.get_by_label("Code").fill(_app_code(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, "physician")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You logged in with a recovery code (9 left)")).to_be_visible()
    expect(page.get_by_role("button", name="Replace authenticator app")).to_be_visible()
    shoot("after-recovery-code")

    details = list(
        AuditEvent.objects.filter(actor=world.users["physician"]).values_list("action", "detail")
    )
    assert (AuditAction.LOGIN.value, "second factor: authenticator code") in details
    assert (AuditAction.LOGIN.value, "second factor: recovery code (9 left)") in details
    assert (AuditAction.LOGIN_FAILED.value, "second factor: wrong code") not in details
