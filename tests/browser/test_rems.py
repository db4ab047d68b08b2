"""The esketamine REMS in a real browser: a physician books an esketamine session for a patient
not enrolled in the REMS and is refused with the reason; enrols the patient on the REMS pages and
books; the session is given and signed; the nurse finds its Patient Monitoring Form among the
forms to submit and marks it submitted. Screenshots of every step go to var/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from kitclinic.infusions.models import Appointment, Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.rems.models import MonitoringForm, PatientEnrolment
from tests.browser.helpers import SCREENSHOT_DIR, axe_violations, log_in_to_dashboard, settle
from tests.infusions.helpers import slot_time
from tests.rems.helpers import (
    certify,
    enrol_prescriber,
    esketamine_course,
    sign_esketamine,
    today,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(world, patient):  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    Chair.objects.create(clinic=world.clinic, name="Chair 1")
    certify(world)
    enrol_prescriber(world)
    return esketamine_course(world, patient)


def test_refused_without_enrolment_then_enrolled_booked_given_and_its_form_submitted(  # type: ignore[no-untyped-def]
    browser, live_server, page, shoot, world, patient, course
):
    log_in_to_dashboard(page, "physician")
    day = slot_time(9, 0, days=1)

    def book() -> None:
        # the page before may still be asking for its alert count (one writer at a time on SQLite)
        settle(page)
        page.goto(f"/infusions/courses/{course.pk}/book/")
        page.get_by_label("Date").fill(day.date().isoformat())
        page.get_by_label("Time").fill("09:00")
        page.get_by_role("button", name="Save").click()

    # refused: the patient is not enrolled; the reason names the patient and what to do
    book()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sam Rivera")
    expect(alert).to_contain_text("is not enrolled in the REMS")
    shoot("booking-refused")
    assert not Appointment.objects.exists()

    # the physician enrols the patient on the REMS pages
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Esketamine REMS").click()
    expect(page.locator("main")).to_contain_text("REMS certification HCS-1001")
    page.get_by_role("navigation", name="REMS").get_by_role("link", name="Enrolments").click()
    page.get_by_role("button", name="Enrol a patient").click()
    page.get_by_label("Patient MRN").fill(patient.mrn)
    page.get_by_label("REMS enrolment id").fill("PT-3001")
    # enrolled yesterday: the session below is given back-dated (its sign-off needs two hours of
    # observation after the last device), which just after midnight is still yesterday
    page.get_by_label("Enrolled on").fill((today(world) - dt.timedelta(days=1)).isoformat())
    shoot("enrol-patient")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("main")).to_contain_text("PT-3001")
    shoot("enrolments")
    assert axe_violations(page) == []
    assert PatientEnrolment.objects.get().patient == patient

    # booked now
    book()
    expect(page).to_have_url(re.compile(rf"/infusions/courses/{course.pk}/$"))
    shoot("booked")
    appointment = Appointment.objects.get()

    # the session is given and signed (through the services), which makes its form
    sign_esketamine(world, appointment.session)
    form = MonitoringForm.objects.get()
    MonitoringForm.objects.filter(pk=form.pk).update(due_on=today(world))  # due today: due soon

    # the nurse, in a browser of her own
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in_to_dashboard(page, "nurse")
    taken = [0]

    def shoot(step: str) -> None:  # noqa: F811  # the nurse's page from here on
        taken[0] += 1
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"rems-nurse-{taken[0]:02d}-{step}.png"), full_page=True
        )

    expect(page.locator("main")).to_contain_text("Esketamine REMS forms")
    shoot("dashboard")
    page.get_by_role("link", name="Forms to submit").first.click()
    expect(page.locator("main")).to_contain_text("Due soon")
    shoot("forms-to-submit")
    assert axe_violations(page) == []
    page.get_by_role("link", name=form.session_date.isoformat()).click()
    main = page.locator("main")
    expect(main).to_contain_text("Patient Monitoring Form")
    expect(main).to_contain_text("PT-3001")
    expect(main).to_contain_text("HCS-1001")
    shoot("form")
    assert axe_violations(page) == []
    page.get_by_label("Submitted on").fill(today(world).isoformat())
    page.get_by_label("REMS confirmation number").fill("CONF-42")
    page.get_by_role("button", name="Mark submitted").click()
    expect(main).to_contain_text("confirmation CONF-42")
    shoot("submitted")
    form.refresh_from_db()
    assert form.confirmation_number == "CONF-42"


def test_the_clinic_admin_records_a_renewal(page, shoot, world):  # type: ignore[no-untyped-def]
    certify(world, certification_number="HCS-OLD", expires_on=today(world).replace(year=2021))
    log_in_to_dashboard(page, "clinic_admin")
    settle(page)
    page.goto("/rems/certification/")
    expect(page.get_by_role("alert")).to_contain_text("not valid today")
    shoot("expired")
    page.get_by_label("REMS certification number").fill("HCS-NEW")
    page.get_by_label("Certified on").fill(today(world).isoformat())
    page.get_by_role("button", name="Record").click()
    main = page.locator("main")
    expect(main).to_contain_text("REMS certification HCS-NEW")
    expect(main.get_by_role("table")).to_contain_text("HCS-OLD")
    shoot("renewed")
    assert axe_violations(page) == []
