"""REST API v1 of the infusion workflow (mounted under /api/v1/ by api_urls.py): the drug
library, courses, chairs, appointments and every step of a session.

Same rules as the pages: the actor from the request, objects through the infusions access
functions (another organization's is a 404, a role that may not act a 403), shape checked by a
StrictSerializer, one service per write, an explicit output serializer.

Status codes: 200 read or replayed, 201 created, 400 bad input (naming the field; nothing
written), 409 the record's current state forbids it (a step out of order, a signed session, a
vitals slot already recorded, an idempotency key used for another reading). 409 bodies carry
``detail`` (what must come first) and ``state`` (the session's state now).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.api.base import ApiView, ErrorOut, api_schema
from kitclinic.infusions import selectors
from kitclinic.infusions import serializers as s
from kitclinic.infusions.access import (
    access_appointment,
    access_course,
    access_library_version,
    access_session,
)
from kitclinic.infusions.models import CheckIn, InfusionSession, SignedRecordError
from kitclinic.infusions.services import courses, infusion, library, orders, scheduling, sessions
from kitclinic.infusions.services.infusion import IdempotencyKeyReused, VitalsSlotTaken
from kitclinic.infusions.states import SessionState, Step, StepOutOfOrder, allowed
from kitclinic.patients.access import access_patient
from kitclinic.substances.access import access_lot
from kitclinic.substances.selectors import eligible_witnesses

TAG_LIBRARY = "infusions: drug library"
TAG_COURSES = "infusions: courses and booking"
TAG_SESSION = "infusions: session"

_NOT_FOUND = {
    404: OpenApiResponse(ErrorOut, description="No such object in your organization."),
}
_CONFLICT = {
    409: OpenApiResponse(
        s.ConflictOut,
        description="Not in the session's current state: a step out of order (the message "
        "says what must come first), a signed session, or a vitals slot already recorded.",
    ),
}
_SESSION = {**_NOT_FOUND, **_CONFLICT}
IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Up to 64 characters, unique per reading (e.g. a UUID from the monitor). A "
    "retry with the same key returns the stored reading with 200 instead of 201.",
)


class StateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflicts with the record's current state."
    default_code = "conflict"


def _conflict(exc: ValidationError, state: str | None) -> StateConflict:
    body: dict[str, Any] = {"detail": " ".join(exc.messages)}
    if state is not None:
        body["state"] = state
    if hasattr(exc, "error_dict"):
        body["errors"] = exc.message_dict
    return StateConflict(body)


# Maps the services' state refusals to 409; everything else goes through the project's exception
# handler unchanged. No docstring: drf-spectacular would show it on every operation.
class InfusionApiView(ApiView):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StepOutOfOrder):
            exc = _conflict(exc, exc.state.value)
        elif isinstance(exc, SignedRecordError):
            exc = _conflict(exc, SessionState.SIGNED.value)
        elif isinstance(exc, VitalsSlotTaken | IdempotencyKeyReused):
            exc = _conflict(exc, None)
        return super().handle_exception(exc)


def _valid(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _created(out: Any) -> Response:
    return Response(out, status=status.HTTP_201_CREATED)


def _session_state(session: InfusionSession) -> dict[str, Any]:
    session.refresh_from_db()
    return s.SessionStateOut(session).data


# --- drug library -----------------------------------------------------------------------------


class LibraryVersionListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_library_versions_list",
        tag=TAG_LIBRARY,
        summary="The organization's drug-library versions, newest first (without their data)",
        responses={200: s.LibraryVersionOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        overview = selectors.library_overview(self.actor(request))
        return Response(s.LibraryVersionOut(overview.versions, many=True).data)


class LibraryActiveApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="The active (approved) library version with its data",
        responses={200: s.LibraryVersionDetailOut, **_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        active = selectors.library_overview(self.actor(request)).active
        if active is None:
            raise Http404("The organization has no approved drug library.")
        return Response(s.LibraryVersionDetailOut(active).data)


class LibraryDraftCreateApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Draft a new library version (clinic admin)",
        description="The data is validated whole; an error names the field path. A physician "
        "other than the editor approves it.",
        request=s.LibraryDraftIn,
        responses={201: s.LibraryVersionDetailOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.LIBRARY_EDIT)
        version = library.library_draft_create(
            actor=actor, **_valid(s.LibraryDraftIn, request.data)
        )
        return _created(s.LibraryVersionDetailOut(version).data)


class LibraryApproveApi(InfusionApiView):
    @api_schema(
        tag=TAG_LIBRARY,
        summary="Approve a draft, making it the active version (a physician, not its editor)",
        request=s.EmptyIn,
        responses={200: s.LibraryVersionOut, **_NOT_FOUND},
    )
    def post(self, request: Request, version_id: int) -> Response:
        actor = self.actor(request)
        version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
        _valid(s.EmptyIn, request.data)
        version = library.library_approve(actor=actor, version=version)
        return Response(s.LibraryVersionOut(version).data)


# --- courses, chairs, appointments ------------------------------------------------------------


class CourseListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_patient_courses_list",
        tag=TAG_COURSES,
        summary="A patient's treatment courses with their sessions",
        responses={200: s.CourseWithSessionsOut(many=True)},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
        found = selectors.patient_infusions(actor, patient)
        return Response(s.CourseWithSessionsOut(found.courses, many=True).data)


class CoursePlanApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Plan a treatment course (physician)",
        description="Needs a signed 'eligible' decision for the indication; the protocol comes "
        "from the active library.",
        request=s.CoursePlanIn,
        responses={201: s.CourseOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.COURSE_PLAN)
        data = _valid(s.CoursePlanIn, request.data)
        data["protocol_id"] = data["protocol_id"] or None
        course = courses.course_plan(actor=actor, patient=patient, **data)
        return _created(s.CourseOut(course).data)


class CourseTransitionApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Change a course's status (physician)",
        request=s.CourseTransitionIn,
        responses={200: s.CourseOut, **_NOT_FOUND},
    )
    def post(self, request: Request, course_id: int) -> Response:
        actor = self.actor(request)
        course = access_course(actor, course_id, Action.COURSE_PLAN)
        data = _valid(s.CourseTransitionIn, request.data)
        course = courses.course_transition(
            actor=actor, course=course, to_status=data["status"], reason=data["reason"]
        )
        return Response(s.CourseOut(course).data)


class ChairListApi(InfusionApiView):
    @api_schema(
        operation_id="v1_chairs_list",
        tag=TAG_COURSES,
        summary="The acting clinic's infusion chairs",
        responses={200: s.ChairOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(s.ChairOut(selectors.clinic_chairs(self.actor(request)), many=True).data)


class AppointmentBookApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Book chair time for a course's next session",
        description="Holds the chair for the infusion plus recovery; refused (400 on "
        "`starts_at`) when the chair or the patient is already booked then.",
        request=s.AppointmentBookIn,
        responses={201: s.AppointmentOut, **_NOT_FOUND},
    )
    def post(self, request: Request, course_id: int) -> Response:
        actor = self.actor(request)
        course = access_course(actor, course_id, Action.APPOINTMENT_BOOK)
        data = _valid(s.AppointmentBookIn, request.data)
        chair_id = data.pop("chair")
        chair = next((c for c in selectors.clinic_chairs(actor) if c.pk == chair_id), None)
        if chair is None:
            raise ValidationError({"chair": ["Choose an active chair of the acting clinic."]})
        appointment = scheduling.appointment_book(actor=actor, course=course, chair=chair, **data)
        return _created(s.AppointmentOut(appointment).data)


class AppointmentCancelApi(InfusionApiView):
    @api_schema(
        tag=TAG_COURSES,
        summary="Cancel a booked appointment (its session must still be scheduled)",
        request=s.AppointmentCancelIn,
        responses={200: s.AppointmentOut, **_SESSION},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        actor = self.actor(request)
        appointment = access_appointment(actor, appointment_id, Action.APPOINTMENT_BOOK)
        data = _valid(s.AppointmentCancelIn, request.data)
        appointment = scheduling.appointment_cancel(
            actor=actor, appointment=appointment, reason=data["reason"]
        )
        appointment.session.refresh_from_db()
        return Response(s.AppointmentOut(appointment).data)


class AppointmentDayApi(InfusionApiView):
    @api_schema(
        operation_id="v1_appointments_day_list",
        tag=TAG_COURSES,
        summary="The acting clinic's booked appointments of one day, by start time",
        parameters=[s.DayQueryIn],
        responses={200: s.DayAppointmentOut(many=True), 400: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        day = _valid(s.DayQueryIn, request.query_params.dict()).get("day")
        rows = selectors.clinic_day(actor, day or timezone.localdate())
        entries = sorted(
            (e for row in rows for e in row.entries), key=lambda e: e.appointment.starts_at
        )
        out = []
        for entry in entries:
            entry.appointment.next_step = entry.next_step
            out.append(entry.appointment)
        return Response(s.DayAppointmentOut(out, many=True).data)


# --- the session ------------------------------------------------------------------------------


class SessionDetailApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="A session with its record, vitals schedule and timeline (audited read)",
        responses={200: s.SessionDetailOut, **_NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.PATIENT_VIEW)
        return Response(s.SessionDetailOut(selectors.session_detail(actor, session)).data)


class CheckInApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check the patient in",
        description="Confirmations, today's measured weight in kg (a change above the "
        "protocol's limit from the last check-in must be confirmed by re-weighing), pregnancy "
        "status where relevant, baseline vitals gated by the protocol and the pre-infusion "
        "rating.",
        request=s.CheckInIn,
        responses={201: s.CheckInOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
        data = sessions.CheckInData(**_valid(s.CheckInIn, request.data))
        check_in = sessions.session_check_in(actor=actor, session=session, data=data)
        return _created(s.CheckInOut(check_in).data)


class OrderPreviewApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check a proposed order without placing it (writes nothing)",
        description="The dose check's findings against the active library (hard: refused; "
        "soft: needs a reason) and the PK preview (predicted plasma and effect-site curve and "
        "peaks, Domino model); `pk` is null when a hard finding refuses the dose.",
        request=s.OrderPreviewIn,
        responses={200: s.OrderPreviewOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        data = _valid(s.OrderPreviewIn, request.data)
        if not allowed(Step.ORDER, session.state):
            raise StepOutOfOrder(Step.ORDER, SessionState(session.state))
        check_in = CheckIn.objects.get(session=session)
        preview = orders.order_preview(session=session, check_in=check_in, **data)
        return Response(s.OrderPreviewOut(preview).data)


class OrderPlaceApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Place the order (physician)",
        description="Hard findings refuse it (400 on `dose`, `duration_min` or "
        "`concentration_mg_per_ml`); each soft finding needs a reason in `override_reasons` "
        "(400 on `override_<code>` otherwise).",
        request=s.OrderIn,
        responses={201: s.OrderOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        order = orders.order_place(actor=actor, session=session, **_valid(s.OrderIn, request.data))
        return _created(s.OrderOut(order).data)


class DoubleCheckApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Independent double check by a second clinician (not the orderer)",
        description="The pump's rate and VTBI read back must equal the order's; soft-limit "
        "overrides must be co-signed.",
        request=s.DoubleCheckIn,
        responses={201: s.DoubleCheckOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
        data = _valid(s.DoubleCheckIn, request.data)
        check = orders.order_double_check(actor=actor, session=session, **data)
        return _created(s.DoubleCheckOut(check).data)


class StartApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Start the infusion at the ordered rate (after the double check)",
        description="With `lot`, the controlled-substance draw of the ordered amount is logged "
        "against that lot (a dispense to this session) in the same transaction; a lot of "
        "another clinic is a 404, an expired or short lot a 400 on `lot`.",
        request=s.StartIn,
        responses={201: s.EventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        lot_id = _valid(s.StartIn, request.data)["lot"]
        lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
        event = infusion.infusion_start(actor=actor, session=session, lot=lot)
        return _created(s.EventOut(event).data)


class PauseApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Pause the infusion (with a reason)",
        request=s.ReasonIn,
        responses={201: s.EventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        data = _valid(s.ReasonIn, request.data)
        event = infusion.infusion_pause(actor=actor, session=session, **data)
        return _created(s.EventOut(event).data)


class ResumeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Resume a paused infusion at the last rate",
        request=s.ResumeIn,
        responses={201: s.EventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        data = _valid(s.ResumeIn, request.data)
        event = infusion.infusion_resume(actor=actor, session=session, **data)
        return _created(s.EventOut(event).data)


class RateChangeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Change the pump rate (checked against the protocol's rate limits)",
        request=s.RateChangeIn,
        responses={201: s.EventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        data = _valid(s.RateChangeIn, request.data)
        event = infusion.infusion_rate_change(actor=actor, session=session, **data)
        return _created(s.EventOut(event).data)


class StopApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Stop the infusion; recovery begins",
        description="With `waste_witness` after a draw logged at the start, what was drawn but "
        "not given is recorded as witnessed waste in the same transaction.",
        request=s.StopIn,
        responses={201: s.EventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        data = _valid(s.StopIn, request.data)
        witness = None
        if data["waste_witness"] is not None:
            witness = eligible_witnesses(actor.clinic).filter(pk=data["waste_witness"]).first()
            if witness is None:  # unknown ids get the same answer as users without a role here
                raise ValidationError(
                    {"waste_witness": ["The witness must be a physician or nurse of this clinic."]}
                )
        event = infusion.infusion_stop(
            actor=actor, session=session, reason=data["reason"], waste_witness=witness
        )
        return _created(s.EventOut(event).data)


class VitalsRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record one slot's vitals (monitor integrations: send an Idempotency-Key)",
        description="201 when recorded, 200 with the stored reading when the same key was "
        "already used for the same reading (a retry). 409 when the slot was already recorded "
        '("already recorded by X at HH:MM"; nothing is overwritten) or the key was used for '
        "another reading. Threshold alerts are in `alerts`.",
        parameters=[IDEMPOTENCY_HEADER],
        request=s.VitalsIn,
        responses={201: s.VitalOut, 200: s.VitalOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        data = _valid(s.VitalsIn, request.data)
        header = request.headers.get("Idempotency-Key", "").strip()
        body_key = data.pop("idempotency_key").strip()
        if header and body_key and header != body_key:
            raise ValidationError(
                {"idempotency_key": ["Differs from the Idempotency-Key header; send one key."]}
            )
        key = header or body_key
        if len(key) > 64:
            raise ValidationError({"idempotency_key": ["At most 64 characters."]})
        reading, created = infusion.vitals_record(
            actor=actor, session=session, idempotency_key=key or None, **data
        )
        return Response(
            s.VitalOut(reading).data, status=status.HTTP_201_CREATED if created else 200
        )


class ScoreRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record a dissociation (CADSS), sedation (MOAA/S) or post-infusion score",
        request=s.ScoreIn,
        responses={201: s.ScoreOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        score = infusion.score_record(
            actor=actor, session=session, **_valid(s.ScoreIn, request.data)
        )
        return _created(s.ScoreOut(score).data)


class AdverseEventRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record an adverse event",
        request=s.AdverseEventIn,
        responses={201: s.AdverseEventOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        event = infusion.adverse_event_record(
            actor=actor, session=session, **_valid(s.AdverseEventIn, request.data)
        )
        return _created(s.AdverseEventOut(event).data)


class DischargeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Discharge after recovery",
        description="Modified Aldrete ≥ 9 with SpO2 > 92%, escort present, instructions given; "
        "otherwise only a physician, with `override_reason`.",
        request=s.DischargeIn,
        responses={201: s.DischargeOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.DISCHARGE)
        discharge = sessions.session_discharge(
            actor=actor, session=session, **_valid(s.DischargeIn, request.data)
        )
        return _created(s.DischargeOut(discharge).data)


class SignApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Sign the session (physician); it becomes immutable",
        request=s.EmptyIn,
        responses={200: s.SessionStateOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_SIGN)
        _valid(s.EmptyIn, request.data)
        session = sessions.session_sign(actor=actor, session=session)
        return Response(_session_state(session))


class AddendumWriteApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Write an addendum to a signed session",
        request=s.AddendumIn,
        responses={201: s.AddendumOut, **_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ADDENDUM_WRITE)
        addendum = sessions.addendum_write(
            actor=actor, session=session, **_valid(s.AddendumIn, request.data)
        )
        return _created(s.AddendumOut(addendum).data)
