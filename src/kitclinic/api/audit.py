"""The audit trail, for clinic admins and auditors."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.api import serializers as s
from kitclinic.lib.api.base import ApiPagination, ErrorOut, api_schema, paginated, validated
from kitclinic.pages.audit_trail import AuditFilter, audit_events_for, audit_search_record

PaginatedAuditEventOut = paginated(s.AuditEventOut)


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
        data = validated(s.AuditFilterIn, request.query_params.dict())
        flt = AuditFilter(
            action=data.get("action", ""),
            actor_username=data.get("actor", "").strip(),
            patient_mrn=data.get("mrn", "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        paginator = ApiPagination()
        page = paginator.paginate_queryset(audit_events_for(actor, flt), request, view=self)
        audit_search_record(actor, flt, results=paginator.total, shown=page or [])
        return paginator.get_paginated_response(s.AuditEventOut(page, many=True).data)
