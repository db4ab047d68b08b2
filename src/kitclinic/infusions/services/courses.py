"""Treatment courses (one indication, one protocol of the active library) and chairs."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.infusions.models import (
    Appointment,
    Chair,
    DrugLibraryVersion,
    LibraryStatus,
    OpeningHours,
    TreatmentCourse,
)
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.services._common import field_error
from kitclinic.infusions.states import (
    ACTIVE_COURSE_STATUSES,
    COURSE_TRANSITIONS,
    CourseStatus,
)
from kitclinic.patients.models import Patient

COURSE_FIELDS = (
    "indication",
    "protocol_id",
    "kind",
    "planned_infusions",
    "status",
    "library_version",
)


def active_library_version(organization_id: int) -> DrugLibraryVersion:
    version = DrugLibraryVersion.objects.filter(
        organization_id=organization_id, status=LibraryStatus.APPROVED
    ).first()
    if version is None:
        raise ValidationError(
            "The organization has no approved drug library; a physician must approve one first."
        )
    return version


@transaction.atomic
def course_plan(
    *,
    actor: Actor,
    patient: Patient,
    indication: str,
    protocol_id: str | None = None,
    planned_infusions: int | None = None,
    notes: str = "",
) -> TreatmentCourse:
    """Plan a course on a protocol of the active library (its default for the indication when
    ``protocol_id`` is None), with the protocol's course template's number of infusions unless
    given. Needs a current signed eligibility decision of "eligible" for the indication."""
    actor.require(Action.COURSE_PLAN)
    Patient.objects.select_for_update().get(pk=patient.pk)
    version = active_library_version(actor.organization_id)
    library = version.library()
    try:
        protocol = (
            library.default_protocol(indication)
            if not protocol_id
            else library.protocol(protocol_id)
        )
    except KeyError:
        field = "protocol_id" if protocol_id else "indication"
        raise field_error(
            field, f"The active library (v{version.number}) has no such protocol for {indication}."
        ) from None
    if protocol.indication != indication:
        raise field_error(
            "protocol_id", f"Protocol {protocol.id} is for {protocol.indication}, not {indication}."
        )
    decision = patient.eligibility_decisions.filter(
        indication=indication, superseded_by__isnull=True
    ).first()
    if decision is None or decision.outcome != "eligible":
        outcome = "" if decision is None else decision.outcome.replace("_", " ")
        state = "no signed decision" if decision is None else f"signed {outcome}"
        raise field_error(
            "indication",
            f"The patient needs a signed eligibility decision of 'eligible' for {indication} "
            f"({state}).",
        )
    if patient.treatment_courses.filter(
        indication=indication, status__in=[s.value for s in ACTIVE_COURSE_STATUSES]
    ).exists():
        raise field_error("indication", f"The patient already has an active {indication} course.")
    if planned_infusions is None:
        if protocol.course is None:
            raise field_error(
                "planned_infusions",
                f"Protocol {protocol.id} has no course template: give the number of infusions.",
            )
        planned_infusions = int(protocol.course.infusions.value)
    if planned_infusions < 1 or planned_infusions > 100:
        raise field_error("planned_infusions", "Give between 1 and 100 planned infusions.")
    now = timezone.now()
    course = TreatmentCourse.objects.create(
        patient=patient,
        clinic=actor.clinic,
        indication=indication,
        library_version=version,
        protocol_id=protocol.id,
        kind=protocol.treatment_kind,
        planned_infusions=planned_infusions,
        notes=notes.strip()[:300],
        planned_by=actor.user,
        planned_at=now,
        status_changed_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=course,
        patient=patient,
        changes=changes_between({}, snapshot(course, COURSE_FIELDS)),
    )
    return course


def _transition(
    actor: Actor | None, course: TreatmentCourse, to: CourseStatus, reason: str
) -> None:
    current = CourseStatus(course.status)
    if to not in COURSE_TRANSITIONS[current]:
        allowed = ", ".join(sorted(COURSE_TRANSITIONS[current])) or "none (it is closed)"
        raise field_error("status", f"A {current} course cannot become {to}; allowed: {allowed}.")
    course.status = to
    course.status_changed_at = timezone.now()
    course.save(update_fields=["status", "status_changed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=course,
        patient=course.patient,
        changes={"status": [current.value, to.value]},
        detail=reason[:300],
    )


@transaction.atomic
def course_transition(
    *, actor: Actor, course: TreatmentCourse, to_status: str, reason: str = ""
) -> TreatmentCourse:
    actor.require(Action.COURSE_PLAN)
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    try:
        to = CourseStatus(to_status)
    except ValueError:
        raise field_error("status", f"Unknown course status {to_status!r}.") from None
    if to in (CourseStatus.STOPPED, CourseStatus.PAUSED) and not reason.strip():
        raise field_error("reason", f"Give the reason the course is {to}.")
    _transition(actor, course, to, reason.strip())
    return course


def course_start_if_planned(actor: Actor, course: TreatmentCourse) -> None:
    """The first check-in of a planned course starts its induction (audited)."""
    if course.status == CourseStatus.PLANNED:
        _transition(actor, course, CourseStatus.INDUCTION, "first session checked in")


def _chair_name(name: str) -> str:
    """A chair's name as stored: trimmed, not empty, within the column's length. Adding and
    renaming a chair meet the same rule."""
    name = name.strip()
    if not name:
        raise field_error("name", "Give the chair a name.")
    limit = Chair._meta.get_field("name").max_length
    if limit is not None and len(name) > limit:
        raise field_error("name", f"A chair's name may have at most {limit} characters.")
    return name


@transaction.atomic
def chair_add(*, actor: Actor, name: str, is_synthetic: bool = False) -> Chair:
    actor.require(Action.CHAIR_MANAGE)
    name = _chair_name(name)
    try:
        with transaction.atomic():
            chair = Chair.objects.create(clinic=actor.clinic, name=name, is_synthetic=is_synthetic)
    except IntegrityError:
        raise field_error("name", f"This clinic already has a chair named {name!r}.") from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=chair, changes={"name": [None, name]})
    return chair


def _managed_chair(actor: Actor, chair: Chair) -> tuple[Actor, Chair]:
    """The chair's row, locked, acted on with the role held at its clinic (403 without
    CHAIR_MANAGE there; another organization's chair is a 404 before this, in ``access``)."""
    acting = actor.require_at(chair.clinic_id, Action.CHAIR_MANAGE)
    return acting, Chair.objects.select_for_update().get(pk=chair.pk)


@transaction.atomic
def chair_rename(*, actor: Actor, chair: Chair, name: str) -> Chair:
    acting, chair = _managed_chair(actor, chair)
    new = _chair_name(name)
    if new == chair.name:
        raise field_error("name", "That is already the chair's name.")
    if Chair.objects.filter(clinic_id=chair.clinic_id, name=new).exclude(pk=chair.pk).exists():
        raise field_error("name", f"This clinic already has a chair named {new!r}.")
    old = chair.name
    chair.name = new
    chair.save(update_fields=["name"])
    audit_record(actor=acting, action=AuditAction.UPDATE, obj=chair, changes={"name": [old, new]})
    return chair


def chair_future_bookings(chair: Chair) -> list[Appointment]:
    """The chair's booked appointments that have not ended yet."""
    return list(
        Appointment.objects.filter(
            chair=chair, status=AppointmentStatus.BOOKED, ends_at__gt=timezone.now()
        )
        .select_related("patient")
        .order_by("starts_at")
    )


@transaction.atomic
def chair_retire(*, actor: Actor, chair: Chair) -> Chair:
    """Take a chair out of use: no new bookings. Refused while it has bookings to come (the
    message lists them: move or cancel them first)."""
    acting, chair = _managed_chair(actor, chair)
    if not chair.is_active:
        raise field_error("chair", f"{chair.name} is already retired.")
    booked = chair_future_bookings(chair)
    if booked:
        when = ", ".join(
            f"{timezone.localtime(a.starts_at):%Y-%m-%d %H:%M} ({a.patient.mrn})"
            for a in booked[:10]
        )
        more = f" and {len(booked) - 10} more" if len(booked) > 10 else ""
        raise field_error(
            "chair",
            f"{chair.name} still has {len(booked)} booking(s) to come: {when}{more}. Move or "
            "cancel them first, then retire the chair.",
        )
    chair.is_active = False
    chair.save(update_fields=["is_active"])
    audit_record(
        actor=acting, action=AuditAction.UPDATE, obj=chair, changes={"is_active": [True, False]}
    )
    return chair


@transaction.atomic
def chair_return(*, actor: Actor, chair: Chair) -> Chair:
    """Put a retired chair back in use."""
    acting, chair = _managed_chair(actor, chair)
    if chair.is_active:
        raise field_error("chair", f"{chair.name} is in use already.")
    chair.is_active = True
    chair.save(update_fields=["is_active"])
    audit_record(
        actor=acting, action=AuditAction.UPDATE, obj=chair, changes={"is_active": [False, True]}
    )
    return chair


@transaction.atomic
def opening_hours_set(
    *, actor: Actor, hours: dict[int, tuple[dt.time, dt.time] | None]
) -> list[OpeningHours]:
    """Set the acting clinic's opening hours: ``hours`` maps each weekday (0 = Monday) to its
    (opens, closes) local times, or None when the clinic is closed that day. A day left out
    keeps its hours. Bad input names the day's field and writes nothing."""
    actor.require(Action.CHAIR_MANAGE)
    errors: dict[str, list[str]] = {}
    for day, times in hours.items():
        if day not in range(7):
            errors["__all__"] = ["Weekdays are 0 (Monday) to 6 (Sunday)."]
        elif times is not None and not times[0] < times[1]:
            errors[f"closes_{day}"] = [
                f"{OpeningHours.WEEKDAYS[day]}: the clinic must close after it opens."
            ]
    if errors:
        raise ValidationError(errors)
    clinic = actor.clinic
    current = {h.weekday: h for h in OpeningHours.objects.filter(clinic=clinic)}
    before = {d: (f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}") for d, h in current.items()}
    for day, times in hours.items():
        row = current.get(day)
        if times is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            OpeningHours.objects.create(
                clinic=clinic, weekday=day, opens_at=times[0], closes_at=times[1]
            )
        elif (row.opens_at, row.closes_at) != times:
            row.opens_at, row.closes_at = times
            row.save(update_fields=["opens_at", "closes_at"])
    rows = list(OpeningHours.objects.filter(clinic=clinic))
    after = {h.weekday: (f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}") for h in rows}
    changes = {
        OpeningHours.WEEKDAYS[d]: [before.get(d), after.get(d)]
        for d in range(7)
        if before.get(d) != after.get(d)
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="infusions.openinghours",
            changes=changes,
            detail=f"opening hours of {clinic.name}",
        )
    return rows
