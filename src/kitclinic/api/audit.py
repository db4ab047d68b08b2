"""The audit trail, for clinic admins and auditors."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.api import serializers as s
from kitclinic.api.base import ApiPagination, ApiView, ErrorOut, api_schema
from kitclinic.audit.selectors import AuditFilter, audit_events_for

PaginatedAuditEventOut = s.paginated(s.AuditEventOut)


class AuditEventListApi(ApiView):
    @api_schema(
        operation_id="v1_audit_events_list",
        tag="audit",
        summary="The organization's audit events, newest first",
        parameters=[s.AuditFilterIn],
        responses={200: PaginatedAuditEventOut, 400: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.AUDIT_VIEW)
        query = s.AuditFilterIn(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        flt = query.validated_data
        events = audit_events_for(
            actor,
            AuditFilter(
                action=flt.get("action", ""),
                actor_username=flt.get("actor", "").strip(),
                patient_mrn=flt.get("mrn", "").strip(),
                date_from=flt.get("date_from"),
                date_to=flt.get("date_to"),
            ),
        )
        paginator = ApiPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(s.AuditEventOut(page, many=True).data)
