"""The course page: its protocol and its sessions in start order."""

from __future__ import annotations

from dataclasses import dataclass

from kitclinic.dosing import Protocol
from kitclinic.infusions.models import InfusionSession, TreatmentCourse


@dataclass(frozen=True)
class CourseOverview:
    protocol: Protocol
    sessions: list[InfusionSession]  # by start time, cancelled and no-shows included

    @property
    def held_count(self) -> int:
        """The sessions that hold a number in the course (not cancelled, not a no-show)."""
        return sum(1 for s in self.sessions if s.is_held)


def course_overview(course: TreatmentCourse) -> CourseOverview:
    """What the course page lists (one query for the sessions)."""
    sessions = list(
        course.sessions.select_related("appointment", "appointment__chair").order_by(
            "appointment__starts_at"
        )
    )
    return CourseOverview(
        protocol=course.library_version.library().protocol(course.protocol_id), sessions=sessions
    )
