"""The patient list pages through every patient with the total, sorts by a column header (HTMX
swaps the results in place), and registration warns of a likely duplicate person before it
saves, in a real browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.patients import services
from kitclinic.patients.models import Patient
from tests.browser.helpers import log_in_to_dashboard
from tests.factories import PatientFactory
from tests.patients.helpers import demographics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_pages_and_sorts_the_patient_list(page, shoot, world):  # type: ignore[no-untyped-def]
    for n in range(120):
        PatientFactory(
            home_clinic=world.clinic,
            family_name=f"Lind{n:03d}",
            given_name="Ada",
            mrn=f"KC-{(n * 37) % 1000:04d}",
        )
    log_in_to_dashboard(page, world.users["front_desk"].username)
    page.goto("/patients/")
    results = page.locator("#results")
    expect(results).to_contain_text("1–50 of 120 patients")
    page.evaluate("window.__sameDocument = true")

    results.get_by_role("link", name="Next").click()
    expect(results).to_contain_text("51–100 of 120 patients · page 2 of 3")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(results.get_by_role("link", name="Lind050, Ada")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    shoot("patient-list-page-2")

    results.get_by_role("link", name=re.compile("^MRN")).click()
    mrn_header = results.locator("th", has_text="MRN")
    expect(mrn_header).to_have_attribute("aria-sort", "ascending")
    expect(results).to_contain_text("1–50 of 120 patients")
    first = results.locator("tbody tr").first
    expect(first).to_contain_text("KC-0000")
    results.get_by_role("link", name=re.compile("^MRN")).click()
    expect(mrn_header).to_have_attribute("aria-sort", "descending")
    expect(results.locator("tbody tr").first).to_contain_text("KC-0999")
    shoot("patient-list-sorted-by-mrn-descending")


def test_registering_sam_rivera_twice_warns_and_needs_confirming(page, shoot, world):  # type: ignore[no-untyped-def]
    first = services.patient_register(
        actor=world.actor("nurse"),
        data=demographics(
            mrn="KC-0042",
            family_name="Rivera",
            given_name="Sam",
            date_of_birth=dt.date(1984, 3, 12),
            sex_at_birth="male",
            phone="555-010-0142",
            email="",
        ),
    )
    log_in_to_dashboard(page, world.users["front_desk"].username)
    page.goto("/patients/new/")
    page.get_by_label("MRN").fill("KC-0777")
    page.get_by_label("Family name").fill("rivera")
    page.get_by_label("Given name").fill("Sam ")
    page.get_by_label("Date of birth").fill("1984-03-12")
    page.get_by_label("Sex at birth").select_option("male")
    page.get_by_role("button", name="Save").click()

    warning = page.get_by_role("alert").filter(has_text="already registered")
    expect(warning).to_contain_text("KC-0042")
    expect(warning).to_contain_text("1984-03-12")
    expect(warning).to_contain_text("Same name and date of birth")
    expect(warning.get_by_role("link", name="Rivera, Sam")).to_have_attribute(
        "href", f"/patients/{first.pk}/"
    )
    assert Patient.objects.count() == 1
    shoot("duplicate-warning")

    page.get_by_label(re.compile("this is a different person")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("rivera, Sam")
    second = Patient.objects.get(mrn="KC-0777")
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(second.pk))
    assert "different person" in event.detail and "KC-0042" in event.detail
    shoot("registered-after-confirming")
