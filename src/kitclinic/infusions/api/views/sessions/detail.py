"""The session as the API reads it: the record with its schedule and timeline, and the sign-off
summary (both audited reads)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.records import (
    SessionDetailOut,
    SessionSummaryOut,
)
from kitclinic.infusions.api.views.common import (
    NOT_FOUND,
    TAG_SESSION,
    InfusionApiView,
)
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.selectors.summary import session_summary
from kitclinic.lib.api.base import api_schema


class SessionRetrieveApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="A session with its record, vitals schedule and timeline (audited read)",
        responses={200: SessionDetailOut, **NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.CLINICAL_VIEW)
        actor = actor.at_clinic(session.clinic_id)
        return Response(SessionDetailOut(session_detail(actor, session)).data)


class SessionSummaryRetrieveApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="The sign-off summary (audited read)",
        description="Ordered against delivered dose (mg, mg/kg, mL), running time, the stop "
        "reason, peak blood-pressure rise over the baseline, highest CADSS, adverse events, the "
        "drug drawn and wasted, and what is outstanding (the sign-off is refused while "
        "`outstanding_mg` > 0).",
        responses={200: SessionSummaryOut, **NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.CLINICAL_VIEW)
        actor = actor.at_clinic(session.clinic_id)
        return Response(SessionSummaryOut(session_summary(actor, session)).data)
