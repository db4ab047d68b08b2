"""REST API v1 of the assessments app (mounted under /api/v1/ by api/urls.py): assessments
(answers in, scores out), self-report links (the token is returned once) and safety alerts.

Same permission rules as the pages: the actor from the request, patients through
access_patient, alerts through access_alert, writes through the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.assessments import selectors
from kitclinic.assessments.access import access_alert
from kitclinic.assessments.api import serializers as s
from kitclinic.assessments.models import (
    Assessment,
    LinkMode,
)
from kitclinic.assessments.services import alerts, assessments, links
from kitclinic.audit.reads import read_record, worklist_record
from kitclinic.lib.api.base import (
    LIMIT_PARAMETERS,
    ApiPagination,
    api_schema,
    validated,
)
from kitclinic.patients.access import access_patient

TAG = "assessments"

# --- operations -------------------------------------------------------------------------------


class AssessmentListApi(ApiView):
    @api_schema(
        operation_id="v1_assessments_list",
        tag=TAG,
        summary="A patient's assessments, oldest first",
        parameters=[
            OpenApiParameter("instrument", OpenApiTypes.STR, description="Only this scale."),
            *LIMIT_PARAMETERS,
        ],
        responses={200: s.PaginatedAssessmentOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = (
            Assessment.objects.filter(patient=patient)
            .select_related("administered_by")
            .order_by("administered_at", "id")
        )
        if instrument := request.query_params.get("instrument"):
            rows = rows.filter(instrument=instrument)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        # Answers include the suicidality item: a read is audited like the chart and intake lists.
        read_record(actor, patient.pk, patient, "api: assessments")
        return paginator.get_paginated_response(s.AssessmentOut(page, many=True).data)


class AssessmentCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record an assessment (the server scores it)",
        description="Answers in, scores out. A flagged answer (e.g. PHQ-9 item 9 >= 1) raises a "
        "safety alert in the same transaction. Bad answers: 400 naming the item and the allowed "
        "values; nothing is stored.",
        request=s.AssessmentIn,
        responses={201: s.AssessmentOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.ASSESSMENT_RECORD)
        data = validated(s.AssessmentIn, request.data)
        assessment = assessments.assessment_record(actor=actor, patient=patient, **data)
        return Response(s.AssessmentOut(assessment).data, status=status.HTTP_201_CREATED)


class LinkIssueApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Issue a single-use self-report link",
        description="The token is in this response only; the server keeps its SHA-256. The link "
        "is emailed when the patient has an address, with a reminder if still unused later.",
        request=s.LinkIn,
        responses={201: s.LinkOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.SELF_REPORT_LINK_ISSUE)
        data = validated(s.LinkIn, request.data)
        issued = links.link_issue(
            actor=actor,
            patient=patient,
            instrument=data["instrument"],
            mode=LinkMode.SELF_REPORT,
        )
        out = {"link": issued.link, "token": issued.token, "url": issued.url}
        return Response(s.LinkOut(out).data, status=status.HTTP_201_CREATED)


class AlertListApi(ApiView):
    @api_schema(
        operation_id="v1_alerts_list",
        tag=TAG,
        summary="Open safety alerts of the acting clinic, oldest first",
        parameters=LIMIT_PARAMETERS,
        responses={200: s.PaginatedAlertOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        queue = selectors.open_alerts(actor)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        worklist_record(actor, what="alerts", patient_ids=[a.patient_id for a in page or []])
        return paginator.get_paginated_response(s.AlertOut(page, many=True).data)


class AlertAcknowledgeApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Acknowledge a safety alert with a note",
        request=s.AcknowledgeIn,
        responses={200: s.AlertOut},
        patient=True,
    )
    def post(self, request: Request, alert_id: int) -> Response:
        actor = self.actor(request)
        alert = access_alert(actor, alert_id, Action.ALERT_ACKNOWLEDGE)
        actor = actor.at_clinic(alert.clinic_id)
        data = validated(s.AcknowledgeIn, request.data)
        alert = alerts.alert_acknowledge(actor=actor, alert=alert, note=data["note"])
        return Response(s.AlertOut(alert).data)
