"""The end of a session (discharge, sign-off, addenda) and the ways out before the start (cancel,
no-show)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.courses import AppointmentOut
from kitclinic.infusions.api.serializers.fields import EmptyIn
from kitclinic.infusions.api.serializers.records import (
    AddendumOut,
    DischargeOut,
    SessionStateOut,
)
from kitclinic.infusions.api.serializers.steps import (
    AddendumIn,
    DischargeIn,
    NoShowIn,
    ReasonIn,
)
from kitclinic.infusions.api.views.common import (
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
    session_state_out,
)
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import addendum_write, session_sign
from kitclinic.lib.api.base import api_schema, validated


class SessionDischargeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Discharge after recovery",
        description="Criteria: modified Aldrete ≥ 9 with SpO2 > 92%, escort present, "
        "instructions given, and the protocol's minimum observation time since the infusion "
        "ended. Each criterion not met is a soft finding: only a physician may discharge, with "
        "a reason per finding in `override_reasons` (400 on `override_<code>`: "
        "discharge_aldrete_not_met, discharge_no_escort, discharge_no_instructions, "
        "discharge_observation_short) and a second clinician's user id in `cosigner`.",
        request=DischargeIn,
        responses={201: DischargeOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.DISCHARGE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(DischargeIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        discharge = session_discharge(actor=actor, session=session, cosigner=cosigner, **data)
        return created_response(DischargeOut(discharge).data)


class SessionSignApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Sign the session (physician); it becomes immutable",
        request=EmptyIn,
        responses={200: SessionStateOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_SIGN)
        actor = actor.at_clinic(session.clinic_id)
        validated(EmptyIn, request.data)
        session = session_sign(actor=actor, session=session)
        return Response(session_state_out(session))


class AddendumWriteApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Write an addendum to a signed session",
        request=AddendumIn,
        responses={201: AddendumOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ADDENDUM_WRITE)
        actor = actor.at_clinic(session.clinic_id)
        addendum = addendum_write(
            actor=actor, session=session, **validated(AddendumIn, request.data)
        )
        return created_response(AddendumOut(addendum).data)


class SessionCancelApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Cancel a scheduled or checked-in session, with the reason",
        description="Frees the chair and the patient's time; the session is kept as cancelled "
        "(no number in the course, no infusion given) and the course's later sessions move up "
        "one number. A checked-in session is cancelled by a nurse or physician (`session."
        "check_in`), a scheduled one by anyone who books (`appointment.book`).",
        request=ReasonIn,
        responses={200: AppointmentOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(ReasonIn, request.data)
        appointment = scheduling.appointment_cancel(
            actor=actor, appointment=session.appointment, reason=data["reason"]
        )
        return Response(AppointmentOut(appointment).data)


class SessionNoShowApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record that the patient did not come (a scheduled session, from its start time)",
        description="The session becomes a no-show (counted apart from cancels), the chair and "
        "the patient's time are free and the course's later sessions move up one number. "
        "Before the appointment's start it is refused (400): cancel instead.",
        request=NoShowIn,
        responses={200: AppointmentOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(NoShowIn, request.data)
        appointment = scheduling.session_no_show(actor=actor, session=session, note=data["note"])
        return Response(AppointmentOut(appointment).data)
