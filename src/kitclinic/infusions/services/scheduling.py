"""Booking chair time: infusion minutes + recovery minutes, no double booking of a chair or a
patient. The overlap check runs with the chair and patient rows locked (select_for_update), so
two bookings of one slot at the same moment are serialised and exactly one succeeds."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import Appointment, Chair, InfusionSession, TreatmentCourse
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.services._common import field_error, lock_session
from kitclinic.infusions.states import ACTIVE_COURSE_STATUSES, SessionState, Step, next_state
from kitclinic.patients.models import Patient


def recovery_minutes_default() -> int:
    """Clinic setting KITCLINIC_RECOVERY_MINUTES (default 60: the upper end of the typical 30–60
    min post-infusion observation, clinical-workflow.md §8 [C])."""
    return int(getattr(settings, "KITCLINIC_RECOVERY_MINUTES", 60))


def booking_horizon_days() -> int:
    """Clinic setting KITCLINIC_BOOKING_HORIZON_DAYS (default 365): how far ahead a chair can be
    booked. It also keeps every stored time far inside the database's date range (a booking in
    year 9999 became a time past year 10000 in UTC, which no later read could handle)."""
    return int(settings.KITCLINIC_BOOKING_HORIZON_DAYS)


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    course: TreatmentCourse,
    chair: Chair,
    starts_at: dt.datetime,
    infusion_minutes: int | None = None,
    recovery_minutes: int | None = None,
) -> Appointment:
    """Hold ``chair`` from ``starts_at`` for the infusion (default: the protocol's default
    duration) plus recovery, and create the session (state scheduled)."""
    actor.require(Action.APPOINTMENT_BOOK)
    if timezone.is_naive(starts_at):
        raise field_error("starts_at", "The start time needs a time zone.")
    horizon = booking_horizon_days()
    latest = timezone.now() + dt.timedelta(days=horizon)
    if starts_at > latest:
        raise field_error(
            "starts_at",
            f"Book at most {horizon} days ahead: on or before "
            f"{timezone.localtime(latest):%Y-%m-%d}.",
        )
    # Lock order: chair, then patient (every booking takes them in this order).
    chair = Chair.objects.select_for_update().select_related("clinic").get(pk=chair.pk)
    patient = Patient.objects.select_for_update().get(pk=course.patient_id)
    course = TreatmentCourse.objects.select_related("library_version").get(pk=course.pk)
    if chair.clinic.organization_id != actor.organization_id or not chair.is_active:
        raise field_error("chair", "Choose an active chair of this organization.")
    if course.status not in ACTIVE_COURSE_STATUSES:
        raise field_error("course", f"The course is {course.status}; no more sessions.")
    if infusion_minutes is None:
        protocol = course.library_version.library().protocol(course.protocol_id)
        infusion_minutes = math.ceil(protocol.default_duration_min.value)
    if recovery_minutes is None:
        recovery_minutes = recovery_minutes_default()
    if not 1 <= infusion_minutes <= 24 * 60:
        raise field_error("infusion_minutes", "Give the infusion time in minutes (1–1440).")
    if not 0 <= recovery_minutes <= 24 * 60:
        raise field_error("recovery_minutes", "Give the recovery time in minutes (0–1440).")
    ends_at = starts_at + dt.timedelta(minutes=infusion_minutes + recovery_minutes)
    booked = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    clash = booked.filter(chair=chair).first()
    if clash is not None:
        raise field_error(
            "starts_at",
            f"{chair.name} is already booked {_local(clash.starts_at)}–{_local(clash.ends_at)} "
            f"on {timezone.localtime(clash.starts_at):%Y-%m-%d}; choose another time or chair.",
        )
    own = booked.filter(patient=patient).first()
    if own is not None:
        raise field_error(
            "starts_at",
            f"The patient already has an appointment {_local(own.starts_at)}–"
            f"{_local(own.ends_at)} on {timezone.localtime(own.starts_at):%Y-%m-%d}.",
        )
    now = timezone.now()
    appointment = Appointment.objects.create(
        course=course,
        patient=patient,
        clinic=chair.clinic,
        chair=chair,
        starts_at=starts_at,
        ends_at=ends_at,
        infusion_minutes=infusion_minutes,
        recovery_minutes=recovery_minutes,
        booked_by=actor.user,
        booked_at=now,
    )
    number = (
        InfusionSession.objects.filter(course=course).exclude(state=SessionState.CANCELLED).count()
        + 1
    )
    session = InfusionSession.objects.create(
        appointment=appointment,
        course=course,
        patient=patient,
        clinic=chair.clinic,
        number=number,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=appointment,
        patient=patient,
        changes={
            "chair": [None, chair.pk],
            "starts_at": [None, starts_at],
            "ends_at": [None, ends_at],
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=session,
        patient=patient,
        changes={"state": [None, session.state], "number": [None, number]},
    )
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    """Free the chair; the session (still scheduled) becomes cancelled."""
    actor.require(Action.APPOINTMENT_BOOK)
    if not reason.strip():
        raise field_error("reason", "Give the reason for cancelling.")
    session = lock_session(appointment.session)
    to = next_state(Step.CANCEL, session.state)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError("The appointment is already cancelled.")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason.strip()[:300]
    appointment.save(update_fields=["status", "cancel_reason"])
    before = session.state
    session.state = to
    session.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=appointment,
        patient=session.patient,
        changes={"status": ["booked", "cancelled"], "session_state": [before, to.value]},
        detail=reason.strip(),
    )
    return appointment
