"""The patient chart's infusions: every course and session of the organization's patient."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.patients.models import Patient


@dataclass(frozen=True)
class PatientInfusions:
    """Every course and session of the organization's patient, whichever clinic gave it (the
    dose history and the course's count are the patient's); each session carries ``openable``
    (the user has a role at its clinic, where its page is opened) and ``elsewhere`` (not the
    acting clinic)."""

    courses: list[TreatmentCourse]


def patient_infusions(actor: Actor, patient: Patient) -> PatientInfusions:
    """The patient's courses with their sessions, for the chart (2 queries)."""
    actor.require(Action.PATIENT_VIEW)
    courses = list(
        patient.treatment_courses.select_related("library_version").prefetch_related(
            Prefetch(
                "sessions",
                queryset=InfusionSession.objects.select_related(
                    "appointment", "appointment__chair", "clinic"
                ).order_by("appointment__starts_at"),
            )
        )
    )
    reachable = actor.clinic_ids_where(Action.PATIENT_VIEW)
    for course in courses:
        for session in course.sessions.all():
            session.openable = session.clinic_id in reachable
            session.elsewhere = session.clinic_id != actor.membership.clinic_id
    return PatientInfusions(courses=courses)
