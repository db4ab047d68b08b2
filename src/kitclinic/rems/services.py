"""Writes of the esketamine REMS records, one function per business action, and the hard stop.

Every write runs in one transaction with its audit event; bad input raises ValidationError naming
the field and writes nothing. ``rems_gate`` is the one door every esketamine booking and session
start passes (``kitclinic.infusions.services``): the facts come from here, the rule from
``kitclinic.rems.rules``; it writes nothing and has no override.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Action, Role
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.lib.bounds import date_in_window, has_control_characters
from kitclinic.lib.field_errors import Errors
from kitclinic.patients.models import Patient
from kitclinic.rems.models import (
    Certification,
    MonitoringForm,
    PatientEnrolment,
    PrescriberEnrolment,
)
from kitclinic.rems.rules import Period, form_due_on, gate_reasons

CERTIFICATION_FIELDS = ("clinic", "certification_number", "certified_on", "expires_on")
PRESCRIBER_FIELDS = ("clinic", "prescriber", "rems_prescriber_id", "enrolled_on", "ended_on")
PATIENT_FIELDS = ("clinic", "patient", "enrolment_id", "enrolled_on", "ended_on")
FORM_FIELDS = ("session", "session_date", "due_on", "submitted_on", "confirmation_number")


def clinic_today(clinic: Clinic) -> dt.date:
    return timezone.now().astimezone(clinic.zone).date()


def _identifier(errors: Errors, field: str, value: str, what: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, f"Enter the {what}.")
    elif len(text) > max_length:
        errors.add(field, f"At most {max_length} characters.")
    elif has_control_characters(text):
        errors.add(field, "Use plain text.")
    return text


def _past_date(errors: Errors, field: str, value: dt.date | None, today: dt.date) -> dt.date:
    """``value`` when it is a real date not after ``today``; else an error on ``field``."""
    if value is None:
        errors.add(field, "Enter the date.")
    elif not date_in_window(value):
        errors.add(field, "Give a real date.")
    elif value > today:
        errors.add(field, f"Cannot be after today ({today.isoformat()}).")
    return value or today


def _reason(errors: Errors, value: str) -> str:
    text = (value or "").strip()
    if len(text) > 300:
        errors.add("end_reason", "At most 300 characters.")
    elif has_control_characters(text):
        errors.add("end_reason", "Use plain text.")
    return text


def _created(actor: Actor, obj: Any, fields: tuple[str, ...], **kwargs: Any) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=obj,
        changes=changes_between({}, snapshot(obj, fields)),
        clinic_id=obj.clinic_id,
        **kwargs,
    )


@transaction.atomic
def certification_record(
    *,
    actor: Actor,
    certification_number: str,
    certified_on: dt.date | None,
    expires_on: dt.date | None = None,
    is_synthetic: bool = False,
) -> Certification:
    """The acting clinic's REMS certification as a healthcare setting (a renewal is recorded the
    same way: the latest is current, the earlier ones stay)."""
    actor.require(Action.REMS_CERTIFY)
    errors = Errors()
    number = _identifier(
        errors, "certification_number", certification_number, "REMS certification number", 40
    )
    certified = _past_date(errors, "certified_on", certified_on, clinic_today(actor.clinic))
    if expires_on is not None:
        if not date_in_window(expires_on):
            errors.add("expires_on", "Give a real date.")
        elif certified_on is not None and expires_on < certified_on:
            errors.add("expires_on", "Cannot be before the date of certification.")
    errors.raise_if_any()
    certification = Certification(
        clinic=actor.clinic,
        certification_number=number,
        certified_on=certified,
        expires_on=expires_on,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
        is_synthetic=is_synthetic,
    )
    certification.full_clean()
    certification.save()
    _created(actor, certification, CERTIFICATION_FIELDS)
    return certification


@transaction.atomic
def prescriber_enrol(
    *,
    actor: Actor,
    prescriber: User | None,
    rems_prescriber_id: str,
    enrolled_on: dt.date | None,
    is_synthetic: bool = False,
) -> PrescriberEnrolment:
    """A physician of the acting clinic enrolled as an esketamine prescriber."""
    actor.require(Action.REMS_ENROL)
    errors = Errors()
    prescriber_id = _identifier(
        errors, "rems_prescriber_id", rems_prescriber_id, "REMS prescriber id", 40
    )
    enrolled = _past_date(errors, "enrolled_on", enrolled_on, clinic_today(actor.clinic))
    is_physician = (
        prescriber is not None
        and StaffMembership.objects.filter(
            user=prescriber,
            user__is_active=True,
            clinic=actor.clinic,
            is_active=True,
            role=Role.PHYSICIAN.value,
        ).exists()
    )
    if not is_physician:
        errors.add("prescriber", f"Choose a physician with an active role at {actor.clinic.name}.")
    elif PrescriberEnrolment.objects.filter(
        clinic=actor.clinic, prescriber=prescriber, ended_on__isnull=True
    ).exists():
        errors.add(
            "prescriber", f"{prescriber} is already enrolled here; end that enrolment first."
        )
    errors.raise_if_any()
    enrolment = PrescriberEnrolment(
        clinic=actor.clinic,
        prescriber=prescriber,
        rems_prescriber_id=prescriber_id,
        enrolled_on=enrolled,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
        is_synthetic=is_synthetic,
    )
    enrolment.full_clean()
    enrolment.save()
    _created(actor, enrolment, PRESCRIBER_FIELDS)
    return enrolment


@transaction.atomic
def patient_enrol(
    *,
    actor: Actor,
    patient: Patient,
    enrolment_id: str,
    enrolled_on: dt.date | None,
    is_synthetic: bool = False,
) -> PatientEnrolment:
    """A patient of the organization enrolled in the REMS by the acting clinic."""
    actor.require(Action.REMS_ENROL)
    errors = Errors()
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": ["No such patient in your organization."]})
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    number = _identifier(errors, "enrolment_id", enrolment_id, "REMS enrolment id", 40)
    enrolled = _past_date(errors, "enrolled_on", enrolled_on, clinic_today(actor.clinic))
    if PatientEnrolment.objects.filter(
        clinic=actor.clinic, patient=patient, ended_on__isnull=True
    ).exists():
        errors.add("patient", "The patient is already enrolled here; end that enrolment first.")
    errors.raise_if_any()
    enrolment = PatientEnrolment(
        clinic=actor.clinic,
        patient=patient,
        enrolment_id=number,
        enrolled_on=enrolled,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
        is_synthetic=is_synthetic,
    )
    enrolment.full_clean()
    enrolment.save()
    _created(actor, enrolment, PATIENT_FIELDS, patient=patient)
    return enrolment


@transaction.atomic
def enrolment_end(
    *,
    actor: Actor,
    enrolment: PrescriberEnrolment | PatientEnrolment,
    ended_on: dt.date | None,
    end_reason: str = "",
) -> PrescriberEnrolment | PatientEnrolment:
    """End a prescriber's or a patient's enrolment: from ``ended_on`` on, the gate refuses them."""
    actor = actor.require_at(enrolment.clinic_id, Action.REMS_ENROL)
    model = type(enrolment)
    enrolment = model.objects.select_for_update().get(pk=enrolment.pk)
    errors = Errors()
    reason = _reason(errors, end_reason)
    if enrolment.ended_on is not None:
        errors.add("ended_on", f"This enrolment already ended on {enrolment.ended_on}.")
    elif ended_on is None:
        errors.add("ended_on", "Enter the date.")
    elif not date_in_window(ended_on):
        errors.add("ended_on", "Give a real date.")
    elif ended_on < enrolment.enrolled_on:
        errors.add("ended_on", f"Cannot be before the enrolment ({enrolment.enrolled_on}).")
    errors.raise_if_any()
    enrolment.ended_on = ended_on
    enrolment.end_reason = reason
    enrolment.full_clean()
    enrolment.save(update_fields=["ended_on", "end_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=enrolment,
        patient=getattr(enrolment, "patient", None),
        changes={"ended_on": [None, ended_on], "end_reason": [None, reason]},
        clinic_id=enrolment.clinic_id,
    )
    return enrolment


def _certification_period(clinic_id: int) -> Period | None:
    latest = Certification.objects.filter(clinic_id=clinic_id).order_by("-recorded_at", "-id")
    row = latest.first()
    return None if row is None else Period(start=row.certified_on, end=row.expires_on)


def _enrolment_period(
    enrolments: list[PrescriberEnrolment] | list[PatientEnrolment], on_date: dt.date
) -> Period | None:
    """The enrolment that covers ``on_date``, else the latest (the rule says why it does not)."""
    periods = [
        Period(start=e.enrolled_on, end=e.ended_on, end_is_last_day=False) for e in enrolments
    ]
    covering = [p for p in periods if p.covers(on_date)]
    chosen = covering or periods
    return chosen[0] if chosen else None


def rems_gate_reasons(
    *, clinic_id: int, prescriber_id: int | None, patient_id: int, on_date: dt.date
) -> list[str]:
    """Why esketamine may not be given at ``clinic_id`` on ``on_date`` by ``prescriber_id`` to
    ``patient_id`` (empty: it may). Reads only; a fixed number of queries."""
    prescriber = User.objects.filter(pk=prescriber_id).first() if prescriber_id else None
    patient = Patient.objects.filter(pk=patient_id).first()
    return gate_reasons(
        on_date,
        certification=_certification_period(clinic_id),
        prescriber=_enrolment_period(
            list(
                PrescriberEnrolment.objects.filter(clinic_id=clinic_id, prescriber_id=prescriber_id)
            ),
            on_date,
        ),
        patient=_enrolment_period(
            list(PatientEnrolment.objects.filter(clinic_id=clinic_id, patient_id=patient_id)),
            on_date,
        ),
        prescriber_name=f"The prescriber ({prescriber})" if prescriber else "The prescriber",
        patient_name=f"The patient {patient.given_name} {patient.family_name} ({patient.mrn})"
        if patient
        else "The patient",
    )


def rems_gate(
    *, clinic_id: int, prescriber_id: int | None, patient_id: int, on_date: dt.date
) -> None:
    """The hard stop: ValidationError on ``rems`` with every reason, or nothing. No override."""
    reasons = rems_gate_reasons(
        clinic_id=clinic_id, prescriber_id=prescriber_id, patient_id=patient_id, on_date=on_date
    )
    if reasons:
        raise ValidationError({"rems": reasons})


@transaction.atomic
def monitoring_form_create(
    *,
    actor: Actor,
    session: Any,
    clinic_id: int,
    patient_id: int,
    session_date: dt.date,
    snapshot_values: dict[str, Any],
    is_synthetic: bool = False,
) -> MonitoringForm:
    """The Patient Monitoring Form of an esketamine session, from the session's signed record
    (built by ``kitclinic.infusions.services.rems_form``). Once per session: a second call
    returns the form already made."""
    existing = MonitoringForm.objects.filter(session_id=session.pk).first()
    if existing is not None:
        return existing
    form = MonitoringForm(
        clinic_id=clinic_id,
        patient_id=patient_id,
        session_id=session.pk,
        session_date=session_date,
        due_on=form_due_on(session_date),
        snapshot=snapshot_values,
        created_at=timezone.now(),
        created_by=actor.user,
        is_synthetic=is_synthetic,
    )
    form.full_clean()
    form.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=form,
        patient=Patient(pk=patient_id),
        changes=changes_between({}, snapshot(form, FORM_FIELDS)),
        detail="Patient Monitoring Form made from the signed session",
        clinic_id=clinic_id,
    )
    return form


@transaction.atomic
def monitoring_form_mark_submitted(
    *,
    actor: Actor,
    form: MonitoringForm,
    submitted_on: dt.date | None,
    confirmation_number: str,
) -> MonitoringForm:
    """Record that the form was submitted to the REMS on ``submitted_on``, with the REMS's
    confirmation number. Once: a submitted form is not submitted again."""
    actor = actor.require_at(form.clinic_id, Action.REMS_FORM_SUBMIT)
    form = MonitoringForm.objects.select_for_update().get(pk=form.pk)
    errors = Errors()
    number = _identifier(
        errors, "confirmation_number", confirmation_number, "REMS confirmation number", 60
    )
    if form.submitted_on is not None:
        errors.add(
            "submitted_on",
            f"This form was already marked submitted on {form.submitted_on} "
            f"(confirmation {form.confirmation_number}).",
        )
    else:
        _past_date(errors, "submitted_on", submitted_on, clinic_today(actor.clinic))
        if submitted_on is not None and submitted_on < form.session_date:
            errors.add(
                "submitted_on", f"Cannot be before the session ({form.session_date.isoformat()})."
            )
    errors.raise_if_any()
    form.submitted_on = submitted_on
    form.confirmation_number = number
    form.submitted_by = actor.user
    form.submitted_at = timezone.now()
    form.full_clean()
    form.save(update_fields=["submitted_on", "confirmation_number", "submitted_by", "submitted_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=form,
        patient=Patient(pk=form.patient_id),
        changes={"submitted_on": [None, submitted_on], "confirmation_number": ["", number]},
        detail="Patient Monitoring Form marked submitted to the REMS",
        clinic_id=form.clinic_id,
    )
    return form
