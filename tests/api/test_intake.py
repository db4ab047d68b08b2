"""Diagnoses, treatment trials, contraindication screens and eligibility over the API: the
services' rules come back as 400 naming the field, with nothing written."""

from __future__ import annotations

import pytest

from kitclinic.audit.models import AuditEvent
from kitclinic.patients import services
from kitclinic.patients.models import ContraindicationScreen, Diagnosis, EligibilityDecision
from tests.api.helpers import record_screen
from tests.patients.helpers import clear_screen
from tests.support.rows import row_counts


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == "Invalid input."
    return response.json()["errors"]


def _url(patient, what: str) -> str:
    return f"/api/v1/patients/{patient.pk}/{what}/"


# --- diagnoses and trials ---------------------------------------------------------------------


def test_nurse_adds_a_diagnosis_normalized_and_audited(world, client_for, patient):
    response = client_for("nurse").post(
        _url(patient, "diagnoses"),
        {"icd10_code": "f3341", "description": "MDD, recurrent, in partial remission"},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 201
    assert response.json()["icd10_code"] == "F33.41"
    diagnosis = Diagnosis.objects.get(patient=patient)
    event = AuditEvent.objects.get(object_type="patients.diagnosis")
    assert (event.action, event.actor, event.patient, event.client_address) == (
        "create",
        world.users["nurse"],
        patient,
        "10.0.0.9",
    )
    assert event.object_id == str(diagnosis.pk)


@pytest.mark.parametrize("code", ["32.9F", "F3", "FF3.2", "F32.12345"])
def test_malformed_icd10_code_is_refused_naming_the_field(client_for, patient, unchanged, code):
    response = client_for("physician").post(
        _url(patient, "diagnoses"), {"icd10_code": code, "description": "x"}, format="json"
    )
    assert "icd10_code" in _errors(response)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weeks": "eight"}, "weeks"),
        ({"weeks": 600}, "weeks"),
        ({"adequate": "yes"}, "adequate"),
        ({"treatment_class": "ketamine"}, "treatment_class"),
        ({"outcome": "cured"}, "outcome"),
        ({"started": "2020-01-01"}, "started"),
    ],
)
def test_malformed_trial_is_refused_naming_the_field(client_for, patient, unchanged, change, field):
    body = {
        "treatment_name": "venlafaxine",
        "treatment_class": "snri",
        "adequate": True,
        "outcome": "no_response",
        **change,
    }
    response = client_for("nurse").post(_url(patient, "trials"), body, format="json")
    assert field in _errors(response)


def test_auditor_writing_is_403_and_writes_nothing(client_for, patient, unchanged):
    response = client_for("auditor").post(
        _url(patient, "diagnoses"), {"icd10_code": "F33.2", "description": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "auditor" in response.json()["detail"].lower()


def test_role_is_checked_before_the_input(client_for, patient, unchanged):
    """A role that may not write learns nothing about what would have been valid."""
    response = client_for("front_desk").post(_url(patient, "diagnoses"), {"bad": 1}, format="json")
    assert response.status_code == 403


# --- screens ----------------------------------------------------------------------------------


def test_complete_screen_is_recorded(world, client_for, patient):
    answers = clear_screen(pregnancy=True)
    response = client_for("nurse").post(
        _url(patient, "screens"), {"answers": answers, "notes": "LMP 3 weeks"}, format="json"
    )
    assert response.status_code == 201
    screen = ContraindicationScreen.objects.get(patient=patient)
    assert screen.answers == answers
    assert response.json()["recorded_by"]["username"] == "nurse"


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"pregnancy": False}, "missing"),
        ({**clear_screen(), "tattoos": False}, "Unknown screen items: tattoos"),
        ({**clear_screen(), "pregnancy": "no"}, "true or false"),
        ({**clear_screen(), "pregnancy": None}, "answers.pregnancy"),
        ({}, ""),
    ],
    ids=["incomplete", "unknown-code", "not-boolean", "null", "empty"],
)
def test_bad_screen_is_refused_naming_answers(client_for, patient, unchanged, answers, reason):
    response = client_for("nurse").post(
        _url(patient, "screens"), {"answers": answers}, format="json"
    )
    errors = _errors(response)
    # the whole field, or the one item inside it (answers.pregnancy)
    named = {k: v for k, v in errors.items() if k == "answers" or k.startswith("answers.")}
    assert named, errors
    assert reason in str(named)


# --- eligibility ------------------------------------------------------------------------------


def _sign(client, patient, **body):
    return client.post(
        _url(patient, "eligibility-decisions"), {"indication": "depression", **body}, format="json"
    )


def test_signing_without_a_screen_is_refused(client_for, patient, unchanged):
    response = _sign(client_for("physician"), patient, outcome="eligible")
    assert "screen" in _errors(response)


def test_eligible_cannot_be_signed_over_a_computed_not_eligible(world, client_for, patient):
    record_screen(world, patient, hypersensitivity_ketamine=True)
    before = EligibilityDecision.objects.count(), AuditEvent.objects.count()
    response = _sign(
        client_for("physician"), patient, outcome="eligible", rationale="I disagree with the rules"
    )
    assert "not_eligible" in _errors(response)["outcome"][0]
    assert (EligibilityDecision.objects.count(), AuditEvent.objects.count()) == before


def test_nurse_cannot_sign_eligibility(world, client_for, patient):
    record_screen(world, patient)
    before = EligibilityDecision.objects.count(), AuditEvent.objects.count()
    response = _sign(client_for("nurse"), patient, outcome="not_eligible", rationale="x")
    assert response.status_code == 403
    assert (EligibilityDecision.objects.count(), AuditEvent.objects.count()) == before


def _diagnose(world, patient, *codes: str) -> None:
    for code in codes:
        services.diagnosis_add(
            actor=world.actor("nurse"), patient=patient, icd10_code=code, description="on file"
        )


def _trd(world, patient) -> None:
    for name, klass in (("Sertraline", "ssri"), ("Venlafaxine XR", "snri")):
        services.trial_add(
            actor=world.actor("nurse"),
            patient=patient,
            treatment_name=name,
            treatment_class=klass,
            adequate=True,
            outcome="no_response",
        )


def test_a_different_outcome_needs_a_rationale(world, client_for, patient):
    _diagnose(world, patient, "F33.2")
    record_screen(world, patient, pregnancy=True)  # computed: needs review
    before = row_counts()
    response = _sign(client_for("physician"), patient, outcome="not_eligible")
    assert "differs from the rules" in _errors(response)["rationale"][0]
    assert row_counts() == before


@pytest.mark.parametrize("rationale", [None, "", "   "])
def test_signing_eligible_needs_a_rationale_even_when_the_rules_agree(
    world, client_for, patient, rationale
):
    _diagnose(world, patient, "F33.2")
    _trd(world, patient)
    record_screen(world, patient)  # computed: eligible
    before = row_counts()
    body = {} if rationale is None else {"rationale": rationale}
    response = _sign(client_for("physician"), patient, outcome="eligible", **body)
    assert "signing eligible" in _errors(response)["rationale"][0]
    assert row_counts() == before


def test_eligible_is_signed_with_the_rationale_code_list_version_and_qualifying_code(
    world, client_for, patient
):
    _diagnose(world, patient, "F41.1", "F33.2")
    _trd(world, patient)
    record_screen(world, patient)
    response = _sign(
        client_for("physician"), patient, outcome="eligible", rationale="History reviewed."
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["outcome"], body["physician_rationale"]) == ("eligible", "History reviewed.")
    assert (body["code_list_version"], body["qualifying_code"]) == (1, "F33.2")
    assert "F33.2 (on file) qualifies for Depression under list v1" in " ".join(
        r["text"] for r in body["reasons"]
    )


@pytest.mark.parametrize("indication", ["ptsd", "chronic_pain"])
def test_depression_and_anxiety_codes_cannot_be_signed_eligible_for_ptsd_or_pain(
    world, client_for, patient, indication
):
    _diagnose(world, patient, "F33.2", "F41.1")
    record_screen(world, patient)
    client = client_for("physician")
    before = row_counts()
    refused = _sign(
        client, patient, indication=indication, outcome="eligible", rationale="Trauma history."
    )
    assert "may sign: not_eligible" in _errors(refused)["outcome"][0]
    assert row_counts() == before
    signed = _sign(client, patient, indication=indication, outcome="not_eligible")
    assert signed.status_code == 201, signed.content
    assert signed.json()["reasons"][0]["code"] == "no_qualifying_diagnosis"
    assert signed.json()["qualifying_code"] == ""


def test_physician_signs_and_a_new_decision_supersedes(world, client_for, patient):
    record_screen(world, patient, hypersensitivity_ketamine=True)
    client = client_for("physician")
    first = _sign(client, patient, outcome="not_eligible")
    assert first.status_code == 201, first.content
    assert first.json()["computed_outcome"] == "not_eligible"
    assert first.json()["reasons"][0]["code"] == "hypersensitivity_ketamine"
    assert first.json()["signed_by"]["username"] == "physician"
    second = _sign(client, patient, outcome="not_eligible")
    assert second.status_code == 201
    decisions = client.get(_url(patient, "eligibility-decisions")).json()["results"]
    assert [d["id"] for d in decisions] == [second.json()["id"], first.json()["id"]]
    assert decisions[1]["superseded_by"] == second.json()["id"]
    assert [d["is_current"] for d in decisions] == [True, False]
    sign = AuditEvent.objects.get(action="sign", object_id=str(second.json()["id"]))
    assert sign.actor == world.users["physician"]
    assert AuditEvent.objects.filter(action="supersede", patient=patient).count() == 1


def test_catalogue_lists_every_item_read_only(client_for, world):
    client = client_for("front_desk")
    body = client.get("/api/v1/contraindications/").json()
    assert [i["code"] for i in body["items"]] == list(clear_screen())
    assert client.post("/api/v1/contraindications/", {}, format="json").status_code == 405
