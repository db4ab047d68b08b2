"""Booking chair time: infusion minutes + recovery minutes, no double booking of a chair or a
patient. The overlap check runs with the chair and patient rows locked (select_for_update), so
two bookings of one slot at the same moment are serialised and exactly one succeeds.

A clinic that has set its opening hours is booked only within them: the chair time (infusion and
recovery) starts at or after opening and ends by closing on its weekday, in the clinic's time
zone, and a weekday without hours is closed. The page, the API, the demo seed and a rebooking
after a cancel all come through :func:`appointment_book`, so the rule holds at every door.

The ways out of a booking live here too: a cancel (scheduled or checked in) and a no-show
(scheduled). Both free the chair and the patient's time.

Session numbers: a course's sessions that take place (not cancelled, not a no-show) are numbered
1..n by their start time. Every booking, cancel and no-show renumbers the course in the same
transaction (with the patient row locked, so that two changes of one course queue up), and a
conditional unique constraint keeps one session per number. A back-entry booked before later
sessions therefore takes its place in the order and the later ones move up one; a cancel moves
them back. The number is the session's place in its course, not part of what a physician signs:
a signed session's number follows too, and every change is audited."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import (
    Appointment,
    Chair,
    InfusionSession,
    OpeningHours,
    TreatmentCourse,
)
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.services._common import field_error, lock_session, move
from kitclinic.infusions.services.rems_form import esketamine_gate
from kitclinic.infusions.states import (
    ACTIVE_COURSE_STATUSES,
    NOT_HELD_STATES,
    SessionState,
    Step,
    next_state,
)
from kitclinic.patients.models import Patient

# A start up to this long ago is a booking for now (the patient who has just sat down), not a
# session recorded afterwards. A workflow tolerance, not a clinical figure.
BOOKING_GRACE = dt.timedelta(minutes=15)


def recovery_minutes_default() -> int:
    """Clinic setting KITCLINIC_RECOVERY_MINUTES (default 60: the upper end of the typical 30–60
    min post-infusion observation, [thrive-observation] [C])."""
    return int(getattr(settings, "KITCLINIC_RECOVERY_MINUTES", 60))


def booking_horizon_days() -> int:
    """Clinic setting KITCLINIC_BOOKING_HORIZON_DAYS (default 365): how far ahead a chair can be
    booked. It also keeps every stored time far inside the database's date range (a booking in
    year 9999 became a time past year 10000 in UTC, which no later read could handle)."""
    return int(settings.KITCLINIC_BOOKING_HORIZON_DAYS)


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


def cancel_action(state: SessionState | str) -> Action:
    """Who may cancel a session in ``state``: the booking staff while it is scheduled; once the
    patient is checked in (vitals taken, in the clinic), the clinical staff who check in."""
    if SessionState(state) == SessionState.CHECKED_IN:
        return Action.SESSION_CHECK_IN
    return Action.APPOINTMENT_BOOK


def _held(course_id: int) -> models.QuerySet[InfusionSession]:
    return InfusionSession.objects.filter(course_id=course_id).exclude(
        state__in=[s.value for s in NOT_HELD_STATES]
    )


def _renumber(actor: Actor, course_id: int, patient: Patient, *, quiet: int | None = None) -> None:
    """Number the course's held sessions 1..n by start time; audit each change (except for
    session ``quiet``, whose creation event carries its number)."""
    rows = list(
        _held(course_id).order_by("appointment__starts_at", "id").values_list("id", "number")
    )
    moves = [(pk, old, new) for new, (pk, old) in enumerate(rows, start=1) if old != new]
    if not moves:
        return
    # Two steps, so that no two held sessions share a number at any moment (the unique
    # constraint is checked row by row): first above every number in use, then into place.
    top = max(max(old for _, old in rows), len(rows))
    InfusionSession.objects.bulk_update(
        [InfusionSession(pk=pk, number=top + i) for i, (pk, _, _) in enumerate(moves, start=1)],
        ["number"],
    )
    # bulk_update writes the column only: a signed session's place in its course follows too
    InfusionSession.objects.bulk_update(
        [InfusionSession(pk=pk, number=new) for pk, _, new in moves], ["number"]
    )
    for pk, old, new in moves:
        if pk != quiet:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=InfusionSession(pk=pk),
                patient=patient,
                changes={"number": [old, new]},
                detail="Renumbered by start time within the course.",
            )


def _check_start(starts_at: dt.datetime, back_entry_reason: str) -> str:
    """The start is at most the horizon ahead; a start in the past is a back-entry (a session
    recorded afterwards), which needs its reason and reaches back at most the horizon too.
    Returns the back-entry reason to store ("" for an ordinary booking)."""
    if timezone.is_naive(starts_at):
        raise field_error("starts_at", "The start time needs a time zone.")
    horizon = booking_horizon_days()
    now = timezone.now()
    latest, earliest = now + dt.timedelta(days=horizon), now - dt.timedelta(days=horizon)
    if starts_at > latest:
        raise field_error(
            "starts_at",
            f"Book at most {horizon} days ahead: on or before "
            f"{timezone.localtime(latest):%Y-%m-%d}.",
        )
    reason = back_entry_reason.strip()
    if starts_at >= now - BOOKING_GRACE:
        if reason:
            raise field_error(
                "back_entry_reason",
                "Only a session that started in the past is a back-entry; leave this empty.",
            )
        return ""
    if starts_at < earliest:
        raise field_error(
            "starts_at",
            f"A session can be recorded at most {horizon} days back: on or after "
            f"{timezone.localtime(earliest):%Y-%m-%d}.",
        )
    if not reason:
        raise field_error(
            "back_entry_reason",
            f"The start ({timezone.localtime(starts_at):%Y-%m-%d %H:%M}) is in the past: a "
            "booking now records a session afterwards. Give the reason for the back-entry.",
        )
    return reason[:300]


def _check_hours(clinic: Clinic, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """The chair time (infusion and recovery) lies within the clinic's opening hours of its
    weekday, in the clinic's own time zone. A clinic that has set no hours has no restriction;
    a weekday without a row is a closed day. An appointment that runs past midnight ends after
    closing."""
    rows = {h.weekday: h for h in OpeningHours.objects.filter(clinic=clinic)}
    if not rows:
        return
    zone = clinic.zone
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    day = OpeningHours.WEEKDAYS[start.weekday()]
    hours = rows.get(start.weekday())
    if hours is None:
        raise field_error(
            "starts_at",
            f"{clinic.name} is closed on {day}s ({start:%Y-%m-%d} is a {day}); choose a day the "
            "clinic is open.",
        )
    if start.time() < hours.opens_at or end.date() != start.date() or end.time() > hours.closes_at:
        raise field_error(
            "starts_at",
            f"{clinic.name} is open {hours.opens_at:%H:%M}–{hours.closes_at:%H:%M} on {day}s; "
            f"this booking holds the chair {start:%H:%M}–{end:%H:%M} (infusion and recovery). "
            "Choose a time within the opening hours, or another day.",
        )


def booking_gate(
    *, actor: Actor, course: TreatmentCourse, chair: Chair, patient: Patient, starts_at: dt.datetime
) -> None:
    """Raise a ValidationError if a session of ``course`` may not be booked: the one place a
    check every booking needs is added. Called inside the booking's transaction with the patient
    locked; writes nothing. Esketamine only in a REMS-certified setting, by an enrolled
    prescriber, to an enrolled patient: a hard stop, no override ([spravato-rems-setting])."""
    del actor
    esketamine_gate(
        course=course,
        clinic_id=chair.clinic_id,
        patient_id=patient.pk,
        prescriber_id=course.planned_by_id,
        when=starts_at,
        zone=chair.clinic.zone,
    )


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    course: TreatmentCourse,
    chair: Chair,
    starts_at: dt.datetime,
    infusion_minutes: int | None = None,
    recovery_minutes: int | None = None,
    back_entry_reason: str = "",
    over_plan_reason: str = "",
) -> Appointment:
    """Hold ``chair`` from ``starts_at`` for the infusion (default: the protocol's default
    duration) plus recovery, and create the session (state scheduled), numbered by its start
    among the course's sessions. A start in the past needs ``back_entry_reason``; a session
    beyond the course's planned number of infusions needs ``over_plan_reason``."""
    # Lock order: chair, then patient (every booking takes them in this order).
    chair = Chair.objects.select_for_update().select_related("clinic").get(pk=chair.pk)
    if chair.clinic.organization_id != actor.organization_id:
        raise field_error("chair", "Choose an active chair of this organization.")
    # the appointment is the chair's clinic's: booked with the role held there
    actor = actor.require_at(chair.clinic_id, Action.APPOINTMENT_BOOK)
    back_entry = _check_start(starts_at, back_entry_reason)
    patient = Patient.objects.select_for_update().get(pk=course.patient_id)
    course = TreatmentCourse.objects.select_related("library_version").get(pk=course.pk)
    if not chair.is_active:
        raise field_error("chair", "Choose an active chair of this organization.")
    if course.status not in ACTIVE_COURSE_STATUSES:
        raise field_error("course", f"The course is {course.status}; no more sessions.")
    booking_gate(actor=actor, course=course, chair=chair, patient=patient, starts_at=starts_at)
    protocol = course.library_version.library().protocol(course.protocol_id)
    if infusion_minutes is None:
        infusion_minutes = math.ceil(protocol.default_duration_min.value)
    if recovery_minutes is None:
        recovery_minutes = recovery_minutes_default()
        if protocol.nasal is not None:
            # the chair is held for the label's observation after the last device
            recovery_minutes = max(recovery_minutes, math.ceil(protocol.min_observation_min.value))
    if not 1 <= infusion_minutes <= 24 * 60:
        raise field_error("infusion_minutes", "Give the infusion time in minutes (1–1440).")
    if not 0 <= recovery_minutes <= 24 * 60:
        raise field_error("recovery_minutes", "Give the recovery time in minutes (0–1440).")
    held = _held(course.pk)
    held_count = held.count()
    over_plan = over_plan_reason.strip()[:300]
    if held_count >= course.planned_infusions and not over_plan:
        raise field_error(
            "over_plan_reason",
            f"The course plans {course.planned_infusions} infusions and {held_count} are "
            "booked or given; give the reason for one more.",
        )
    if held_count < course.planned_infusions and over_plan:
        raise field_error(
            "over_plan_reason",
            f"The course plans {course.planned_infusions} infusions and {held_count} are "
            "booked or given; leave this empty.",
        )
    ends_at = starts_at + dt.timedelta(minutes=infusion_minutes + recovery_minutes)
    if not back_entry:
        # a back-entry records a session that took place; its reason says why it is entered late
        _check_hours(chair.clinic, starts_at, ends_at)
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
        back_entry_reason=back_entry,
        over_plan_reason=over_plan,
    )
    # created after every number in use, then put in its place by start time
    last = max(held.values_list("number", flat=True), default=0)
    session = InfusionSession.objects.create(
        appointment=appointment,
        course=course,
        patient=patient,
        clinic=chair.clinic,
        number=last + 1,
        created_at=now,
    )
    _renumber(actor, course.pk, patient, quiet=session.pk)
    session.refresh_from_db(fields=["number"])
    changes = {
        "chair": [None, chair.pk],
        "starts_at": [None, starts_at],
        "ends_at": [None, ends_at],
    }
    if back_entry:
        changes["back_entry_reason"] = [None, back_entry]
    if over_plan:
        changes["over_plan_reason"] = [None, over_plan]
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=appointment, patient=patient, changes=changes
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=session,
        patient=patient,
        changes={"state": [None, session.state], "number": [None, session.number]},
    )
    return appointment


def _close(
    *,
    actor: Actor,
    session: InfusionSession,
    to: SessionState,
    status: AppointmentStatus,
    reason: str,
) -> Appointment:
    """End a booking that did not take place: the appointment leaves "booked" (chair and
    patient free), the session takes state ``to``, the course's later sessions move up."""
    appointment = Appointment.objects.select_for_update().get(pk=session.appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:  # kept in step with the session's state
        raise ValidationError(f"The appointment is already {appointment.get_status_display()}.")
    now = timezone.now()
    appointment.status = status
    appointment.cancel_reason = reason
    appointment.status_changed_by = actor.user
    appointment.status_changed_at = now
    appointment.save(
        update_fields=["status", "cancel_reason", "status_changed_by", "status_changed_at"]
    )
    before = session.state
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=appointment,
        patient=session.patient,
        changes={"status": ["booked", status.value], "session_state": [before, to.value]},
        detail=reason,
    )
    move(actor=actor, session=session, to=to, detail=reason)
    _renumber(actor, session.course_id, session.patient)
    return appointment


def _lock_for_close(session: InfusionSession) -> InfusionSession:
    # The patient first, as a booking takes it: renumbering writes the course's other sessions.
    Patient.objects.select_for_update().get(pk=session.patient_id)
    return lock_session(session)


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a scheduled or checked-in session, with the reason: the chair and the patient's
    time are free again, the session is cancelled (kept, counted as no infusion) and the course's
    later sessions move up one number. A checked-in session is cancelled by a nurse or
    physician (:func:`cancel_action`)."""
    actor = actor.require_at(appointment.clinic_id, Action.APPOINTMENT_BOOK)
    session = _lock_for_close(appointment.session)
    to = next_state(Step.CANCEL, session.state)
    actor.require(cancel_action(session.state))
    if not reason.strip():
        raise field_error("reason", "Give the reason for cancelling.")
    return _close(
        actor=actor,
        session=session,
        to=to,
        status=AppointmentStatus.CANCELLED,
        reason=reason.strip()[:300],
    )


@transaction.atomic
def session_no_show(*, actor: Actor, session: InfusionSession, note: str = "") -> Appointment:
    """The patient did not come: a scheduled session becomes a no-show (not a cancel, so that
    reports can count them) once its start time has come; the chair and the patient's time are
    free again. ``note`` is optional (e.g. "called, unwell")."""
    actor = actor.require_at(session.clinic_id, Action.APPOINTMENT_BOOK)
    session = _lock_for_close(session)
    to = next_state(Step.NO_SHOW, session.state)
    starts = session.appointment.starts_at
    if starts > timezone.now():
        raise ValidationError(
            f"The appointment starts at {timezone.localtime(starts):%Y-%m-%d %H:%M}; a no-show "
            "is recorded from then on. Cancel it if the patient called it off."
        )
    return _close(
        actor=actor,
        session=session,
        to=to,
        status=AppointmentStatus.NO_SHOW,
        reason=note.strip()[:300],
    )
