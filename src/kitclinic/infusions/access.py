"""Fetching infusion objects for an actor: another organization's object is a 404 (as a missing
one), a role that may not do the action is a 403. A patient-owned object fetched here is noted as a read
of its patient for the audit trail (kitclinic.audit.reads)."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.infusions.models import (
    Appointment,
    Chair,
    DrugLibraryVersion,
    InfusionSession,
    TreatmentCourse,
)


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


# What the pages and most handlers read from a session; a service that locks and re-reads the
# session itself (a vitals post) asks for none of it.
SESSION_RELATED = (
    "patient",
    "course",
    "course__library_version",
    "appointment",
    "appointment__chair",
)


def access_session(
    actor: Actor,
    session_id: int | str,
    action: Action,
    *,
    related: tuple[str, ...] = SESSION_RELATED,
) -> InfusionSession:
    found = InfusionSession.objects.filter(
        pk=_pk(session_id), patient__organization_id=actor.organization_id
    )
    if related:  # select_related() without names would follow every foreign key
        found = found.select_related(*related)
    session = found.first()
    if session is None:
        raise Http404("No such session.")
    read_note(actor.require_at(session.clinic_id, action), session.patient_id, session)
    return session


def access_course(actor: Actor, course_id: int | str, action: Action) -> TreatmentCourse:
    course = (
        TreatmentCourse.objects.select_related("patient", "library_version")
        .filter(pk=_pk(course_id), patient__organization_id=actor.organization_id)
        .first()
    )
    if course is None:
        raise Http404("No such course.")
    actor.require(action)
    read_note(actor, course.patient_id, course)
    return course


def access_library_version(
    actor: Actor, version_id: int | str, action: Action
) -> DrugLibraryVersion:
    version = DrugLibraryVersion.objects.filter(
        pk=_pk(version_id), organization_id=actor.organization_id
    ).first()
    if version is None:
        raise Http404("No such library version.")
    actor.require(action)
    return version


def access_appointment(actor: Actor, appointment_id: int | str, action: Action) -> Appointment:
    appointment = (
        Appointment.objects.select_related("session", "session__patient", "chair", "patient")
        .filter(pk=_pk(appointment_id), patient__organization_id=actor.organization_id)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    read_note(actor.require_at(appointment.clinic_id, action), appointment.patient_id, appointment)
    return appointment


def access_chair(actor: Actor, chair_id: int | str) -> Chair:
    """A chair of the actor's organization that its role at the chair's clinic may manage."""
    chair = (
        Chair.objects.select_related("clinic")
        .filter(pk=_pk(chair_id), clinic__organization_id=actor.organization_id)
        .first()
    )
    if chair is None:
        raise Http404("No such chair.")
    actor.require_at(chair.clinic_id, Action.CHAIR_MANAGE)
    return chair
