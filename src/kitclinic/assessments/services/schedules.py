"""Questionnaire schedules: a self-report link sent to the patient every N days."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.models import (
    MAX_CADENCE_DAYS,
    SELF_REPORT_INSTRUMENTS,
    AssessmentSchedule,
    LinkMode,
    ScheduleAnchor,
    SelfReportLink,
)
from kitclinic.assessments.services.assessments import check_same_organization
from kitclinic.assessments.services.links import IssuedLink, link_create
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.patients.models import Patient

SCHEDULE_FIELDS = ("instrument", "cadence_days", "next_due_on", "anchor", "active")


@transaction.atomic
def schedule_set(
    *,
    actor: Actor,
    patient: Patient,
    instrument: str,
    cadence_days: int,
    first_due_on: dt.date,
) -> AssessmentSchedule:
    """Start (or replace) the patient's calendar schedule for one instrument."""
    actor.require(Action.ASSESSMENT_SCHEDULE_EDIT)
    check_same_organization(actor, patient)
    errors: dict[str, list[str]] = {}
    if instrument not in SELF_REPORT_INSTRUMENTS:
        errors["instrument"] = [f"Choose one of {', '.join(SELF_REPORT_INSTRUMENTS)}."]
    if not isinstance(cadence_days, int) or not 1 <= cadence_days <= MAX_CADENCE_DAYS:
        errors["cadence_days"] = [f"Every 1 to {MAX_CADENCE_DAYS} days."]
    if first_due_on is None or first_due_on < timezone.localdate():
        errors["first_due_on"] = ["The first date cannot be in the past."]
    if errors:
        raise ValidationError(errors)
    for old in AssessmentSchedule.objects.select_for_update().filter(
        patient=patient, instrument=instrument, active=True
    ):
        old.active = False
        old.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=old,
            patient=patient,
            changes={"active": [True, False]},
            detail="replaced by a new schedule",
        )
    schedule = AssessmentSchedule.objects.create(
        patient=patient,
        clinic_id=actor.membership.clinic_id,
        instrument=instrument,
        cadence_days=cadence_days,
        next_due_on=first_due_on,
        anchor=ScheduleAnchor.CALENDAR,
        active=True,
        created_by=actor.user,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=schedule,
        patient=patient,
        changes=changes_between({}, snapshot(schedule, SCHEDULE_FIELDS)),
    )
    return schedule


def schedules_send_due(*, today: dt.date | None = None) -> list[IssuedLink]:
    """Issue a link for every active calendar schedule due on or before ``today`` and move its
    next date past today. Running it again the same day issues nothing (the date has moved, and a
    link per schedule and due date is unique in the database)."""
    today = today or timezone.localdate()
    issued: list[IssuedLink] = []
    due_ids = list(
        AssessmentSchedule.objects.filter(
            active=True, anchor=ScheduleAnchor.CALENDAR, next_due_on__lte=today
        ).values_list("pk", flat=True)
    )
    for schedule_id in due_ids:
        with transaction.atomic():
            schedule = (
                AssessmentSchedule.objects.select_for_update()
                .select_related("patient")
                .get(pk=schedule_id)
            )
            if not schedule.active or schedule.next_due_on > today:
                continue  # another run got there first
            due_on = schedule.next_due_on
            if not SelfReportLink.objects.filter(schedule=schedule, due_on=due_on).exists():
                issued.append(
                    link_create(
                        patient=schedule.patient,
                        clinic_id=schedule.clinic_id,
                        instrument=schedule.instrument,
                        mode=LinkMode.SELF_REPORT,
                        actor=None,
                        schedule=schedule,
                        due_on=due_on,
                    )
                )
            before = schedule.next_due_on
            while schedule.next_due_on <= today:
                schedule.next_due_on += dt.timedelta(days=schedule.cadence_days)
            schedule.save(update_fields=["next_due_on"])
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=schedule,
                patient=schedule.patient,
                changes={"next_due_on": [before, schedule.next_due_on]},
                detail="questionnaire sent on schedule",
                organization_id=schedule.patient.organization_id,
            )
    return issued
