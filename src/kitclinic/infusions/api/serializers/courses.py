"""Courses, chairs and appointments."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.dosing import TreatmentKind
from kitclinic.infusions.api.serializers.fields import (
    BoundedDateField,
    BoundedDateTimeField,
    optional_reason_field,
)
from kitclinic.infusions.selectors.day import DayEntry
from kitclinic.infusions.states import CourseStatus, SessionState
from kitclinic.lib.api.base import (
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from kitclinic.patients.models import INDICATIONS

NUMBER_HELP = "Place in the course by start time; null when cancelled or a no-show."


class SessionRefOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField(
        source="course_number", allow_null=True, help_text=NUMBER_HELP
    )
    state = serializers.ChoiceField(choices=[s.value for s in SessionState])
    starts_at = serializers.DateTimeField(source="appointment.starts_at")
    chair = serializers.CharField(source="appointment.chair.name")
    clinic = serializers.IntegerField(
        source="clinic_id",
        help_text="The session's clinic: its endpoints answer with the role held there.",
    )


class CourseOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    clinic = serializers.IntegerField(source="clinic_id")
    indication = serializers.CharField()
    protocol_id = serializers.CharField()
    treatment_kind = serializers.ChoiceField(
        source="kind",
        choices=[k.value for k in TreatmentKind],
        help_text="The treatment kind, from the protocol: its sessions follow the kind's steps.",
    )
    library_version = serializers.IntegerField(source="library_version_id")
    planned_infusions = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[s.value for s in CourseStatus])
    notes = serializers.CharField(allow_blank=True)
    planned_by = UserRefOut()
    planned_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The prescriber's notes are clinical content: a reader without ``clinical.view`` (the
        front desk, who books the course's sessions) gets them blank (context ``clinical``)."""
        data = super().to_representation(instance)
        if not self.context.get("clinical", True):
            data["notes"] = ""
        return data


class CourseWithSessionsOut(CourseOut):
    sessions = SessionRefOut(many=True, source="sessions.all")


class CoursePlanIn(StrictSerializer):
    indication = serializers.ChoiceField(choices=list(INDICATIONS))
    protocol_id = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        default="",
        help_text="Default: the active library's default protocol for the indication.",
    )
    planned_infusions = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the protocol's course."
    )
    notes = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class CourseTransitionIn(StrictSerializer):
    status = serializers.ChoiceField(choices=[s.value for s in CourseStatus])
    reason = optional_reason_field("Required to pause or stop a course.")


class ChairOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class AppointmentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    patient = serializers.IntegerField(source="patient_id")
    chair = ChairOut()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="starts_at + infusion + recovery minutes")
    infusion_minutes = serializers.IntegerField()
    recovery_minutes = serializers.IntegerField()
    status = serializers.CharField(help_text="booked, cancelled or no_show")
    cancel_reason = serializers.CharField(allow_blank=True, help_text="Or the no-show note.")
    status_changed_by = UserRefOut(
        allow_null=True, help_text="Who cancelled it or recorded the no-show."
    )
    status_changed_at = serializers.DateTimeField(allow_null=True)
    back_entry_reason = serializers.CharField(
        allow_blank=True, help_text="Set when the session was recorded after its start."
    )
    over_plan_reason = serializers.CharField(
        allow_blank=True, help_text="Set when booked beyond the course's planned infusions."
    )
    session = serializers.IntegerField(source="session.id")
    session_number = serializers.IntegerField(
        source="session.course_number", allow_null=True, help_text=NUMBER_HELP
    )
    session_state = serializers.CharField(source="session.state")


# An appointment of the clinic day and its session's next step, from a selectors.day.DayEntry
# (no docstring: drf-spectacular would publish it as the schema's description).
class DayAppointmentOut(AppointmentOut):
    next_step = serializers.CharField(allow_blank=True, help_text="What the clinic does next.")

    def to_representation(self, instance: DayEntry) -> dict[str, Any]:
        appointment = AppointmentOut(instance.appointment, context=self.context).data
        return {**appointment, "next_step": instance.next_step}


class AppointmentBookIn(StrictSerializer):
    chair = StrictIntegerField(help_text="Id of an active chair of the acting clinic.")
    starts_at = BoundedDateTimeField(help_text="ISO 8601 with its time zone.")
    infusion_minutes = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the protocol's."
    )
    recovery_minutes = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the clinic setting."
    )
    back_entry_reason = optional_reason_field(
        "Required when `starts_at` is in the past (a session recorded afterwards)."
    )
    over_plan_reason = optional_reason_field(
        "Required when the course already has its planned number of sessions."
    )


class AppointmentCancelIn(StrictSerializer):
    reason = StrictCharField(max_length=300)


class DayQueryIn(StrictSerializer):
    day = BoundedDateField(required=False, help_text="YYYY-MM-DD (default: today).")
