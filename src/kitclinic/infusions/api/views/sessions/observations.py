"""Bedside observations: vitals (idempotent per reading), scores, adverse events."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.records import (
    AdverseEventOut,
    ScoreOut,
    VitalOut,
)
from kitclinic.infusions.api.serializers.steps import (
    AdverseEventIn,
    ScoreIn,
    VitalsIn,
)
from kitclinic.infusions.api.views.common import (
    IDEMPOTENCY_HEADER,
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.services.infusion import observations
from kitclinic.lib.api.base import api_schema, validated


class VitalsRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record one slot's vitals (monitor integrations: send an Idempotency-Key)",
        description="201 when recorded, 200 with the stored reading when the same key was "
        "already used for the same reading (a retry). 409 when the slot was already recorded "
        '("already recorded by X at HH:MM"; nothing is overwritten) or the key was used for '
        "another reading. Threshold alerts are in `alerts`.",
        parameters=[IDEMPOTENCY_HEADER],
        request=VitalsIn,
        responses={201: VitalOut, 200: VitalOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        # vitals_record locks and re-reads the session with what it needs
        session = access_session(actor, session_id, Action.INFUSION_RUN, related=())
        actor = actor.at_clinic(session.clinic_id)
        data = validated(VitalsIn, request.data)
        header = request.headers.get("Idempotency-Key", "").strip()
        body_key = data.pop("idempotency_key").strip()
        if header and body_key and header != body_key:
            raise ValidationError(
                {"idempotency_key": ["Differs from the Idempotency-Key header; send one key."]}
            )
        key = header or body_key
        if len(key) > 64:
            raise ValidationError({"idempotency_key": ["At most 64 characters."]})
        reading, created = observations.vitals_record(
            actor=actor, session=session, idempotency_key=key or None, **data
        )
        return Response(VitalOut(reading).data, status=status.HTTP_201_CREATED if created else 200)


class ScoreRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record a dissociation (CADSS), sedation (MOAA/S) or post-infusion score",
        request=ScoreIn,
        responses={201: ScoreOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        score = observations.score_record(
            actor=actor, session=session, **validated(ScoreIn, request.data)
        )
        return created_response(ScoreOut(score).data)


class AdverseEventRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record an adverse event",
        request=AdverseEventIn,
        responses={201: AdverseEventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        event = observations.adverse_event_record(
            actor=actor, session=session, **validated(AdverseEventIn, request.data)
        )
        return created_response(AdverseEventOut(event).data)
