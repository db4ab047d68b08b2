"""An esketamine nasal-spray session in a real browser: the nurse checks the patient in, the
physician orders the fixed dose (the page says why no concentration preview is shown), the
nurse takes the blood pressure before dosing (a raised one waits for the physician's reason),
charts each device 5 minutes apart and the blood pressure after dosing; discharge names the time
it becomes possible. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kitclinic.infusions.models import Chair, InfusionSession
from kitclinic.infusions.services.library import library_install_default
from tests.browser.helpers import SCREENSHOT_DIR, fill_check_in_form, log_in_to_dashboard
from tests.infusions.helpers import book, make_eligible, slot_time
from tests.infusions.nasal_support import elapse_nasal, plan_nasal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked(world, patient) -> InfusionSession:  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    return book(world, plan_nasal(world, patient), chair, slot_time(9, 0))


def _bp(page, sbp: str, dbp: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Systolic (mmHg)").fill(sbp)
    page.get_by_label("Diastolic (mmHg)").fill(dbp)
    page.get_by_label("Heart rate (/min)").fill("76")
    page.get_by_label(re.compile("SpO2")).fill("98")


def test_an_esketamine_session_from_check_in_to_discharge(  # type: ignore[no-untyped-def]
    browser, live_server, page, shoot, world, booked
):
    nurse = page
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    doctor = context.new_page()
    log_in_to_dashboard(nurse, "nurse")
    log_in_to_dashboard(doctor, "physician")
    session_url = f"/infusions/sessions/{booked.pk}/"

    nurse.goto(session_url)
    nurse.get_by_role("button", name="Check in").click()
    fill_check_in_form(nurse, "70")
    nurse.get_by_role("button", name="Check in").click()
    expect(nurse.locator("#session-state")).to_have_text("Checked in")

    doctor.goto(session_url)
    expect(doctor.locator("main")).not_to_contain_text("Place the order")
    doctor.get_by_role("button", name="Order the nasal-spray dose").click()
    expect(doctor.locator("#no-pk-preview")).to_contain_text("none is validated for esketamine")
    doctor.get_by_label("Dose").select_option(label="84 mg (3 devices)")
    doctor.get_by_role("button", name="Place the order").click()
    expect(doctor.locator("main")).to_contain_text("starts at 56 mg")
    doctor.screenshot(path=str(SCREENSHOT_DIR / "esketamine-physician-01-first-dose.png"))
    doctor.get_by_label("Dose").select_option(label="56 mg (2 devices)")
    shoot("order")
    doctor.get_by_role("button", name="Place the order").click()
    expect(doctor.locator("#nasal-steps")).to_contain_text("56 mg = 2 devices")

    nurse.reload()
    expect(nurse.locator("main")).not_to_contain_text("Start the infusion")
    nurse.get_by_role("button", name="Blood pressure before dosing").click()
    _bp(nurse, "152", "94")
    nurse.get_by_role("button", name="Save").click()
    expect(nurse.locator("#predose-bp")).to_contain_text("waiting for a physician")
    shoot("predose-raised")

    doctor.reload()
    doctor.get_by_role("button", name=re.compile("Raised blood pressure")).click()
    doctor.get_by_label("Why dosing goes ahead").fill("Rechecked after 10 min rest; stable")
    doctor.get_by_role("button", name="Save").click()

    nurse.reload()
    nurse.get_by_role("button", name="Device 1 of 2 given now").click()
    expect(nurse.locator("#session-state")).to_have_text("Infusing")
    nurse.get_by_role("button", name="Device 2 of 2 given now").click()
    expect(nurse.locator("main")).to_contain_text("Device 2 can be given from")
    shoot("device-too-soon")
    elapse_nasal(booked, 5)
    nurse.reload()
    nurse.get_by_role("button", name="Device 2 of 2 given now").click()
    expect(nurse.locator("#session-state")).to_have_text("Recovering")
    expect(nurse.locator("#discharge-from")).to_contain_text("possible from")
    shoot("dosed")

    elapse_nasal(booked, 41)
    nurse.reload()
    nurse.get_by_role("button", name="Blood pressure after dosing").click()
    _bp(nurse, "138", "86")
    nurse.get_by_role("button", name="Save").click()
    expect(nurse.locator("#post-dose-bp")).to_contain_text("138/86")
    nurse.get_by_role("button", name="Discharge").click()
    expect(nurse.locator("#discharge-refusal")).to_contain_text("discharge is possible from")
    shoot("discharge-too-early")
    context.close()
