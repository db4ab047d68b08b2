"""A clinic day off the happy path, in a real browser: the nurse mistypes the weight (an
implausible one is stopped at the check-in, a plausible typo gets through) and corrects the
check-in; the physician orders on the corrected weight; the infusion is stopped early with a
reason; the remainder of the draw is wasted with a witness; the sign-off summary shows ordered
against delivered, and the session is signed. Screenshots go to var/screenshots/."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.infusions.models import Chair, CheckIn, InfusionSession
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from tests.browser.helpers import SCREENSHOT_DIR, fill_check_in_form, log_in_to_dashboard
from tests.infusions.helpers import advance, book, clock_at, elapse, make_eligible, plan, slot_time
from tests.substances.helpers import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_visit(world, patient):  # type: ignore[no-untyped-def]
    """The patient's second session today; the first, a week ago, measured 82.4 kg."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    week_ago = timezone.now() - dt.timedelta(days=7)
    with clock_at(week_ago):
        first = book(world, course, chair, week_ago - dt.timedelta(hours=3))
        advance(world, first, SessionState.SIGNED, weight_kg="82.4")
    receive(world.actor("nurse"), lot_number="KX-2207")
    return book(world, course, chair, slot_time(9, 0))


def test_wrong_weight_corrected_early_stop_waste_and_summary_before_sign_off(  # type: ignore[no-untyped-def]
    browser, live_server, page, shoot, world, second_visit
):
    session = second_visit
    nurse = page
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(10_000)
    doctor = context.new_page()
    log_in_to_dashboard(nurse, "nurse")
    log_in_to_dashboard(doctor, "physician")
    url = f"/infusions/sessions/{session.pk}/"

    # check-in: 180 kg against last week's 82.4 kg is stopped right there (a soft finding)
    nurse.goto(url)
    nurse.get_by_role("button", name="Check in").click()
    fill_check_in_form(nurse, "180")
    nurse.get_by_role("button", name="Check in").click()
    expect(nurse.locator("main")).to_contain_text("82.4")
    expect(nurse.get_by_label(re.compile("Co-signed by"))).to_be_visible()
    shoot("check-in-weight-finding")
    assert not CheckIn.objects.filter(session=session).exists()

    # a plausible typo (88 for 82.4) gets through; the nurse corrects the check-in
    nurse.get_by_label("Weight (kg), measured today").fill("88")
    nurse.get_by_role("button", name="Check in").click()
    expect(nurse.locator("#session-state")).to_have_text("Checked in")
    nurse.get_by_role("button", name="Correct the check-in").click()
    nurse.get_by_label(re.compile("Corrected weight")).fill("82.4")
    nurse.get_by_label(re.compile("Reason for the correction")).fill(
        "Typed 88; the scale read 82.4"
    )
    nurse.get_by_role("button", name="Record the correction").click()
    record = nurse.locator("[data-check-in]")
    expect(record.locator("del[data-original-weight]")).to_have_text("88 kg")
    expect(record.locator("ins[data-corrected-weight]")).to_have_text("82.4 kg")
    shoot("check-in-corrected")

    # the physician orders 0.5 mg/kg on the corrected weight: 41.2 mg
    doctor.goto(url)
    doctor.get_by_role("button", name="Place the order").click()
    expect(doctor.locator("section[aria-labelledby=computed]")).to_contain_text("41.2 mg")
    doctor.get_by_label("Dose (mg/kg)").fill("0.5")
    doctor.get_by_role("button", name="Place order").click()
    expect(doctor.locator("#session-state")).to_have_text("Ordered")

    # the nurse double-checks and starts, drawing the ordered amount from the lot
    nurse.goto(url)
    nurse.get_by_role("button", name="Double-check the order").click()
    nurse.get_by_label("Pump rate read back (mL/h)").fill("61.8")
    nurse.get_by_label("Pump VTBI read back (mL)").fill("41.2")
    nurse.get_by_role("button", name="Confirm double check").click()
    expect(nurse.locator("#session-state")).to_have_text("Double-checked")
    nurse.get_by_label(re.compile("Draw 41.2 mg from lot")).select_option(index=1)
    nurse.get_by_role("button", name=re.compile("Start the infusion")).click()
    expect(nurse.locator("#session-state")).to_have_text("Infusing")

    # ten minutes in, the patient asks to stop: a reason is required, the delivered dose is shown
    elapse(session, 10)
    nurse.reload()
    nurse.get_by_role("button", name="Stop the infusion").click()
    expect(nurse.locator("#delivered-now")).to_contain_text("mg")
    nurse.get_by_role("button", name="Stop the infusion").click()
    expect(nurse.locator("main")).to_contain_text("choose why the infusion stops early")
    shoot("stop-needs-a-reason")
    nurse.get_by_label("Why is the infusion stopping early?").select_option("patient_request")
    nurse.get_by_label(re.compile("What happened")).fill("Patient asked to stop: nausea")
    nurse.get_by_role("button", name="Stop the infusion").click()
    expect(nurse.locator("#session-state")).to_have_text("Recovering")

    # the remainder drawn and not given is wasted in front of the physician
    nurse.get_by_role("button", name=re.compile("Waste the remainder")).click()
    expect(nurse.locator("#outstanding")).to_contain_text("mg")
    nurse.get_by_label("Witness (a physician or nurse)").select_option(
        str(world.users["physician"].pk)
    )
    shoot("waste")
    nurse.get_by_role("button", name="Waste the remainder").click()
    waste = SubstanceLogEntry.objects.get(session=session, kind=EntryKind.WASTE)
    assert waste.witness == world.users["physician"]

    # discharge after the protocol's observation time
    elapse(session, 31)
    nurse.goto(url)
    nurse.get_by_role("button", name="Discharge").click()
    for item in ("activity", "respiration", "circulation", "consciousness", "o2"):
        nurse.locator(f"input[name=aldrete_{item}][value='2']").check()
    nurse.get_by_label("Escort present").check()
    nurse.get_by_label("Discharge instructions given").check()
    nurse.get_by_role("button", name="Discharge").click()
    expect(nurse.locator("#session-state")).to_have_text("Discharged")

    # the physician sees ordered against delivered first, then signs
    doctor.goto(url)
    doctor.get_by_role("button", name="Sign the session").click()
    expect(doctor.get_by_role("heading", level=1)).to_have_text("Sign-off summary")
    dose = doctor.locator("section[aria-labelledby=dose]")
    expect(dose).to_contain_text("41.2")
    expect(dose).to_contain_text("Stopped early")
    expect(doctor.locator("#waste")).to_contain_text("drawn 41.2 mg")
    doctor.screenshot(path=str(SCREENSHOT_DIR / "ways-out-physician-summary.png"), full_page=True)
    doctor.get_by_role("button", name="Sign the session").click()
    expect(doctor.locator("#session-state")).to_have_text("Signed")
    context.close()

    signed = InfusionSession.objects.get(pk=session.pk)
    assert signed.state == SessionState.SIGNED
    delivered = Decimal(signed.delivered_mg)
    assert Decimal("9") < delivered < Decimal("12")  # about 10 of the 40 minutes at 61.8 mL/h
    assert waste.quantity_mg == Decimal("41.2") - delivered.quantize(Decimal("0.001"))
