"""Rating scales entered item by item in a real browser: the PHQ-9 at check-in typed with the
keyboard alone (a digit, Tab, the next item; Enter sends), an answer out of range sent back with
the item named and every answer kept; the session's CADSS filled from a pasted list; a scale
recorded from the chart. Screenshots of each go to var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kitclinic.assessments.models import Assessment
from kitclinic.infusions.models import Chair, CheckIn, InfusionSession, SessionScore
from kitclinic.infusions.services.infusion.observations import vitals_record
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from tests.browser.helpers import (
    axe_violations,
    fill_check_in_form,
    log_in_to_dashboard,
    violations_text,
)
from tests.infusions.helpers import NORMAL, advance, book, make_eligible, plan, slot_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9 = (1, 1, 2, 2, 1, 2, 2, 2, 0)


@pytest.fixture
def booked(world, patient) -> InfusionSession:  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    return book(world, plan(world, patient), chair, slot_time(9, 0))


def test_nurse_types_the_check_in_phq9_with_the_keyboard_alone(page, shoot, booked):  # type: ignore[no-untyped-def]
    log_in_to_dashboard(page, "nurse")
    page.goto(f"/infusions/sessions/{booked.pk}/check-in/")
    fill_check_in_form(page, "70")
    for number in range(1, 10):  # the helper's answers, cleared: typed below
        page.locator(f"#id_rating_item_{number}").fill("")
    scale = page.locator("fieldset[data-scale-entry]")
    expect(scale).to_contain_text("Little interest or pleasure in doing things (0–3)")
    expect(scale).to_contain_text("0 = Not at all · 1 = Several days")

    # item 3 slips to 7: from item 1, a digit and Tab each, focus walking item to item
    page.locator("#id_rating_item_1").focus()
    for number, answer in enumerate((1, 1, 7, 2, 1, 2, 2, 2, 0), start=1):
        expect(page.locator(":focus")).to_have_id(f"id_rating_item_{number}")
        page.keyboard.type(str(answer))
        if number < 9:
            page.keyboard.press("Tab")
    shoot("typed")
    page.keyboard.press("Enter")

    item3 = page.locator("#id_rating_item_3")
    expect(page.locator("#id_rating_item_3_error")).to_have_text(
        "Item 3: 7 is outside the allowed 0–3."
    )
    expect(item3).to_have_attribute("aria-invalid", "true")
    expect(item3).to_have_value("7")
    expect(page.locator("#id_rating_item_9")).to_have_value("0")
    assert not CheckIn.objects.filter(session=booked).exists()
    shoot("item-3-out-of-range")
    found = axe_violations(page)
    assert not found, violations_text({"check-in, item 3 refused": found})

    # corrected by keyboard too: select the 7, type 2, Enter
    item3.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.locator("#session-state")).to_have_text("Checked in")
    check_in = CheckIn.objects.get(session=booked)
    assert check_in.pre_rating_answers == list(PHQ9)
    assert Assessment.objects.get(pk=check_in.pre_assessment_id).answers == list(PHQ9)
    shoot("checked-in")


def test_nurse_pastes_the_cadss_answers_into_its_23_items(page, shoot, world, booked):  # type: ignore[no-untyped-def]
    running = advance(world, booked, SessionState.RUNNING, elapsed_min=40)
    for minute in (10, 20, 30, 40):  # the vitals on time: the page shows no overdue slot
        vitals_record(actor=world.actor("nurse"), session=running, slot_minute=minute, **NORMAL)
    log_in_to_dashboard(page, "nurse")
    page.goto(f"/infusions/sessions/{running.pk}/")
    scores = page.locator("section[aria-labelledby=scores]")
    cadss = scores.locator("details").filter(has_text="CADSS")
    expect(cadss).to_have_attribute("open", "")  # open while the infusion runs
    expect(cadss.get_by_label("Item 23 (0–4)")).to_be_visible()
    answers = [1, 0, 2] + [0] * 19 + [1]
    cadss.get_by_label("Or paste all answers").fill(",".join(map(str, answers)))
    cadss.get_by_label("Or paste all answers").press("Tab")  # left: the items are filled
    expect(cadss.get_by_label("Item 3 (0–4)")).to_have_value("2")
    expect(cadss.get_by_label("Item 23 (0–4)")).to_have_value("1")
    expect(cadss.get_by_label("Or paste all answers")).to_have_value("")
    expect(cadss.locator("[data-scale-paste-status]")).to_have_text(
        "23 answers filled in from the pasted list: check them."
    )
    shoot("cadss-pasted")
    found = axe_violations(page)
    assert not found, violations_text({"session, CADSS filled": found})
    cadss.get_by_role("button", name="Record CADSS").click()
    expect(page.locator("main")).to_contain_text("Recorded CADSS 4/92")
    assert SessionScore.objects.get(session=running, kind="cadss").answers == answers

    # a pasted list one short is refused on the page of its own, nothing recorded
    page.locator("#cadss_answers").fill("1,2")
    page.get_by_role("button", name="Record CADSS").click()
    expect(page.locator("main")).to_contain_text(
        "2 answers pasted; CADSS has 23 items (item 1 first, separated by commas)."
    )
    shoot("cadss-short-list")
    found = axe_violations(page)
    assert not found, violations_text({"CADSS refused on its own page": found})
    assert SessionScore.objects.filter(session=running, kind="cadss").count() == 1


def test_a_scale_recorded_from_the_chart_is_entered_item_by_item(page, shoot, patient):  # type: ignore[no-untyped-def]
    log_in_to_dashboard(page, "physician")
    page.goto(f"/patients/{patient.pk}/assessments/new/?instrument=madrs")
    main = page.locator("main")
    # MADRS wording may not ship: numbers, ranges and the library's short labels
    expect(main.get_by_label("Item 10 (0–6)")).to_be_visible()
    expect(main).to_contain_text("suicidal thoughts")
    shoot("madrs-empty")
    page.get_by_label("Item 1 (0–6)").fill("9")
    page.get_by_role("button", name="Save and score").click()
    expect(page.locator("#id_item_1_error")).to_have_text("Item 1: 9 is outside the allowed 0–6.")
    expect(page.locator("#id_item_2_error")).to_have_text("Item 2: no answer; allowed 0–6.")
    shoot("madrs-errors")
    found = axe_violations(page)
    assert not found, violations_text({"chart record, MADRS refused": found})
    page.get_by_label("Item 1 (0–6)").fill("")
    page.get_by_label("Or paste all answers").fill("3,3,2,4,2,3,2,3,2,0")
    page.get_by_role("button", name="Save and score").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    assert Assessment.objects.get(patient=patient, instrument="madrs").answers == [
        3, 3, 2, 4, 2, 3, 2, 3, 2, 0
    ]  # fmt: skip
    page.goto(f"/patients/{patient.pk}/assessments/new/?instrument=phq9")
    shoot("phq9-empty")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the items stay usable
    page.get_by_label("Or paste all answers").fill("1,1,2,2,1,2,2,2,0")
    page.get_by_label("Or paste all answers").press("Tab")
    expect(
        page.get_by_label(re.compile(r"^9\. Thoughts that you would be better off"))
    ).to_have_value("0")
    shoot("phq9-phone")
