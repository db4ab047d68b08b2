"""The patient chart's infusions: every course and session of the organization's patient."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.patients.models import Patient


@dataclass(frozen=True)
class ChartSession:
    session: InfusionSession
    openable: bool  # the user has a role at its clinic, where its page is opened
    elsewhere: bool  # given at another clinic than the acting one


@dataclass(frozen=True)
class ChartCourse:
    course: TreatmentCourse
    sessions: list[ChartSession]  # by start time


@dataclass(frozen=True)
class PatientInfusions:
    """Every course and session of the organization's patient, whichever clinic gave it (the
    dose history and the course's count are the patient's): the courses as recorded, and as the
    chart shows them (each session with whether the user may open it and whether it was given
    elsewhere)."""

    courses: list[TreatmentCourse]
    chart: list[ChartCourse]


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
    here = actor.membership.clinic_id
    chart = [
        ChartCourse(
            course=course,
            sessions=[
                ChartSession(
                    session=session,
                    openable=session.clinic_id in reachable,
                    elsewhere=session.clinic_id != here,
                )
                for session in course.sessions.all()
            ],
        )
        for course in courses
    ]
    return PatientInfusions(courses=courses, chart=chart)
