"""What the pages show: the chart, search results, the dashboard and form errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.patients import services
from tests.factories import PatientFactory
from tests.patients.helpers import add_trd_history, clear_screen
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def charted(world, patient):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    patient.phone = "555-0142"
    patient.emergency_contact_name = "Lee Rivera"
    patient.save()
    add_trd_history(nurse, patient)
    services.screen_record(
        actor=nurse, patient=patient, answers=clear_screen(uncontrolled_cardiovascular_disease=True)
    )
    services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="depression",
        outcome="needs_review",
    )
    return patient


def test_chart_shows_demographics_history_staging_screen_and_decision(login, charted):
    response = login("nurse").get(reverse("patient-chart", args=[charted.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Rivera, Sam",
        charted.mrn,
        "1980-05-17",
        "555-0142",
        "Lee Rivera",
        "F33.2",
        "Major depressive disorder, recurrent, severe",
        "Sertraline",
        "Venlafaxine XR",
        "150 mg/day",
        "<strong>8</strong> / 15 — moderate",  # MSM score and band
        "Stage II",  # Thase–Rush
        "Uncontrolled hypertension or poorly controlled cardiovascular disease",
        "Needs review",
    ):
        assert text in html, text
    reasons = response.context["chart"].decisions[0].reasons
    assert any(r["code"] == "uncontrolled_cardiovascular_disease" for r in reasons)
    for reason in reasons:
        assert reason["text"] in html
    # Absent screen items are not listed as present.
    assert "Active psychosis" not in html


def test_chart_view_is_audited(login, world, charted):
    login("auditor").get(reverse("patient-chart", args=[charted.pk]))
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.actor_id, event.patient_id, event.actor_role) == (
        world.users["auditor"].pk,
        charted.pk,
        "auditor",
    )
    assert event.client_address == "127.0.0.1"


def test_chart_links_only_to_what_the_role_may_do(login, charted):
    nurse_html = login("nurse").get(reverse("patient-chart", args=[charted.pk])).content.decode()
    auditor_html = (
        login("auditor").get(reverse("patient-chart", args=[charted.pk])).content.decode()
    )
    sign_url = reverse("eligibility-decide", args=[charted.pk])
    screen_url = reverse("screen-record", args=[charted.pk])
    assert screen_url in nurse_html and sign_url not in nurse_html
    assert screen_url not in auditor_html and sign_url not in auditor_html


@pytest.fixture
def people(world, other_org_patient):
    make = PatientFactory
    return {
        "ada": make(
            home_clinic=world.clinic,
            family_name="Lovelace",
            given_name="Ada",
            mrn="KC-100",
            date_of_birth=dt.date(1990, 12, 10),
        ),
        "alan": make(
            home_clinic=world.clinic,
            family_name="Turing",
            given_name="Alan",
            mrn="KC-200",
            date_of_birth=dt.date(1972, 6, 23),
        ),
        "grace": make(
            home_clinic=world.clinic,
            family_name="Hopper",
            given_name="Grace",
            mrn="KC-300",
            date_of_birth=dt.date(1990, 12, 10),
        ),
        "twin": make(
            home_clinic=world.other_clinic,
            family_name="Lovelace",
            given_name="Ada",
            mrn="KC-100",
            date_of_birth=dt.date(1990, 12, 10),
        ),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("love", {"ada"}),
        ("LOVE", {"ada"}),
        ("al", {"alan"}),
        ("Lovelace, Ada", {"ada"}),
        ("turing, al", {"alan"}),
        ("alan turing", {"alan"}),
        ("hopper, ada", set()),
        ("kc-200", {"alan"}),
        ("KC-300", {"grace"}),
        ("1990-12-10", {"ada", "grace"}),
        ("12/10/1990", {"ada", "grace"}),
        ("06/23/1972", {"alan"}),
        ("nobody", set()),
        ("", {"ada", "alan", "grace"}),
    ],
)
def test_search_finds_the_right_patients_and_never_another_organizations(
    login, people, query, found
):
    response = login("front_desk").get(reverse("patient-list"), {"q": query})
    assert response.status_code == 200
    shown = {p.pk for p in response.context["patients"]}
    # Organization B's twin has the same name, MRN and date of birth as Ada: it never appears.
    assert people["twin"].pk not in shown
    assert all(
        p.organization_id == people["ada"].organization_id for p in response.context["patients"]
    )
    assert {name for name, p in people.items() if p.pk in shown} == found


def test_other_organization_sees_its_own_twin_only(login, people):
    response = login("other_org").get(reverse("patient-list"), {"q": "KC-100"})
    assert [p.pk for p in response.context["patients"]] == [people["twin"].pk]


def test_dashboard_lists_screened_patients_awaiting_a_decision(login, world):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    waiting = PatientFactory(home_clinic=world.clinic, family_name="Waiting")
    decided = PatientFactory(home_clinic=world.clinic, family_name="Decided")
    unscreened = PatientFactory(home_clinic=world.clinic, family_name="Unscreened")
    for p in (waiting, decided):
        services.screen_record(actor=nurse, patient=p, answers=clear_screen())
    services.diagnosis_add(actor=nurse, patient=decided, icd10_code="F41.1", description="GAD")
    services.eligibility_decide(
        actor=physician,
        patient=decided,
        indication="anxiety",
        outcome="needs_review",
        rationale="Await cardiology.",
    )
    summary = login("nurse").get(reverse("dashboard")).context["summary"]
    assert [p.pk for p in summary.awaiting_decision] == [waiting.pk]
    assert [d.patient_id for d in summary.needs_review] == [decided.pk]
    assert summary.patient_count == 3
    assert unscreened.pk in {p.pk for p in summary.recently_registered}


def test_dashboard_lists_todays_patients_of_this_clinic(login, world, patient, other_org_patient):
    client = login("nurse")
    client.get(reverse("patient-chart", args=[patient.pk]))
    summary = client.get(reverse("dashboard")).context["summary"]
    assert [p.pk for p in summary.seen_today] == [patient.pk]


def test_form_error_names_the_field_and_writes_nothing(login, patient):
    client = login("nurse")
    before = row_counts()
    response = client.post(
        reverse("diagnosis-add", args=[patient.pk]),
        {"icd10_code": "32.9", "description": "MDD"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "32.9 is not an ICD-10-CM code" in html
    assert 'id="id_icd10_code_errors"' in html
    assert row_counts() == before


def test_registration_with_future_birth_shows_the_date_of_birth_error(login, world):
    client = login("front_desk")
    before = row_counts()
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = client.post(
        reverse("patient-register"),
        {
            "mrn": "KC-9",
            "family_name": "Future",
            "given_name": "Fay",
            "date_of_birth": tomorrow.isoformat(),
            "sex_at_birth": "female",
        },
    )
    assert response.status_code == 422
    assert "The date of birth cannot be in the future." in response.content.decode()
    assert response.context["form"].errors["date_of_birth"]
    assert row_counts() == before


def test_duplicate_mrn_error_is_shown_on_the_mrn_field(login, patient):
    response = login("front_desk").post(
        reverse("patient-register"),
        {
            "mrn": patient.mrn.lower(),
            "family_name": "Dup",
            "given_name": "Dan",
            "date_of_birth": "1990-01-01",
            "sex_at_birth": "male",
        },
    )
    assert response.status_code == 422
    assert "already used by another patient" in " ".join(response.context["form"].errors["mrn"])


def test_eligibility_over_not_eligible_shows_the_outcome_error(login, world, patient):
    services.screen_record(
        actor=world.actor("nurse"), patient=patient, answers=clear_screen(active_psychosis=True)
    )
    client = login("physician")
    before = row_counts()
    response = client.post(
        reverse("eligibility-decide", args=[patient.pk]),
        {"indication": "anxiety", "outcome": "eligible", "rationale": "Stable now."},
    )
    assert response.status_code == 422
    assert "not_eligible" in " ".join(response.context["form"].errors["outcome"])
    assert row_counts() == before


@pytest.mark.parametrize("rationale", ["", "   "])
def test_signing_eligible_without_a_rationale_shows_the_field_error_and_writes_nothing(
    login, world, patient, rationale
):
    add_trd_history(world.actor("nurse"), patient)
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    client = login("physician")
    before = row_counts()
    response = client.post(
        reverse("eligibility-decide", args=[patient.pk]),
        {"indication": "depression", "outcome": "eligible", "rationale": rationale},
    )
    assert response.status_code == 422
    assert "signing eligible" in " ".join(response.context["form"].errors["rationale"])
    assert row_counts() == before


def test_ptsd_without_a_ptsd_code_cannot_be_signed_eligible_on_the_page(login, world, patient):
    """Only F33.2 and F41.1 on file: the page shows why PTSD is not eligible, and refuses
    "eligible" even with a rationale."""
    nurse = world.actor("nurse")
    add_trd_history(nurse, patient)
    services.diagnosis_add(actor=nurse, patient=patient, icd10_code="F41.1", description="GAD")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    client = login("physician")
    page = client.get(reverse("eligibility-decide", args=[patient.pk])).content.decode()
    assert "no qualifying diagnosis for PTSD under list v1" in page
    assert "F33.2 (Major depressive disorder, recurrent, severe) qualifies for Depression" in page
    before = row_counts()
    response = client.post(
        reverse("eligibility-decide", args=[patient.pk]),
        {"indication": "ptsd", "outcome": "eligible", "rationale": "Trauma history."},
    )
    assert "not_eligible" in " ".join(response.context["form"].errors["outcome"])
    assert row_counts() == before


def test_audit_trail_page_shows_the_organizations_events_only(
    login, world, patient, other_org_patient
):
    login("nurse").get(reverse("patient-chart", args=[patient.pk]))
    login("other_org").get(reverse("patient-chart", args=[other_org_patient.pk]))
    response = login("auditor").get(reverse("audit-trail"), {"action": "view"})
    events = response.context["listing"].rows
    assert [e.patient_id for e in events] == [patient.pk]
