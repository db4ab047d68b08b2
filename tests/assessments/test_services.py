"""Assessment services on the database: scores stored from the instrument library, flagged answers
raise an alert (and queue its escalation) in the same transaction, refused input writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kitclinic.assessments.models import AlertStatus, Assessment, Mode, SafetyAlert
from kitclinic.assessments.services import alerts, assessments
from kitclinic.assessments.services.alerts import alert_acknowledge
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.assessments.services.links import link_issue
from kitclinic.assessments.services.schedules import schedule_set
from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.instruments import score
from tests.assessments.helpers import PHQ9_CALM, PHQ9_ITEM9
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _record(world, patient, persona="nurse", **overrides):
    values = {
        "instrument": "phq9",
        "answers": PHQ9_CALM,
        "administered_at": timezone.now() - dt.timedelta(hours=2),
    }
    values.update(overrides)
    return assessment_record(actor=world.actor(persona), patient=patient, **values)


def test_scores_are_stored_as_the_instrument_library_computes_them(world, patient):
    assessment = _record(world, patient, answers=PHQ9_ITEM9)
    expected = score("phq9", PHQ9_ITEM9)
    assessment.refresh_from_db()
    assert assessment.total == Decimal(expected.total) == Decimal(14)
    assert assessment.severity == expected.severity == "moderate"
    assert assessment.flags == ["suicidal_ideation"]
    assert assessment.answers == PHQ9_ITEM9
    assert assessment.administered_by == world.users["nurse"]
    assert assessment.mode == Mode.IN_CLINIC


def test_peg_keeps_two_decimals_and_madrs_records_the_settings_used(world, patient):
    peg = _record(world, patient, instrument="peg", answers=[3, 5, 6])
    peg.refresh_from_db()
    assert peg.total == Decimal("4.67") and peg.total_value == 4.67
    madrs = _record(world, patient, instrument="madrs", answers=[3, 3, 2, 2, 1, 2, 2, 2, 2, 0])
    madrs.refresh_from_db()
    assert madrs.scoring_settings == {"band_scheme": "common", "item10_alert_level": 1}
    assert madrs.flags == []


def test_a_flagged_answer_raises_an_alert_audits_it_and_queues_its_escalation(world, patient):
    before = timezone.now()
    assessment = _record(world, patient, answers=PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()
    assert alert.assessment == assessment and alert.status == AlertStatus.OPEN
    assert alert.clinic == world.clinic and alert.flag == "suicidal_ideation"
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, patient=patient)
    assert {e.object_type for e in events} == {"assessments.assessment", "assessments.safetyalert"}
    task = DBTaskResult.objects.get(task_path="kitclinic.assessments.tasks.alert_escalate")
    assert task.args_kwargs == {"args": [alert.pk], "kwargs": {}}
    assert task.run_after >= before + dt.timedelta(minutes=60)


def test_no_alert_without_a_flag(world, patient):
    _record(world, patient, answers=PHQ9_CALM)
    assert SafetyAlert.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_failing_audit_write_rolls_back_the_assessment_and_its_alert(world, patient, monkeypatch):
    calls = []

    def audit_then_fail(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:  # the alert's audit event, after the assessment was saved
            raise RuntimeError("audit store unavailable")
        return original(**kwargs)

    original = assessments.audit_record
    # the assessment is audited by the assessments services, its alert by the alert services
    monkeypatch.setattr(assessments, "audit_record", audit_then_fail)
    monkeypatch.setattr(alerts, "audit_record", audit_then_fail)
    before = row_counts()
    with pytest.raises(RuntimeError):
        _record(world, patient, answers=PHQ9_ITEM9)
    assert len(calls) == 2
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"answers": [0] * 8}, "answers", "phq9: expected 9 answers, got 8"),
        ({"answers": [0] * 10}, "answers", "phq9: expected 9 answers, got 10"),
        (
            {"answers": [0, 0, 0, 0, 0, 0, 0, 0, 4]},
            "answers",
            "item 9 (better off dead / hurting yourself): 4 is not an allowed answer; "
            "allowed values: 0-3",
        ),
        ({"answers": [0, 0, None, 0, 0, 0, 0, 0, 0]}, "answers", "item 3 (sleep): None is missing"),
        ({"answers": "000000000"}, "answers", "A list of item answers is required"),
        ({"instrument": "aldrete", "answers": [2, 2, 2, 2, 2]}, "instrument", "is not offered"),
        ({"instrument": "hamd"}, "instrument", "is not offered"),
        ({"mode": "telepathy"}, "mode", "is not a mode"),
        (
            {"administered_at": timezone.now() + dt.timedelta(hours=1)},
            "administered_at",
            "cannot be in the future",
        ),
    ],
    ids=[
        "too-few",
        "too-many",
        "out-of-range",
        "missing",
        "string",
        "aldrete",
        "unknown",
        "mode",
        "future",
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, patient, overrides, field, message):
    before = row_counts()
    with pytest.raises(ValidationError) as info:
        _record(world, patient, **overrides)
    assert field in info.value.message_dict
    assert any(message in m for m in info.value.message_dict[field]), info.value.message_dict
    assert row_counts() == before


@pytest.mark.parametrize("persona", ["front_desk", "clinic_admin", "auditor"])
def test_roles_without_the_action_cannot_record(world, patient, persona):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        _record(world, patient, persona=persona)
    assert row_counts() == before


def test_a_patient_of_another_organization_is_refused(world, other_org_patient):
    before = row_counts()
    with pytest.raises(ValidationError):
        _record(world, other_org_patient)
    assert row_counts() == before


def test_acknowledgement_needs_a_note_and_is_audited_once(world, patient):
    _record(world, patient, answers=PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()
    before = row_counts()
    with pytest.raises(ValidationError) as info:
        alert_acknowledge(actor=world.actor("physician"), alert=alert, note="   ")
    assert "note" in info.value.message_dict
    assert row_counts() == before
    with pytest.raises(PermissionDenied):
        alert_acknowledge(actor=world.actor("front_desk"), alert=alert, note="Called.")
    alert_acknowledge(
        actor=world.actor("physician"), alert=alert, note="C-SSRS screener done; safety plan."
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == world.users["physician"]
    event = AuditEvent.objects.filter(object_type="assessments.safetyalert").first()
    assert event.action == AuditAction.UPDATE and event.actor == world.users["physician"]
    assert event.changes["status"] == ["open", "acknowledged"]
    with pytest.raises(ValidationError):
        alert_acknowledge(actor=world.actor("nurse"), alert=alert, note="Again.")


def test_the_assessment_list_is_ordered_by_administration_time(world, patient):
    later = _record(world, patient, administered_at=timezone.now() - dt.timedelta(days=1))
    earlier = _record(world, patient, administered_at=timezone.now() - dt.timedelta(days=9))
    assert list(Assessment.objects.filter(patient=patient)) == [earlier, later]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"instrument": "madrs"}, "instrument"),
        ({"cadence_days": 0}, "cadence_days"),
        ({"cadence_days": 366}, "cadence_days"),
        ({"first_due_on": dt.date(2000, 1, 1)}, "first_due_on"),
    ],
    ids=["clinician-rated", "cadence-zero", "cadence-too-long", "past-date"],
)
def test_a_bad_schedule_names_the_field_and_writes_nothing(world, patient, overrides, field):
    values = {"instrument": "phq9", "cadence_days": 14, "first_due_on": timezone.localdate()}
    values.update(overrides)
    before = row_counts()
    with pytest.raises(ValidationError) as info:
        schedule_set(actor=world.actor("nurse"), patient=patient, **values)
    assert field in info.value.message_dict
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"instrument": "madrs"}, "instrument"), ({"mode": "carrier-pigeon"}, "mode")],
    ids=["clinician-rated", "mode"],
)
def test_a_bad_link_request_names_the_field_and_writes_nothing(world, patient, overrides, field):
    values = {"instrument": "phq9"} | overrides
    before = row_counts()
    with pytest.raises(ValidationError) as info:
        link_issue(actor=world.actor("nurse"), patient=patient, **values)
    assert field in info.value.message_dict
    assert row_counts() == before
