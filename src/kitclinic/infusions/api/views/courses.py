"""Course, chair and appointment endpoints: plan and transition courses, list chairs, book and
cancel appointments, the clinic's day."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import worklist_record
from kitclinic.infusions.access import access_appointment, access_course
from kitclinic.infusions.api.serializers.courses import (
    AppointmentBookIn,
    AppointmentCancelIn,
    AppointmentOut,
    ChairOut,
    CourseOut,
    CoursePlanIn,
    CourseTransitionIn,
    CourseWithSessionsOut,
    DayAppointmentOut,
    DayQueryIn,
)
from kitclinic.infusions.api.views.common import (
    NOT_FOUND,
    SESSION_ERRORS,
    TAG_COURSES,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.selectors.day import clinic_day
from kitclinic.infusions.selectors.library import clinic_chairs
from kitclinic.infusions.selectors.patient import patient_infusions
from kitclinic.infusions.services import courses, scheduling
from kitclinic.lib.api.base import ErrorOut, api_schema, validated
from kitclinic.patients.access import access_patient


class CourseListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_patient_courses_list",
        tag=TAG_COURSES,
        summary="A patient's treatment courses with their sessions",
        responses={200: CourseWithSessionsOut(many=True)},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
        found = patient_infusions(actor, patient)
        clinical = actor.may(Action.CLINICAL_VIEW)
        return Response(
            CourseWithSessionsOut(found.courses, many=True, context={"clinical": clinical}).data
        )


class CoursePlanApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Plan a treatment course (physician)",
        description="Needs a signed 'eligible' decision for the indication; the protocol comes "
        "from the active library.",
        request=CoursePlanIn,
        responses={201: CourseOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.COURSE_PLAN)
        data = validated(CoursePlanIn, request.data)
        data["protocol_id"] = data["protocol_id"] or None
        course = courses.course_plan(actor=actor, patient=patient, **data)
        return created_response(CourseOut(course).data)


class CourseTransitionApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Change a course's status (physician)",
        request=CourseTransitionIn,
        responses={200: CourseOut, **NOT_FOUND},
    )
    def post(self, request: Request, course_id: int) -> Response:
        actor = self.actor(request)
        course = access_course(actor, course_id, Action.COURSE_PLAN)
        data = validated(CourseTransitionIn, request.data)
        course = courses.course_transition(
            actor=actor, course=course, to_status=data["status"], reason=data["reason"]
        )
        return Response(CourseOut(course).data)


class ChairListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_chairs_list",
        tag=TAG_COURSES,
        summary="The acting clinic's infusion chairs",
        responses={200: ChairOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(ChairOut(clinic_chairs(self.actor(request)), many=True).data)


class AppointmentBookApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Book chair time for a course's session",
        description="Holds the chair for the infusion plus recovery; refused (400 on "
        "`starts_at`) when the chair or the patient is already booked then, or the start is "
        "outside the booking horizon. A start in the past records a session afterwards and "
        "needs `back_entry_reason`; one more session than the course plans needs "
        "`over_plan_reason`. The course's sessions are numbered by start time.",
        request=AppointmentBookIn,
        responses={201: AppointmentOut, **NOT_FOUND},
    )
    def post(self, request: Request, course_id: int) -> Response:
        actor = self.actor(request)
        course = access_course(actor, course_id, Action.APPOINTMENT_BOOK)
        data = validated(AppointmentBookIn, request.data)
        chair_id = data.pop("chair")
        chair = next((c for c in clinic_chairs(actor) if c.pk == chair_id), None)
        if chair is None:
            raise ValidationError({"chair": ["Choose an active chair of the acting clinic."]})
        appointment = scheduling.appointment_book(actor=actor, course=course, chair=chair, **data)
        return created_response(AppointmentOut(appointment).data)


class AppointmentCancelApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Cancel a booked appointment (its session scheduled or checked in)",
        description="As `POST sessions/{id}/cancel/`: a checked-in session is cancelled by a "
        "nurse or physician.",
        request=AppointmentCancelIn,
        responses={200: AppointmentOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        actor = self.actor(request)
        appointment = access_appointment(actor, appointment_id, Action.APPOINTMENT_BOOK)
        actor = actor.at_clinic(appointment.clinic_id)
        data = validated(AppointmentCancelIn, request.data)
        appointment = scheduling.appointment_cancel(
            actor=actor, appointment=appointment, reason=data["reason"]
        )
        appointment.session.refresh_from_db()
        return Response(AppointmentOut(appointment).data)


class AppointmentDayListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_appointments_day_list",
        tag=TAG_COURSES,
        summary="The acting clinic's booked appointments of one day, by start time",
        parameters=[DayQueryIn],
        responses={200: DayAppointmentOut(many=True), 400: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        day = validated(DayQueryIn, request.query_params.dict()).get("day")
        rows = clinic_day(actor, day or timezone.localdate())
        entries = sorted(
            (e for row in rows for e in row.entries), key=lambda e: e.appointment.starts_at
        )
        patient_ids = [e.appointment.patient_id for e in entries]
        worklist_record(actor, what="schedule", patient_ids=patient_ids)
        return Response(DayAppointmentOut(entries, many=True).data)
