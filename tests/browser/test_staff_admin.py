"""A clinic admin invites a nurse, who sets a password from the e-mailed link and logs in; the
admin deactivates them and their next request is refused. Real Chromium via Playwright; the
administration pages are photographed on the way."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kitclinic.infusions.models import Chair
from tests.browser.helpers import (
    SCREENSHOT_DIR,
    axe_violations,
    log_in,
    log_in_to_dashboard,
    violations_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-new-passphrase-42"
NURSE_SHOTS = SCREENSHOT_DIR / "staff-admin-nurse"


def test_admin_invites_a_nurse_who_logs_in_until_deactivated(
    world, page, browser, live_server, shoot
):
    found: dict[str, list] = {}  # axe-core's serious or critical findings per page

    def look(step: str, on=page) -> None:  # type: ignore[no-untyped-def]
        if on is page:
            shoot(step)
        else:
            on.screenshot(path=str(NURSE_SHOTS / f"{step}.png"), full_page=True)
        violations = axe_violations(on)
        if violations:
            found[step] = violations

    Chair.objects.create(clinic=world.clinic, name="Chair 1")
    log_in_to_dashboard(page, "clinic_admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Administration")
    look("administration")

    page.get_by_role("link", name="Staff").first.click()
    expect(page.get_by_role("heading", name="Staff", level=1)).to_be_visible()
    look("staff-list")
    page.get_by_role("button", name="Invite a member of staff").click()
    # a mistake first: no role anywhere is refused on the page, nothing sent
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("E-mail").fill("robin.okafor@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Give at least one role")).to_be_visible()
    look("invite-refused")
    assert not mail.outbox
    page.get_by_label("Role at Northside").select_option("nurse")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("[data-staff-status]")).to_have_text("Invited")
    look("invited")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["robin.okafor@example.org"]
    sent = re.search(r"https?://\S+(/staff-link/[^/\s]+/)", mail.outbox[0].body)
    assert sent, mail.outbox[0].body
    link = sent.group(1)

    NURSE_SHOTS.mkdir(parents=True, exist_ok=True)
    nurse_context = browser.new_context(base_url=live_server.url, locale="en-US")
    nurse = nurse_context.new_page()
    try:
        nurse.goto(link)
        expect(nurse.get_by_role("heading", name="Choose your password")).to_be_visible()
        nurse.locator("#id_new_password1").fill(NEW_PASSWORD)
        nurse.locator("#id_new_password2").fill(NEW_PASSWORD)
        look("01-set-password", on=nurse)
        nurse.get_by_role("button", name="Set my password").click()
        expect(nurse.get_by_text("Your password is set")).to_be_visible()
        log_in(nurse, "robin.okafor@example.org", NEW_PASSWORD)
        expect(nurse).to_have_url(re.compile(r"/$"))
        expect(nurse.locator(".who").first).to_contain_text("Robin Okafor")
        # the link worked once
        nurse.goto(link)
        expect(nurse.locator("[data-link-unavailable]")).to_contain_text("already been used")
        look("02-link-used", on=nurse)
        nurse.goto("/patients/")
        expect(nurse.get_by_role("heading", level=1)).to_be_visible()

        # the admin deactivates them
        page.reload()
        expect(page.locator("[data-staff-status]")).to_have_text("Active")
        page.get_by_label("Reason").fill("left the clinic")
        page.get_by_role("button", name=re.compile("^Deactivate")).click()
        expect(page.locator("[data-staff-status]")).to_have_text("Deactivated")
        look("deactivated")

        # the nurse's very next request is refused: back to the log-in page
        nurse.goto("/patients/")
        expect(nurse).to_have_url(re.compile(r"/login/"))
        expect(nurse.get_by_role("heading", name="Log in")).to_be_visible()
        look("03-refused-after-deactivation", on=nurse)
        log_in(nurse, "robin.okafor@example.org", NEW_PASSWORD)
        expect(nurse).to_have_url(re.compile(r"/login/"))
    finally:
        nurse_context.close()

    page.goto("/administration/settings/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Settings of Northside")
    look("clinic-settings")
    page.goto("/administration/chairs/")
    expect(page.locator("[data-chair='Chair 1']")).to_be_visible()
    page.get_by_label("Open on Monday").check()
    page.get_by_label("Monday opens").fill("08:00")
    page.get_by_label("Monday closes").fill("17:30")
    page.get_by_role("button", name="Save opening hours").click()
    expect(page.get_by_text("Opening hours saved.")).to_be_visible()
    look("chairs-and-hours")
    assert not found, "axe-core found serious or critical violations:\n" + violations_text(found)
