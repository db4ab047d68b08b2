"""A whole infusion session in a real browser, two users at once: a nurse checks the patient in,
double-checks the physician's order, runs the pump and records vitals and scores, discharges;
the physician orders and signs. Screenshots of every step go to var/screenshots/."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.infusions.models import Chair, InfusionOrder, InfusionSession, VitalSign
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from tests.browser.helpers import SCREENSHOT_DIR, fill_check_in_form, log_in_to_dashboard
from tests.infusions.helpers import book, elapse, make_eligible, plan, slot_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _book_first_session(world, patient, days: int) -> InfusionSession:  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    return book(world, plan(world, patient), chair, slot_time(9, 0, days=days))


@pytest.fixture
def booked(world, patient):  # type: ignore[no-untyped-def]
    """Today at 09:00, the day a session is run."""
    return _book_first_session(world, patient, days=0)


@pytest.fixture
def booked_tomorrow(world, patient):  # type: ignore[no-untyped-def]
    """Tomorrow at 09:00: a slot still ahead at whatever hour the suite runs, so booking beside it
    is an ordinary booking, never a back-entry."""
    return _book_first_session(world, patient, days=1)


def test_nurse_and_physician_run_a_session_from_check_in_to_sign_off(  # type: ignore[no-untyped-def]
    browser, live_server, page, shoot, world, booked
):
    nurse = page
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    doctor = context.new_page()
    taken = [0]

    def shoot_doctor(step: str) -> None:
        taken[0] += 1
        doctor.screenshot(
            path=str(SCREENSHOT_DIR / f"infusion-physician-{taken[0]:02d}-{step}.png"),
            full_page=True,
        )

    log_in_to_dashboard(nurse, "nurse")
    log_in_to_dashboard(doctor, "physician")

    # the clinic day: the chair, the appointment and its next step
    nurse.get_by_role("navigation", name="Main").get_by_role("link", name="Clinic day").click()
    day = nurse.locator("main")
    expect(day).to_contain_text("Chair 1")
    expect(day).to_contain_text("Rivera, Sam")
    expect(day).to_contain_text("Check in")
    shoot("day")
    day.get_by_role("link", name="Rivera, Sam").click()
    expect(nurse.locator("#session-state")).to_have_text("Scheduled")
    nurse.get_by_role("button", name="Check in").click()

    # check-in: the recorded consent to the current information sheet is shown as the evidence
    expect(nurse.locator("[data-consent-evidence]")).to_contain_text("information sheet v1")
    fill_check_in_form(
        nurse, "77"
    )  # a slip: 77 typed for 70 kg (corrected below, before the order)
    shoot("check-in-form")
    nurse.get_by_role("button", name="Check in").click()
    expect(nurse.locator("#session-state")).to_have_text("Checked in")
    expect(nurse.locator("main")).to_contain_text("Waiting for a physician's order")
    shoot("checked-in")

    # the check-in is corrected, not edited: the original stays visible, struck through
    nurse.get_by_role("button", name="Correct the check-in").click()
    nurse.get_by_label(re.compile("Corrected weight")).fill("70")
    nurse.get_by_label(re.compile("Reason for the correction")).fill("Typed 77; the scale read 70")
    nurse.get_by_role("button", name="Record the correction").click()
    record = nurse.locator("[data-check-in]")
    expect(record.locator("del[data-original-weight]")).to_have_text("77 kg")
    expect(record.locator("ins[data-corrected-weight]")).to_have_text("70 kg")
    expect(record).to_contain_text("Typed 77; the scale read 70")
    shoot("check-in-corrected")

    # the physician orders: computed amounts, limit checks and the PK curve
    doctor.goto(f"/infusions/sessions/{booked.pk}/")
    doctor.get_by_role("button", name="Place the order").click()
    computed = doctor.locator("section[aria-labelledby=computed]")
    expect(computed).to_contain_text("35 mg")
    expect(computed).to_contain_text("52.5 mL/h")
    expect(computed).to_contain_text(re.compile(r"VTBI\s*35 mL"))
    expect(doctor.locator("#pk-plot .main-svg").first).to_be_visible()
    expect(doctor.locator("section[aria-labelledby=pk]")).to_contain_text("Peak plasma 0.240")
    shoot_doctor("order")
    # a pound value typed as the dose per kg is a hard stop, nothing is placed
    doctor.get_by_label("Dose (mg/kg)").fill("1.54")
    doctor.get_by_role("button", name="Place order").click()
    expect(doctor.locator("main")).to_contain_text("above the hard upper limit")
    shoot_doctor("order-hard-stop")
    assert not InfusionOrder.objects.exists()
    doctor.get_by_label("Dose (mg/kg)").fill("0.5")
    doctor.get_by_role("button", name="Place order").click()
    expect(doctor.locator("#session-state")).to_have_text("Ordered")
    expect(doctor.locator("main")).to_contain_text("Waiting for a second clinician's double check")
    shoot_doctor("ordered")

    # the nurse double-checks by reading the pump back
    nurse.reload()
    nurse.get_by_role("button", name="Double-check the order").click()
    nurse.get_by_label("Pump rate read back (mL/h)").fill("52.5")
    nurse.get_by_label("Pump VTBI read back (mL)").fill("35")
    shoot("double-check")
    nurse.get_by_role("button", name="Confirm double check").click()
    expect(nurse.locator("#session-state")).to_have_text("Double-checked")

    # infusion: start, vitals on the schedule (each when it is due), a sedation score
    nurse.get_by_role("button", name=re.compile("Start the infusion")).click()
    expect(nurse.locator("#session-state")).to_have_text("Infusing")
    expect(nurse.locator("#next-due")).to_contain_text("10 min")
    elapse(booked, 12)  # twelve minutes pass
    nurse.reload()
    vitals = nurse.locator("form.vitals-form")
    for label, value in (("SBP", "132"), ("DBP", "84"), ("HR", "80"), ("RR", "14"), ("SpO2", "97")):
        vitals.get_by_label(label, exact=True).fill(value)
    vitals.get_by_role("button", name="Record vitals").click()
    expect(nurse.locator("main")).to_contain_text("Vitals for 10 min recorded")
    expect(nurse.locator("#next-due")).to_contain_text("20 min")
    scores = nurse.locator("section[aria-labelledby=scores]")
    scores.get_by_role("spinbutton", name="MOAA/S level").fill("4")
    scores.get_by_role("button", name="Record sedation").click()
    expect(nurse.locator("section[aria-labelledby=timeline]")).to_contain_text("MOAA/S 4")
    expect(nurse.locator("#session-plot .main-svg").first).to_be_visible()
    shoot("running")

    # a hypertensive reading at 20 min raises the alert banner and an event
    elapse(booked, 10)
    nurse.reload()
    vitals = nurse.locator("form.vitals-form")
    for label, value in (("SBP", "182"), ("DBP", "96"), ("HR", "88"), ("RR", "15"), ("SpO2", "97")):
        vitals.get_by_label(label, exact=True).fill(value)
    vitals.get_by_role("button", name="Record vitals").click()
    expect(nurse.locator(".alert-banner")).to_contain_text("SBP 182")
    shoot("alert")

    # stopped early for the blood pressure: the delivered dose is shown, the reason required
    nurse.get_by_role("button", name="Stop the infusion").click()
    expect(nurse.locator("#delivered-now")).to_contain_text("mg")
    expect(nurse.locator("main")).to_contain_text("The ordered dose is not in")
    nurse.get_by_label("Why is the infusion stopping early?").select_option(
        label="Blood pressure or heart rate (hemodynamic)"
    )
    nurse.get_by_label(re.compile("What happened")).fill("SBP 182 at 20 min")
    shoot("stop")
    nurse.get_by_role("button", name="Stop the infusion").click()
    expect(nurse.locator("#session-state")).to_have_text("Recovering")
    expect(nurse.locator("section[aria-labelledby=timeline]")).to_contain_text(
        "Blood pressure or heart rate (hemodynamic) — SBP 182 at 20 min"
    )
    elapse(booked, 31)  # the protocol's 30 minutes of observation pass
    nurse.reload()
    nurse.get_by_role("button", name="Discharge").click()
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Discharge")
    for item in ("activity", "respiration", "circulation", "consciousness", "o2"):
        nurse.locator(f"input[name=aldrete_{item}][value='2']").check()
    nurse.get_by_label("Escort present").check()
    nurse.get_by_label("Discharge instructions given").check()
    shoot("discharge")
    nurse.get_by_role("button", name="Discharge").click()
    expect(nurse.locator("#session-state")).to_have_text("Discharged")
    expect(nurse.locator("main")).to_contain_text("Waiting for the physician's sign-off")

    # the physician reads the sign-off summary, then signs; the record is immutable
    doctor.reload()
    doctor.get_by_role("button", name="Sign the session").click()
    expect(doctor.get_by_role("heading", level=1)).to_have_text("Sign-off summary")
    expect(doctor.locator("main")).to_contain_text("Stopped early")
    expect(doctor.locator("#bp-rise")).to_contain_text("SBP +58 mmHg")
    shoot_doctor("summary")
    doctor.get_by_role("button", name="Sign the session").click()
    expect(doctor.locator("#session-state")).to_have_text("Signed")
    timeline = doctor.locator("section[aria-labelledby=timeline]")
    for text in (
        "Checked in",
        "Order placed",
        "Independent double check",
        "Infusion started",
        "Vitals, 10 min",
        "Threshold alert",
        "Infusion stopped",
        "Discharged",
        "Signed",
    ):
        expect(timeline).to_contain_text(text)
    expect(doctor.get_by_role("button", name="Record vitals")).to_have_count(0)
    shoot_doctor("signed")
    context.close()

    session = InfusionSession.objects.get(pk=booked.pk)
    assert session.state == SessionState.SIGNED
    assert Decimal(0) < session.delivered_mg < Decimal(35)
    assert session.signed_by == world.users["physician"]
    assert VitalSign.objects.filter(session=session).count() == 3
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="infusions.infusionsession", patient=session.patient
    ).exists()


def test_library_and_course_pages_show_limits_sources_and_booking(
    page, shoot, world, booked_tomorrow
):  # type: ignore[no-untyped-def]
    booked = booked_tomorrow
    log_in_to_dashboard(page, "physician")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    depression = page.locator("section[aria-labelledby=p-depression-standard]")
    expect(depression).to_contain_text("Total dose per session")
    expect(depression).to_contain_text("75 mg")
    expect(depression).to_contain_text("clinic setting")
    expect(depression).to_contain_text("[kitclinic-dose-rules] L2")
    shoot("library")
    page.goto(f"/infusions/courses/{booked.course_id}/")
    expect(page.locator("main")).to_contain_text("1 of 6 planned sessions booked")
    page.get_by_label("Chair").select_option(label="Chair 1")
    page.get_by_label("Date").fill(
        timezone.localtime(booked.appointment.starts_at).date().isoformat()
    )
    page.get_by_label("Time").fill("09:30")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("main")).to_contain_text("already booked")
    shoot("course-double-booking")
