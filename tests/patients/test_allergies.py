"""The allergy list at every door (service, pages, API, FHIR import/export): entries are added,
their status moves with a reason (entered in error is final), nothing is deleted, every change
is audited, and the contraindication screen cannot deny a ketamine allergy that is on file."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.intake.allergies import (
    AllergyStatus,
    is_ketamine,
    screen_answer_problem,
    status_change_problem,
)
from kitclinic.patients import services
from kitclinic.patients.models import Allergy, ContraindicationScreen
from tests.factories import PatientFactory
from tests.patients.helpers import clear_screen

pytestmark = pytest.mark.django_db

A, R, E = AllergyStatus.ACTIVE, AllergyStatus.RESOLVED, AllergyStatus.ENTERED_IN_ERROR


# --- the pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "reason", "expected"),
    [
        (A, R, "no reaction at challenge", None),
        (R, A, "reacted again", None),
        (A, E, "wrong patient", None),
        (A, R, "   ", "Give the reason"),
        (A, A, "x", "already active"),
        (E, A, "x", "final"),
    ],
)
def test_status_change_rule(current, new, reason, expected):
    problem = status_change_problem(current, new, reason)
    assert (problem is None) if expected is None else (expected in problem)


def test_ketamine_is_recognised_by_name_including_esketamine():
    assert is_ketamine("Ketamine") and is_ketamine("esketamine nasal spray")
    assert not is_ketamine("penicillin")


def test_the_screen_may_not_deny_an_active_ketamine_allergy():
    assert screen_answer_problem(["Ketamine"], clear_screen()) is not None
    assert screen_answer_problem(["Ketamine"], clear_screen(hypersensitivity_ketamine=True)) is None
    assert screen_answer_problem(["penicillin"], clear_screen()) is None


# --- services --------------------------------------------------------------------------------------


def test_adding_and_moving_an_allergy_is_audited_and_never_deletes(world, patient):
    nurse = world.actor("nurse")
    allergy = services.allergy_add(
        actor=nurse, patient=patient, substance=" Penicillin ", category="medication"
    )
    assert (allergy.substance, allergy.status) == ("Penicillin", "active")
    services.allergy_status_change(
        actor=nurse, allergy=allergy, status="resolved", reason="Tolerated amoxicillin in 2024"
    )
    allergy.refresh_from_db()
    assert (allergy.status, allergy.status_reason) == ("resolved", "Tolerated amoxicillin in 2024")
    assert allergy.status_changed_by == world.users["nurse"]
    events = AuditEvent.objects.filter(object_type="patients.allergy", patient=patient)
    assert [e.action for e in events.order_by("pk")] == ["create", "update"]
    assert events.order_by("pk").last().changes["status"] == ["active", "resolved"]


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [("resolved", "", "reason"), ("gone", "x", "status"), ("active", "x", "status")],
)
def test_a_refused_status_change_names_the_field_and_writes_nothing(
    world, patient, status, reason, field
):
    nurse = world.actor("nurse")
    allergy = services.allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.allergy_status_change(actor=nurse, allergy=allergy, status=status, reason=reason)
    assert field in exc.value.message_dict
    allergy.refresh_from_db()
    assert allergy.status == "active" and AuditEvent.objects.count() == before


def test_entered_in_error_is_final_and_cannot_be_recorded_new(world, patient):
    nurse = world.actor("nurse")
    allergy = services.allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    services.allergy_status_change(
        actor=nurse, allergy=allergy, status="entered-in-error", reason="Another patient's"
    )
    with pytest.raises(ValidationError, match="final"):
        services.allergy_status_change(actor=nurse, allergy=allergy, status="active", reason="x")
    with pytest.raises(ValidationError) as exc:
        services.allergy_add(
            actor=nurse, patient=patient, substance="Latex", category="", status="entered-in-error"
        )
    assert "status" in exc.value.message_dict
    assert Allergy.objects.filter(patient=patient).count() == 1


def test_a_bad_category_is_refused_and_the_front_desk_may_not_add(world, patient):
    with pytest.raises(ValidationError) as exc:
        services.allergy_add(
            actor=world.actor("nurse"), patient=patient, substance="Latex", category="plant"
        )
    assert "category" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.allergy_add(
            actor=world.actor("front_desk"), patient=patient, substance="Latex", category=""
        )
    assert not Allergy.objects.exists()


def test_a_screen_denying_a_ketamine_allergy_on_file_is_refused_until_it_is_resolved(
    world, patient
):
    nurse = world.actor("nurse")
    allergy = services.allergy_add(
        actor=nurse, patient=patient, substance="Ketamine", category="medication"
    )
    with pytest.raises(ValidationError, match="hypersensitivity to ketamine"):
        services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    assert not ContraindicationScreen.objects.filter(patient=patient).exists()
    services.screen_record(
        actor=nurse, patient=patient, answers=clear_screen(hypersensitivity_ketamine=True)
    )
    services.allergy_status_change(
        actor=nurse, allergy=allergy, status="entered-in-error", reason="Meant for another chart"
    )
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    assert ContraindicationScreen.objects.filter(patient=patient).count() == 2


# --- pages -----------------------------------------------------------------------------------------


def test_the_chart_lists_allergies_and_flags_a_screen_that_denies_one(world, patient, login):
    nurse = world.actor("nurse")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    services.allergy_add(
        actor=nurse, patient=patient, substance="Esketamine", category="medication"
    )
    page = login("nurse").get(reverse("patient-chart", args=[patient.pk]))
    text = page.content.decode()
    assert "Esketamine" in text and "the allergy list disagrees" in text
    front_desk = login("front_desk").get(reverse("patient-chart", args=[patient.pk]))
    assert "Esketamine" not in front_desk.content.decode()


def test_the_add_page_saves_and_a_bad_post_answers_422_writing_nothing(world, patient, login):
    client = login("physician")
    url = reverse("allergy-add", args=[patient.pk])
    bad = client.post(url, {"substance": "", "category": "medication"})
    assert bad.status_code == 422 and not Allergy.objects.exists()
    good = client.post(url, {"substance": "Peanuts", "category": "food", "criticality": "high"})
    assert good.status_code == 302
    assert Allergy.objects.get().criticality == "high"
    assert login("front_desk").get(url).status_code == 403


def test_the_status_page_changes_status_and_404s_for_another_patients_entry(world, patient, login):
    nurse = world.actor("nurse")
    allergy = services.allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    other = PatientFactory(home_clinic=world.clinic, mrn="KC-7777")
    client = login("nurse")
    assert client.get(reverse("allergy-status", args=[other.pk, allergy.pk])).status_code == 404
    url = reverse("allergy-status", args=[patient.pk, allergy.pk])
    assert client.post(url, {"status": "inactive", "reason": ""}).status_code == 422
    assert (
        client.post(url, {"status": "inactive", "reason": "No longer exposed"}).status_code == 302
    )
    allergy.refresh_from_db()
    assert allergy.status == "inactive"


# --- API -------------------------------------------------------------------------------------------


def test_the_api_lists_adds_and_changes_status(world, patient, client_for):
    api = client_for("physician")
    base = f"/api/v1/patients/{patient.pk}/allergies/"
    created = api.post(base, {"substance": "Sulfa drugs", "category": "medication"}, format="json")
    assert created.status_code == 201, created.content
    bad = api.post(base, {"substance": "x", "category": "plant"}, format="json")
    assert bad.status_code == 400 and "category" in bad.content.decode()
    assert Allergy.objects.count() == 1
    changed = api.post(
        f"{base}{created.json()['id']}/status/",
        {"status": "resolved", "reason": "Tolerated"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["status"] == "resolved"
    listed = api.get(base)
    assert [a["substance"] for a in listed.json()["results"]] == ["Sulfa drugs"]
    assert AuditEvent.objects.filter(patient=patient, detail__contains="allergies").exists()
    assert client_for("front_desk").get(base).status_code == 403


# --- FHIR ------------------------------------------------------------------------------------------


def _export(world, mrn: str, tmp_path) -> list[dict]:
    path = tmp_path / "export.json"
    call_command(
        "fhir",
        "export",
        "--organization",
        world.clinic.organization.slug,
        "--mrn",
        mrn,
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    return [e["resource"] for e in json.loads(path.read_text())["entry"]]


def test_the_export_writes_each_entry_and_entered_in_error_only_as_verification(
    world, patient, tmp_path
):
    nurse = world.actor("nurse")
    kept = services.allergy_add(
        actor=nurse, patient=patient, substance="Peanuts", category="food", reaction="Hives"
    )
    wrong = services.allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    services.allergy_status_change(
        actor=nurse, allergy=wrong, status="entered-in-error", reason="Another patient's"
    )
    resources = {
        r["id"]: r
        for r in _export(world, patient.mrn, tmp_path)
        if r["resourceType"] == "AllergyIntolerance"
    }
    peanuts = resources[f"allergy-{kept.pk}"]
    assert peanuts["clinicalStatus"]["coding"][0]["code"] == "active"
    assert peanuts["reaction"][0]["manifestation"][0]["text"] == "Hives"
    latex = resources[f"allergy-{wrong.pk}"]
    assert "clinicalStatus" not in latex
    assert latex["verificationStatus"]["coding"][0]["code"] == "entered-in-error"


def _import(world, path, persona: str = "other_org") -> dict:
    out = io.StringIO()
    user = world.users[persona]
    org = user.memberships.first().clinic.organization
    call_command(
        "fhir",
        "import",
        str(path),
        "--organization",
        org.slug,
        "--username",
        user.username,
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_allergies_come_back_from_an_export_and_a_refuted_one_is_skipped(world, patient, tmp_path):
    nurse = world.actor("nurse")
    services.allergy_add(
        actor=nurse,
        patient=patient,
        substance="Peanuts",
        category="food",
        criticality="high",
        reaction="Anaphylaxis",
    )
    old = services.allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    services.allergy_status_change(
        actor=nurse, allergy=old, status="resolved", reason="Desensitised"
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in _export(world, patient.mrn, tmp_path)],
    }
    refuted = {
        "resourceType": "AllergyIntolerance",
        "id": "refuted-1",
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": "refuted",
                }
            ]
        },
        "code": {"text": "Codeine"},
        "patient": {"reference": f"Patient/p-{patient.pk}"},
    }
    bundle["entry"].append({"resource": refuted})
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = _import(world, path)
    assert result["created"]["AllergyIntolerance"] == 2
    assert [
        s["reason"] for s in result["skipped"] if s["resourceType"] == "AllergyIntolerance"
    ] == ["the sender marks this allergy refuted: not recorded as an allergy."]
    copied = Allergy.objects.exclude(patient=patient).order_by("substance")
    assert [(a.substance, a.category, a.criticality, a.reaction, a.status) for a in copied] == [
        ("Latex", "", "", "", "resolved"),
        ("Peanuts", "food", "high", "Anaphylaxis", "active"),
    ]
    assert _import(world, path)["created"] == {}
