"""A nurse finds a patient and opens the chart, in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.patients import services
from tests.browser.helpers import log_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def patients(world):  # type: ignore[no-untyped-def]
    """Three patients at the nurse's clinic; Sam Rivera has a history that stages as TRD."""
    nurse = world.actor("nurse")
    sam = PatientFactory(
        home_clinic=world.clinic,
        family_name="Rivera",
        given_name="Sam",
        mrn="KC-0042",
        date_of_birth=dt.date(1980, 5, 17),
    )
    sandra = PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sandra")
    okafor = PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    services.diagnosis_add(
        actor=nurse,
        patient=sam,
        icd10_code="F33.2",
        is_primary=True,
        description="Major depressive disorder, recurrent, severe without psychotic features",
    )
    services.diagnosis_add(
        actor=nurse, patient=sam, icd10_code="F41.1", description="Generalized anxiety disorder"
    )
    # About 18 months (MSM duration 2), severe without psychosis (4), two adequate failed trials
    # of two classes (MSM 1; Thase–Rush Stage II): MSM 7, moderate.
    services.episode_update(
        actor=nurse,
        patient=sam,
        onset_date=timezone.localdate() - dt.timedelta(days=540),
        severity="severe_without_psychosis",
    )
    services.trial_add(
        actor=nurse,
        patient=sam,
        treatment_name="Sertraline",
        treatment_class="ssri",
        dose_text="150 mg/day",
        weeks=8,
        adequate=True,
        outcome="no_response",
    )
    services.trial_add(
        actor=nurse,
        patient=sam,
        treatment_name="Venlafaxine XR",
        treatment_class="snri",
        dose_text="225 mg/day",
        weeks=10,
        adequate=True,
        outcome="partial_response",
    )
    return {"sam": sam, "sandra": sandra, "okafor": okafor}


def test_nurse_searches_and_opens_chart(page, shoot, world, patients):  # type: ignore[no-untyped-def]
    sam, nurse = patients["sam"], world.users["nurse"]

    page.goto("/login/")
    shoot("login")
    log_in(page, "nurse")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("banner")).to_contain_text("Nurse")
    shoot("dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page).to_have_url(re.compile(r"/patients/$"))
    shoot("patient-list")

    # A marker on window survives only if the results are swapped in place (HTMX), not reloaded.
    page.evaluate("window.__sameDocument = true")
    page.locator("#patient-search").press_sequentially("rivera, sa", delay=40)
    results = page.locator("#results")
    expect(results).to_contain_text("2 matches")
    expect(results.get_by_role("link", name="Rivera, Sam")).to_be_visible()
    expect(results.get_by_role("link", name="Rivera, Sandra")).to_be_visible()
    expect(results).not_to_contain_text("Okafor")
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"q=rivera"))  # hx-push-url: the search is bookmarkable
    shoot("search-results")

    # searching opens no chart: the only views so far are the worklists before the search
    views = AuditEvent.objects.filter(action=AuditAction.VIEW)
    assert sorted((e.object_type, e.changes["worklist"]) for e in views) == [
        ("worklist", "dashboard"),
        ("worklist", "patients"),
    ]
    results.get_by_role("link", name="Rivera, Sam").click()
    expect(page).to_have_url(re.compile(rf"/patients/{sam.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rivera, Sam")
    expect(page.locator("main")).to_contain_text("MRN KC-0042")
    expect(page.locator("main")).to_contain_text("born 1980-05-17")

    diagnoses = page.locator("section[aria-labelledby=dx]")
    expect(diagnoses).to_contain_text("F33.2")
    expect(diagnoses).to_contain_text("Major depressive disorder, recurrent, severe")
    expect(diagnoses).to_contain_text("F41.1")
    expect(diagnoses).to_contain_text("Generalized anxiety disorder")

    staging = page.locator("section[aria-labelledby=staging]")
    expect(staging).to_contain_text("TRD definition (≥2) met")
    expect(staging).to_contain_text(re.compile(r"7\s*/ 15 — moderate"))
    expect(staging).to_contain_text("Stage II")
    shoot("chart")

    views = AuditEvent.objects.filter(action=AuditAction.VIEW).exclude(object_type="worklist")
    assert [(e.patient_id, e.actor_id, e.clinic_id) for e in views] == [
        (sam.pk, nurse.pk, world.clinic.pk)
    ]


def test_wrong_password_shows_error_and_does_not_log_in(page, shoot, world):  # type: ignore[no-untyped-def]
    log_in(page, "nurse", "not-the-password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("correct username and password", re.I))
    expect(page.get_by_label("Password")).to_have_value("")
    shoot("wrong-password")

    assert not any(c["name"] == "sessionid" for c in page.context.cookies())
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/patients/$"))
    expect(page.locator("main")).not_to_contain_text("Rivera")


def test_patient_search_is_keyboard_usable(page, shoot, world, patients):  # type: ignore[no-untyped-def]
    log_in(page, "nurse")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/patients/")

    # Start from the page heading, as after a click on the page, then Tab only.
    page.get_by_role("heading", name="Patients").click()
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "patient-search":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#patient-search")).to_be_focused()

    page.keyboard.type("rive", delay=40)
    expect(page.locator("#results")).to_contain_text("2 matches")
    shoot("typed")

    # Tab leads through the column headers (each sorts the list) to the first result.
    headers = ["Name", "MRN", "Date of birth", "Registered"]
    for label in headers:
        page.keyboard.press("Tab")
        expect(page.locator("#results th").get_by_role("link", name=label)).to_be_focused()
    page.keyboard.press("Tab")
    first = page.locator("#results").get_by_role("link", name="Rivera, Sam")
    expect(first).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#results").get_by_role("link", name="Rivera, Sandra")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(first).to_be_focused()
    shoot("result-focused")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/patients/{patients['sam'].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rivera, Sam")
