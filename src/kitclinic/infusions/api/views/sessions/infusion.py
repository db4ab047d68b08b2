"""The pump: start (with the controlled-substance draw), pause, resume, rate change, stop, and the
witnessed waste of what was drawn but not given."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.records import (
    EventOut,
)
from kitclinic.infusions.api.serializers.steps import (
    RateChangeIn,
    ReasonIn,
    RemainderWasteIn,
    ResumeIn,
    StartIn,
    StopIn,
)
from kitclinic.infusions.api.views.common import (
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.lib.api.base import api_schema, validated
from kitclinic.substances.access import access_lot
from kitclinic.substances.selectors import eligible_witnesses


class SessionStartApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Start the infusion at the ordered rate (after the double check)",
        description="With `lot`, the controlled-substance draw of the ordered amount is logged "
        "against that lot (a dispense to this session) in the same transaction; a lot of "
        "another clinic is a 404, an expired or short lot a 400 on `lot`.",
        request=StartIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        lot_id = validated(StartIn, request.data)["lot"]
        lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
        event = pump.infusion_start(actor=actor, session=session, lot=lot)
        return created_response(EventOut(event).data)


class SessionPauseApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Pause the infusion (with a reason)",
        request=ReasonIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(ReasonIn, request.data)
        event = pump.infusion_pause(actor=actor, session=session, **data)
        return created_response(EventOut(event).data)


class SessionResumeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Resume a paused infusion at the last rate",
        request=ResumeIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(ResumeIn, request.data)
        event = pump.infusion_resume(actor=actor, session=session, **data)
        return created_response(EventOut(event).data)


class RateChangeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Change the pump rate (under the one soft-limit rule)",
        description="The new rate is checked against the protocol's rate limits and the total "
        "infusion time it implies (time run so far + the order's VTBI left at the new rate) "
        "against its duration limits; the pump never gives more than ordered. A hard finding, "
        "or the ordered volume already in, is a 400 on `rate_ml_per_h`; each soft finding needs "
        "a reason in `override_reasons` (400 on `override_<code>`) and a second clinician's "
        "user id in `cosigner`. The findings, overrides and plan are in the event's `detail`.",
        request=RateChangeIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(RateChangeIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        event = pump.infusion_rate_change(actor=actor, session=session, cosigner=cosigner, **data)
        return created_response(EventOut(event).data)


class SessionStopApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Stop the infusion; recovery begins",
        description="What the pump delivered (replayed from its events) is stored on the stop "
        "event (`detail`: delivered and ordered mL and mg, `complete`, `stop_reason`) and the "
        "session. When the ordered dose is not in, `stop_reason` and `reason` are required "
        "(400 naming them and the amounts). With `waste_witness` after a draw logged at the "
        "start, what was drawn but not given is recorded as witnessed waste in the same "
        "transaction; otherwise it must be wasted (`waste/`) before sign-off.",
        request=StopIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(StopIn, request.data)
        witness = None
        if data["waste_witness"] is not None:
            witness = eligible_witnesses(actor.clinic).filter(pk=data["waste_witness"]).first()
            if witness is None:  # unknown ids get the same answer as users without a role here
                raise ValidationError(
                    {"waste_witness": ["The witness must be a physician or nurse of this clinic."]}
                )
        event = stop.infusion_stop(
            actor=actor,
            session=session,
            reason=data["reason"],
            stop_reason=data["stop_reason"],
            waste_witness=witness,
        )
        return created_response(EventOut(event).data)


class RemainderWasteApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Waste what was drawn for the session but not given (witnessed)",
        description="After the stop and before sign-off: the remainder (drawn − delivered − "
        "already wasted) is booked back against the draw and wasted in front of `witness` "
        "(a physician or nurse of the clinic, not the caller). 400 when nothing is left to "
        "waste or the witness is not eligible.",
        request=RemainderWasteIn,
        responses={201: EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SUBSTANCE_DISPENSE)
        actor = actor.at_clinic(session.clinic_id)
        witness_id = validated(RemainderWasteIn, request.data)["witness"]
        witness = eligible_witnesses(actor.clinic).filter(pk=witness_id).first()
        if witness is None:
            raise ValidationError(
                {"witness": ["The witness must be a physician or nurse of this clinic."]}
            )
        event = stop.remainder_waste(actor=actor, session=session, witness=witness)
        return created_response(EventOut(event).data)
