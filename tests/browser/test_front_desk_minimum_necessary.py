"""A front-desk user logs in and sees that a patient has clinical follow-up pending, on the
dashboard and on the chart, and nothing of the questionnaire behind it: no scale, item, answer,
score or alert wording (docs/security.md, "Minimum necessary"); the patient's booked appointment
is there with its ways out. Real browser: Debian's Chromium via Playwright."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.assessments.models import SafetyAlert
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from tests.assessments.helpers import PHQ9_ITEM9
from tests.browser.helpers import log_in_to_dashboard
from tests.factories import PatientFactory
from tests.infusions.helpers import book, make_eligible, plan, slot_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# what the front desk must not read anywhere on these pages
HIDDEN = re.compile(r"PHQ|[Ss]uicidal|ideation|[Ii]tem 9|total 14|\(Moderate\)|better off dead")


def test_front_desk_sees_follow_up_pending_and_no_assessment_content(
    live_server, page, shoot, world
):  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    patient = PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    session = book(world, plan(world, patient), chair, slot_time(days=1))
    assessment_record(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        answers=PHQ9_ITEM9,
        administered_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert SafetyAlert.objects.get(patient=patient).is_open

    log_in_to_dashboard(page, "front_desk")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).not_to_contain_text("Alerts")
    card = page.locator("section[aria-labelledby=follow-up]")
    expect(card.get_by_role("heading")).to_have_text("Clinical follow-up pending")
    expect(card).to_contain_text("Rivera, Sam")
    expect(page.locator("section[aria-labelledby=alerts]")).to_have_count(0)
    assert not HIDDEN.search(page.locator("main").inner_text())
    shoot("dashboard")

    card.get_by_role("link", name="Rivera, Sam").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/"))
    pending = page.locator("[data-follow-up-pending]")
    expect(pending).to_have_text(re.compile("Clinical follow-up pending"))
    expect(page.locator("#chart-alerts")).to_have_count(0)
    expect(page.locator(".trajectory")).to_have_count(0)
    expect(page.locator("#outcomes-card")).to_have_count(0)
    assert not HIDDEN.search(page.locator("main").inner_text())
    # the appointment is there: the front desk books and cancels
    expect(page.locator("section[aria-labelledby=infusions]")).to_contain_text("Chair 1")
    shoot("chart")

    page.goto(f"/infusions/sessions/{session.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appointment 1 of")
    expect(page.get_by_role("button", name="Cancel the appointment")).to_be_visible()
    assert not HIDDEN.search(page.locator("main").inner_text())
    shoot("appointment")

    # the alert queue is not theirs
    response = page.goto("/alerts/")
    assert response is not None and response.status == 403
