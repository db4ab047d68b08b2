"""Patients over the API: register, search, chart, demographics and episode; bad input writes
nothing; reads of a chart are audited; list and chart queries do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.patients.models import Diagnosis, Patient, TreatmentTrial
from tests.api.helpers import demographics
from tests.factories import PatientFactory
from tests.support.rows import row_counts


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input."
    return body["errors"]


# --- register ---------------------------------------------------------------------------------


def test_front_desk_registers_a_patient_with_an_audit_event(world, client_for):
    response = client_for("front_desk").post(
        "/api/v1/patients/", demographics(), format="json", REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert (patient.mrn, patient.family_name, patient.home_clinic) == (
        "NEW-1",
        "Okafor",
        world.clinic,
    )
    assert body["date_of_birth"] == "1975-03-02"
    event = AuditEvent.objects.get(patient=patient)
    assert event.action == "create"
    assert event.actor == world.users["front_desk"]
    assert event.actor_role == "front_desk"
    assert event.client_address == "10.0.0.7"
    assert event.changes["mrn"] == [None, "NEW-1"]


@pytest.mark.parametrize(
    ("born", "reason"),
    [
        (lambda today: today + dt.timedelta(days=1), "future"),
        (lambda today: today.replace(year=today.year - 121), "over 120"),
    ],
    ids=["future", "over-120"],
)
def test_impossible_birth_date_is_refused_naming_the_field(client_for, unchanged, born, reason):
    day = born(timezone.localdate()).isoformat()
    response = client_for("nurse").post(
        "/api/v1/patients/", demographics(date_of_birth=day), format="json"
    )
    assert reason in " ".join(_errors(response)["date_of_birth"])


def test_duplicate_mrn_is_refused_case_insensitively(client_for, patient, unchanged):
    response = client_for("nurse").post(
        "/api/v1/patients/", demographics(mrn=patient.mrn.lower()), format="json"
    )
    assert "already used" in _errors(response)["mrn"][0]


def test_another_organizations_mrn_may_be_reused(client_for, other_org_patient):
    response = client_for("nurse").post(
        "/api/v1/patients/", demographics(mrn=other_org_patient.mrn), format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (demographics(nickname="Ace"), "nickname"),
        (demographics(given_name=123), "given_name"),
        (demographics(date_of_birth="02/03/1975"), "date_of_birth"),
        (demographics(sex_at_birth="f"), "sex_at_birth"),
        (demographics(mrn="has space"), "mrn"),
        (demographics(email="not-an-email"), "email"),
        ({k: v for k, v in demographics().items() if k != "family_name"}, "family_name"),
    ],
    ids=["unknown-field", "wrong-type", "date-format", "choice", "mrn-format", "email", "missing"],
)
def test_malformed_registration_names_the_field(client_for, unchanged, body, field):
    response = client_for("nurse").post("/api/v1/patients/", body, format="json")
    assert field in _errors(response)


def test_registration_body_must_be_an_object(client_for, unchanged):
    response = client_for("nurse").post("/api/v1/patients/", ["mrn"], format="json")
    assert response.status_code == 400


# --- search and list --------------------------------------------------------------------------


def test_search_finds_by_name_prefix_mrn_and_birth_date_within_the_organization(
    world, client_for, patient, other_org_patient
):
    client = client_for("front_desk")
    PatientFactory(
        home_clinic=world.clinic, family_name="Rivers", date_of_birth=dt.date(1990, 1, 2)
    )

    def found(q: str) -> list[str]:
        response = client.get("/api/v1/patients/", {"q": q})
        assert response.status_code == 200
        return [p["family_name"] for p in response.json()["results"]]

    assert found("riv") == ["Rivera", "Rivers"]
    assert found("rivera, sa") == ["Rivera"]
    assert found(patient.mrn.lower()) == ["Rivera"]
    assert found("1990-01-02") == ["Rivers"]
    assert found("outsider") == []  # another organization's patient
    assert sorted(found("")) == ["Rivera", "Rivers"]


def test_list_is_paginated_past_the_search_cap(world, client_for):
    PatientFactory.create_batch(60, home_clinic=world.clinic)
    client = client_for("nurse")
    first = client.get("/api/v1/patients/", {"limit": 25}).json()
    assert first["count"] == 60
    assert len(first["results"]) == 25
    last = client.get("/api/v1/patients/", {"limit": 25, "offset": 50}).json()
    assert len(last["results"]) == 10
    assert last["next"] is None


def test_listing_patients_is_not_audited_per_patient(world, client_for, patient):
    client_for("nurse").get("/api/v1/patients/")
    assert not AuditEvent.objects.filter(patient=patient).exists()


# --- chart ------------------------------------------------------------------------------------


def test_reading_a_chart_records_a_view_event(world, client_for, patient):
    response = client_for("auditor").get(f"/api/v1/patients/{patient.pk}/", REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert response.json()["mrn"] == patient.mrn
    event = AuditEvent.objects.get(patient=patient)
    assert (event.action, event.actor, event.actor_role) == (
        "view",
        world.users["auditor"],
        "auditor",
    )
    assert event.client_address == "10.9.8.7"
    assert event.object_type == "patients.patient"


@pytest.mark.parametrize("what", ["diagnoses", "trials", "screens", "eligibility-decisions"])
def test_reading_a_charts_records_is_audited_too(world, client_for, patient, what):
    response = client_for("nurse").get(f"/api/v1/patients/{patient.pk}/{what}/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(patient=patient)
    assert event.action == "view"
    assert event.actor == world.users["nurse"]


def test_chart_shows_history_and_staging(world, client_for, patient):
    _history(world, patient, diagnoses=1, trials=2)
    body = client_for("nurse").get(f"/api/v1/patients/{patient.pk}/").json()
    assert [d["icd10_code"] for d in body["diagnoses"]] == ["F33.2"]
    assert body["diagnoses"][0]["recorded_by"] == {
        "id": world.users["nurse"].pk,
        "username": "nurse",
    }
    assert len(body["trials"]) == 2
    assert body["staging"]["adequate_failed_trials"] == 2
    assert body["latest_screen"] is None
    assert body["eligibility_decisions"] == []


# --- update -----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent_and_audits_the_change(world, client_for, patient):
    response = client_for("front_desk").patch(
        f"/api/v1/patients/{patient.pk}/", {"phone": "555-0142"}, format="json"
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.phone, patient.family_name, patient.mrn) == ("555-0142", "Rivera", patient.mrn)
    event = AuditEvent.objects.get(patient=patient)
    assert event.action == "update"
    assert event.changes == {"phone": ["", "555-0142"]}


def test_put_replaces_all_demographics_and_needs_every_required_field(client_for, patient):
    client = client_for("clinic_admin")
    url = f"/api/v1/patients/{patient.pk}/"
    assert set(_errors(client.put(url, {"phone": "1"}, format="json"))) >= {"mrn", "family_name"}
    response = client.put(url, demographics(mrn="R-2", family_name="Reyes"), format="json")
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.mrn, patient.family_name, patient.family_name_key) == ("R-2", "Reyes", "reyes")


def test_patch_with_an_impossible_birth_date_writes_nothing(client_for, patient, unchanged):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for("nurse").patch(
        f"/api/v1/patients/{patient.pk}/", {"date_of_birth": tomorrow}, format="json"
    )
    assert "date_of_birth" in _errors(response)
    patient.refresh_from_db()
    assert patient.date_of_birth == dt.date(1980, 5, 17)


def test_patch_to_another_patients_mrn_is_refused(world, client_for, patient):
    other = PatientFactory(home_clinic=world.clinic)
    before = row_counts()
    response = client_for("nurse").patch(
        f"/api/v1/patients/{other.pk}/", {"mrn": patient.mrn}, format="json"
    )
    assert "mrn" in _errors(response)
    assert row_counts() == before


def test_episode_is_set_and_a_future_onset_is_refused(client_for, patient):
    client = client_for("physician")
    url = f"/api/v1/patients/{patient.pk}/episode/"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    before = AuditEvent.objects.count()
    bad = client.put(
        url, {"episode_onset_date": tomorrow, "episode_severity": "mild"}, format="json"
    )
    assert "episode_onset_date" in _errors(bad)
    assert AuditEvent.objects.count() == before
    ok = client.put(
        url, {"episode_onset_date": "2026-03-01", "episode_severity": "moderate"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["episode_severity"] == "moderate"
    patient.refresh_from_db()
    assert patient.episode_onset_date == dt.date(2026, 3, 1)


# --- query counts -----------------------------------------------------------------------------


def _history(world, patient, *, diagnoses: int, trials: int) -> None:
    now = timezone.now()
    nurse = world.users["nurse"]
    Diagnosis.objects.bulk_create(
        Diagnosis(
            patient=patient,
            icd10_code="F33.2",
            description="MDD",
            recorded_by=nurse,
            recorded_at=now,
        )
        for _ in range(diagnoses)
    )
    TreatmentTrial.objects.bulk_create(
        TreatmentTrial(
            patient=patient,
            treatment_name=f"drug {i}",
            treatment_class="ssri",
            adequate=True,
            outcome="no_response",
            recorded_by=nurse,
            recorded_at=now,
        )
        for i in range(trials)
    )


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "fam"}], ids=["list", "search"])
def test_list_and_search_queries_do_not_grow_with_patients(
    world, client_for, django_assert_max_num_queries, params
):
    client = client_for("nurse")
    PatientFactory(home_clinic=world.clinic)
    small = _queries(client, "/api/v1/patients/", params)
    for p in PatientFactory.create_batch(30, home_clinic=world.clinic):
        _history(world, p, diagnoses=2, trials=2)
    assert _queries(client, "/api/v1/patients/", params) == small
    # a search writes its one search event and the list its one worklist event: a savepoint, the
    # chain head's lock, the insert, the head's move and the release
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/patients/", params)
    assert response.json()["count"] == 31


@pytest.mark.parametrize(
    "suffix", ["", "diagnoses/", "trials/"], ids=["chart", "diagnoses", "trials"]
)
def test_chart_queries_do_not_grow_with_history(
    world, client_for, patient, django_assert_max_num_queries, suffix
):
    client = client_for("nurse")
    url = f"/api/v1/patients/{patient.pk}/{suffix}"
    _history(world, patient, diagnoses=1, trials=1)
    small = _queries(client, url)
    _history(world, patient, diagnoses=30, trials=30)
    assert _queries(client, url) == small
    # 14: the read's audit event is 3 of them (lock the chain head, insert, move the head)
    with django_assert_max_num_queries(14):
        client.get(url)
