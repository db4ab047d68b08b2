"""Assessments recorded and scored. Scores come only from ``kitclinic.instruments.score``; a
flagged answer (``suicidal_ideation``) raises a safety alert in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.models import (
    ALERT_FLAGS,
    RECORDABLE_INSTRUMENTS,
    Assessment,
    Mode,
    SelfReportLink,
)
from kitclinic.assessments.services.alerts import alert_raise
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.instruments import InstrumentError, score
from kitclinic.patients.models import Patient

ASSESSMENT_FIELDS = (
    "instrument",
    "answers",
    "administered_at",
    "administered_by",
    "mode",
    "self_report_link",
    "total",
    "severity",
    "flags",
    "scoring_settings",
)


def check_same_organization(actor: Actor, patient: Patient) -> None:
    # Callers fetch the patient through access_patient; this guards a service called directly.
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": ["No such patient in your organization."]})


def assessment_create(
    *,
    patient: Patient,
    clinic_id: int,
    instrument: str,
    answers: Sequence[int | None],
    administered_at: dt.datetime,
    administered_by_id: int | None,
    mode: str,
    link: SelfReportLink | None,
    actor: Actor | None,
    detail: str = "",
    client_address: str | None = None,
) -> Assessment:
    """Score, store, audit and raise alerts. Must run inside ``transaction.atomic``."""
    errors: dict[str, list[str]] = {}
    if instrument not in RECORDABLE_INSTRUMENTS:
        errors["instrument"] = [
            f"{instrument!r} is not offered; choose one of {', '.join(RECORDABLE_INSTRUMENTS)}."
        ]
    if mode not in Mode.values:
        errors["mode"] = [f"{mode!r} is not a mode; choose one of {', '.join(Mode.values)}."]
    if administered_at is None or timezone.is_naive(administered_at):
        errors["administered_at"] = ["A date and time with a time zone is required."]
    elif administered_at > timezone.now() + dt.timedelta(minutes=1):
        errors["administered_at"] = ["The assessment cannot be in the future."]
    if not isinstance(answers, list | tuple):
        errors["answers"] = ["A list of item answers is required (item 1 first)."]
    if errors:
        raise ValidationError(errors)
    try:
        result = score(instrument, list(answers))
    except InstrumentError as exc:
        raise ValidationError({"answers": [str(exc)]}) from exc
    except TypeError as exc:
        raise ValidationError({"answers": [str(exc)]}) from exc
    now = timezone.now()
    assessment = Assessment(
        patient=patient,
        clinic_id=clinic_id,
        instrument=instrument,
        answers=list(result.answers),
        administered_at=administered_at,
        administered_by_id=administered_by_id,
        mode=mode,
        self_report_link=link,
        total=Decimal(str(result.total)),
        severity=result.severity or "",
        severity_label=result.severity_label or "",
        flags=list(result.flags),
        scoring_settings=result.settings_dict(),
        recorded_at=now,
    )
    assessment.full_clean(validate_unique=False, validate_constraints=False)
    assessment.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        patient=patient,
        changes=changes_between({}, snapshot(assessment, ASSESSMENT_FIELDS)),
        detail=detail,
        organization_id=patient.organization_id,
        client_address=client_address,
    )
    for flag in result.flags:
        if flag in ALERT_FLAGS:
            alert_raise(assessment=assessment, flag=flag, actor=actor, now=now)
    return assessment


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    patient: Patient,
    instrument: str,
    answers: Sequence[int | None],
    administered_at: dt.datetime,
    mode: str = Mode.IN_CLINIC,
) -> Assessment:
    """Record an assessment given by staff (administered by the acting user)."""
    actor.require(Action.ASSESSMENT_RECORD)
    check_same_organization(actor, patient)
    return assessment_create(
        patient=patient,
        clinic_id=actor.membership.clinic_id,
        instrument=instrument,
        answers=answers,
        administered_at=administered_at,
        administered_by_id=actor.user.pk,
        mode=mode,
        link=None,
        actor=actor,
    )
