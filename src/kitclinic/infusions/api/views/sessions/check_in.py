"""Check-in and its correction before the order."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.records import (
    CheckInCorrectionOut,
    CheckInOut,
)
from kitclinic.infusions.api.serializers.steps import (
    CheckInCorrectionIn,
    CheckInIn,
)
from kitclinic.infusions.api.views.common import (
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.services.corrections import check_in_correct
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.services.sessions.check_in import CheckInData, session_check_in
from kitclinic.lib.api.base import api_schema, validated


class SessionCheckInApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check the patient in",
        description="Confirmations; the patient's recorded consent to the indication's current "
        "information sheet (400 on `consent` without one: a new sheet version asks for consent "
        "again); today's measured weight in kg, judged against the last accepted weight and the "
        "median of the recent ones (a change above the protocol's limit: re-weigh, then "
        "`override_reasons` {code: reason} and a `cosigner`, the second clinician's user id; "
        "such a weight is not a reference for later weights); pregnancy status where relevant; "
        "baseline vitals gated by the protocol and the pre-infusion rating.",
        request=CheckInIn,
        responses={201: CheckInOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(CheckInIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        check_in = session_check_in(
            actor=actor, session=session, data=CheckInData(**data, cosigner=cosigner)
        )
        return created_response(CheckInOut(check_in).data)


class CheckInCorrectApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Correct the check-in before the order (nurse, physician)",
        description="A correction, not an edit: the check-in stays as recorded and the "
        "correction (the corrected `weight_kg` and/or `pregnancy_status`, the `reason`, who and "
        "when) is added beside it; the order is checked against the latest correction. A "
        "corrected weight is judged like a check-in weight (soft findings: `override_reasons` "
        "and `cosigner`). Only while checked in (409 once ordered).",
        request=CheckInCorrectionIn,
        responses={201: CheckInCorrectionOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(CheckInCorrectionIn, request.data)
        correction = check_in_correct(
            actor=actor,
            session=session,
            reason=data["reason"],
            weight_kg=data["weight_kg"],
            pregnancy_status=data["pregnancy_status"],
            override_reasons=data["override_reasons"],
            cosigner=cosigner_from_id(session.clinic, data["cosigner"]),
        )
        return created_response(CheckInCorrectionOut(correction).data)
