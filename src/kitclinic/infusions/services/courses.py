"""Treatment courses (one indication, one protocol of the active library) and chairs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.infusions.models import Chair, DrugLibraryVersion, LibraryStatus, TreatmentCourse
from kitclinic.infusions.services._common import field_error
from kitclinic.infusions.states import (
    ACTIVE_COURSE_STATUSES,
    COURSE_TRANSITIONS,
    CourseStatus,
)
from kitclinic.patients.models import Patient

COURSE_FIELDS = ("indication", "protocol_id", "planned_infusions", "status", "library_version")


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
        state = "no signed decision" if decision is None else f"signed {decision.outcome}"
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


@transaction.atomic
def chair_add(*, actor: Actor, name: str, is_synthetic: bool = False) -> Chair:
    actor.require(Action.CHAIR_MANAGE)
    name = name.strip()
    if not name:
        raise field_error("name", "Give the chair a name.")
    try:
        with transaction.atomic():
            chair = Chair.objects.create(clinic=actor.clinic, name=name, is_synthetic=is_synthetic)
    except IntegrityError:
        raise field_error("name", f"This clinic already has a chair named {name!r}.") from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=chair, changes={"name": [None, name]})
    return chair
