"""A patient answers a PHQ-9 on a phone through a self-report link with item 9 above zero and sees
crisis resources at once; a nurse then sees the safety alert on the dashboard and the chart
(with the score trajectory drawn by plotly.js), acknowledges it with a note, and it leaves the
queue. Real browser: Debian's Chromium via Playwright."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.assessments.models import AlertStatus, SafetyAlert
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.assessments.services.links import link_issue
from kitclinic.audit.models import AuditEvent
from tests.browser.helpers import SCREENSHOT_DIR, log_in_to_dashboard
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_self_report_raises_an_alert_a_nurse_acknowledges(
    browser, live_server, page, shoot, world
):  # type: ignore[no-untyped-def]
    nurse = world.actor("nurse")
    patient = PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")
    for days, answers in (
        (42, [3, 3, 3, 2, 2, 2, 2, 2, 0]),
        (28, [2, 2, 2, 2, 2, 1, 1, 1, 0]),
        (14, [1, 2, 1, 1, 1, 1, 1, 1, 0]),
    ):
        assessment_record(
            actor=nurse,
            patient=patient,
            instrument="phq9",
            answers=answers,
            administered_at=timezone.now() - dt.timedelta(days=days),
        )
    issued = link_issue(actor=nurse, patient=patient, instrument="phq9")

    phone_context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        locale="en-US",
        is_mobile=True,
        has_touch=True,
    )
    phone = phone_context.new_page()
    phone.goto(issued.path)
    expect(phone.get_by_role("heading", level=1)).to_have_text("PHQ-9")
    expect(phone.locator("body")).to_contain_text("Northside")
    expect(phone.locator("body")).not_to_contain_text("Rivera")
    # Phone-sized: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for item, value in enumerate([1, 1, 2, 1, 1, 2, 1, 1, 2], start=1):
        phone.locator(f"input[name=item_{item}][value='{value}']").check()
    phone.screenshot(path=str(SCREENSHOT_DIR / "self-report-phone-form.png"), full_page=True)
    phone.get_by_role("button", name="Send my answers").click()
    crisis = phone.get_by_role("alert")
    expect(crisis).to_contain_text(settings.KITCLINIC_CRISIS_TEXT)
    expect(phone.locator("body")).to_contain_text("your answers have been received")
    phone.screenshot(path=str(SCREENSHOT_DIR / "self-report-phone-crisis.png"), full_page=True)
    phone_context.close()
    alert = SafetyAlert.objects.get()
    assert alert.assessment.administered_by is None

    log_in_to_dashboard(page, "nurse")
    card = page.locator("section[aria-labelledby=alerts]")
    expect(card).to_contain_text("Rivera, Sam")
    expect(card).to_contain_text("Suicidal ideation item answered")
    expect(page.locator(".nav-alerts .count")).to_have_text("1")
    shoot("dashboard")

    card.get_by_role("link", name="Rivera, Sam").click()
    expect(page.locator("#chart-alerts")).to_be_visible()
    expect(page.locator(".plotly-chart .main-svg").first).to_be_visible()
    trajectory = page.locator(".trajectory").first
    expect(trajectory).to_contain_text("baseline 19")
    expect(trajectory.locator("table")).to_contain_text("self-report")
    shoot("chart")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Alerts")
    ).click()
    expect(page).to_have_url(re.compile(r"/alerts/$"))
    shoot("alert-queue")
    page.get_by_role("link", name="Acknowledge").click()
    page.get_by_role("button", name="Acknowledge").click()  # no note: refused
    expect(page.locator(".errorlist")).to_contain_text("This field is required")
    page.get_by_label("Note").fill("Called the patient; C-SSRS screener done; safety plan agreed.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page).to_have_url(re.compile(r"/alerts/$"))
    expect(page.locator("section[aria-labelledby=open-alerts]")).to_contain_text("No open alerts.")
    expect(page.locator("section[aria-labelledby=acked]")).to_contain_text("safety plan agreed")
    shoot("acknowledged")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert AuditEvent.objects.filter(
        object_type="assessments.safetyalert", detail="safety alert acknowledged"
    ).exists()
