"""Patient services on the real database: each write is audited in its own transaction."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.patients import services
from kitclinic.patients.models import (
    ContraindicationScreen,
    Diagnosis,
    EligibilityDecision,
    Patient,
    TreatmentTrial,
)
from tests.patients.helpers import add_trd_history, clear_screen, demographics
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _actor(world, persona: str) -> Actor:
    return Actor(
        user=world.users[persona], membership=world.memberships[persona], client_address="10.1.2.3"
    )


def _only_event(**filters: object) -> AuditEvent:
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


def _assert_event(event: AuditEvent, actor: Actor, action: str, obj, patient: Patient) -> None:
    assert event.actor_id == actor.user.pk
    assert event.actor_role == actor.role.value
    assert event.organization_id == actor.organization_id
    assert event.clinic_id == actor.clinic.pk
    assert event.action == action
    assert event.patient_id == patient.pk
    assert event.object_type == obj._meta.label_lower
    assert event.object_id == str(obj.pk)
    assert event.client_address == "10.1.2.3"


def test_register_creates_patient_in_actor_organization_with_create_event(world):
    front_desk = _actor(world, "front_desk")
    patient = services.patient_register(
        actor=front_desk, data=demographics(family_name="  Okafor ", given_name="Ada")
    )
    patient.refresh_from_db()
    assert patient.organization_id == world.clinic.organization_id
    assert patient.home_clinic_id == world.clinic.pk
    assert (patient.family_name, patient.family_name_key, patient.given_name_key) == (
        "Okafor",
        "okafor",
        "ada",
    )
    event = _only_event(action=AuditAction.CREATE, object_type="patients.patient")
    _assert_event(event, front_desk, "create", patient, patient)
    assert event.changes["mrn"] == [None, "KC-1001"]
    assert event.changes["date_of_birth"] == [None, "1985-03-14"]
    assert event.changes["family_name"] == [None, "Okafor"]


def test_update_demographics_records_old_and_new_values_only_for_changed_fields(world, patient):
    nurse = _actor(world, "nurse")
    data = demographics(
        mrn=patient.mrn,
        family_name=patient.family_name,
        given_name=patient.given_name,
        date_of_birth=patient.date_of_birth,
        sex_at_birth=patient.sex_at_birth,
        phone="555-0199",
        email="",
    )
    services.patient_update_demographics(actor=nurse, patient=patient, data=data)
    patient.refresh_from_db()
    assert patient.phone == "555-0199"
    event = _only_event(action=AuditAction.UPDATE)
    _assert_event(event, nurse, "update", patient, patient)
    assert event.changes == {"phone": ["", "555-0199"]}


def test_update_demographics_without_change_writes_no_event(world, patient):
    nurse = _actor(world, "nurse")
    data = demographics(
        mrn=patient.mrn,
        family_name=patient.family_name,
        given_name=patient.given_name,
        date_of_birth=patient.date_of_birth,
        sex_at_birth=patient.sex_at_birth,
        phone="",
        email="",
    )
    services.patient_update_demographics(actor=nurse, patient=patient, data=data)
    assert not AuditEvent.objects.exists()


def test_episode_update_stores_onset_and_severity_with_update_event(world, patient):
    nurse = _actor(world, "nurse")
    services.episode_update(
        actor=nurse, patient=patient, onset_date=dt.date(2025, 2, 1), severity="moderate"
    )
    patient.refresh_from_db()
    assert (patient.episode_onset_date, patient.episode_severity) == (
        dt.date(2025, 2, 1),
        "moderate",
    )
    event = _only_event(action=AuditAction.UPDATE)
    _assert_event(event, nurse, "update", patient, patient)
    assert event.changes == {
        "episode_onset_date": [None, "2025-02-01"],
        "episode_severity": ["", "moderate"],
    }


def test_diagnosis_add_normalizes_code_and_audits(world, patient):
    physician = _actor(world, "physician")
    diagnosis = services.diagnosis_add(
        actor=physician, patient=patient, icd10_code=" f329 ", description="MDD", is_primary=True
    )
    assert Diagnosis.objects.get().icd10_code == "F32.9"
    event = _only_event(object_type="patients.diagnosis")
    _assert_event(event, physician, "create", diagnosis, patient)
    assert event.changes["icd10_code"] == [None, "F32.9"]
    assert event.changes["is_primary"] == [None, True]


def test_trial_add_records_trial_and_audits(world, patient):
    nurse = _actor(world, "nurse")
    trial = services.trial_add(
        actor=nurse,
        patient=patient,
        treatment_name="Sertraline",
        treatment_class="ssri",
        adequate=True,
        outcome="no_response",
        weeks=8,
        dose_text="150 mg/day",
    )
    stored = TreatmentTrial.objects.get()
    assert (stored.treatment_name, stored.weeks, stored.recorded_by_id) == (
        "Sertraline",
        8,
        nurse.user.pk,
    )
    event = _only_event(object_type="patients.treatmenttrial")
    _assert_event(event, nurse, "create", trial, patient)
    assert event.changes["outcome"] == [None, "no_response"]
    assert event.changes["weeks"] == [None, 8]


def test_screen_record_stores_every_answer_and_audits(world, patient):
    nurse = _actor(world, "nurse")
    answers = clear_screen(pregnancy=True)
    screen = services.screen_record(actor=nurse, patient=patient, answers=answers, notes=" ok ")
    stored = ContraindicationScreen.objects.get()
    assert stored.answers == answers
    assert stored.notes == "ok"
    event = _only_event(object_type="patients.contraindicationscreen")
    _assert_event(event, nurse, "create", screen, patient)
    assert event.changes == {"answers": [None, answers]}


def test_eligibility_decide_signs_with_reasons_and_audits(world, patient):
    nurse, physician = _actor(world, "nurse"), _actor(world, "physician")
    add_trd_history(nurse, patient)
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    decision = services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="depression",
        outcome="eligible",
        rationale=" Reviewed history and screen. ",
    )
    stored = EligibilityDecision.objects.get()
    assert (stored.computed_outcome, stored.outcome, stored.signed_by_id) == (
        "eligible",
        "eligible",
        physician.user.pk,
    )
    assert stored.physician_rationale == "Reviewed history and screen."
    assert [r["code"] for r in stored.reasons] == ["eligible", "qualifying_diagnosis"]
    assert (stored.code_list_version, stored.qualifying_code) == (1, "F33.2")
    event = _only_event(action=AuditAction.SIGN)
    _assert_event(event, physician, "sign", decision, patient)
    assert event.changes == {
        "outcome": [None, "eligible"],
        "computed_outcome": [None, "eligible"],
        "code_list_version": [None, 1],
        "qualifying_code": [None, "F33.2"],
    }


def test_physician_may_sign_differing_outcome_with_rationale(world, patient):
    nurse, physician = _actor(world, "nurse"), _actor(world, "physician")
    services.diagnosis_add(actor=nurse, patient=patient, icd10_code="F41.1", description="GAD")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen(pregnancy=True))
    decision = services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="anxiety",
        outcome="not_eligible",
        rationale="  Pregnancy confirmed by obstetrics. ",
    )
    assert (decision.computed_outcome, decision.outcome) == ("needs_review", "not_eligible")
    assert decision.physician_rationale == "Pregnancy confirmed by obstetrics."


@pytest.mark.parametrize(
    "write",
    [
        lambda a, p: services.patient_register(actor=a, data=demographics(mrn="NEW-1")),
        lambda a, p: services.episode_update(
            actor=a, patient=p, onset_date=dt.date(2025, 1, 1), severity="mild"
        ),
        lambda a, p: services.diagnosis_add(
            actor=a, patient=p, icd10_code="F32.9", description="x"
        ),
        lambda a, p: services.trial_add(
            actor=a,
            patient=p,
            treatment_name="Sertraline",
            treatment_class="ssri",
            adequate=True,
            outcome="no_response",
        ),
        lambda a, p: services.screen_record(actor=a, patient=p, answers=clear_screen()),
    ],
    ids=["register", "episode", "diagnosis", "trial", "screen"],
)
def test_failing_audit_insert_rolls_back_the_change(world, patient, write):
    physician = _actor(world, "physician")
    before = row_counts()
    onset_before = Patient.objects.get(pk=patient.pk).episode_onset_date
    with mock.patch.object(AuditEvent, "save", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError, match="audit down"):
            write(physician, patient)
    assert row_counts() == before
    assert Patient.objects.get(pk=patient.pk).episode_onset_date == onset_before


def test_failing_audit_insert_rolls_back_eligibility_and_supersession(world, patient):
    nurse, physician = _actor(world, "nurse"), _actor(world, "physician")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    first = services.eligibility_decide(
        actor=physician, patient=patient, indication="anxiety", outcome="not_eligible"
    )
    before = row_counts()
    original_save = AuditEvent.save

    def fail_on_supersede(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.action == AuditAction.SUPERSEDE:
            raise RuntimeError("audit down")
        return original_save(self, *args, **kwargs)

    with mock.patch.object(AuditEvent, "save", fail_on_supersede):
        with pytest.raises(RuntimeError):
            services.eligibility_decide(
                actor=physician, patient=patient, indication="anxiety", outcome="not_eligible"
            )
    assert row_counts() == before
    first.refresh_from_db()
    assert first.is_current


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    from kitclinic.audit.services import audit_record

    with pytest.raises(RuntimeError, match="transaction.atomic"):
        audit_record(actor=None, action="view", detail="no transaction")
    assert not AuditEvent.objects.exists()
