"""REST API v1 of the assessments app (mounted under /api/v1/ by api_urls.py): assessments
(answers in, scores out), self-report links (the token is returned once) and safety alerts.

Same permission rules as the pages: the actor from the request, patients through
access_patient, alerts through access_alert, writes through the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.accounts.roles import Action
from kitclinic.assessments import selectors
from kitclinic.assessments.access import access_alert
from kitclinic.assessments.models import (
    RECORDABLE_INSTRUMENTS,
    SELF_REPORT_INSTRUMENTS,
    Assessment,
    LinkMode,
    Mode,
)
from kitclinic.assessments.services import alerts, assessments, links
from kitclinic.audit.reads import read_record, worklist_record
from kitclinic.lib.api.base import (
    LIMIT_PARAMETERS,
    ApiPagination,
    StrictCharField,
    StrictSerializer,
    api_schema,
    paginated,
)
from kitclinic.patients.access import access_patient

TAG = "assessments"

# --- serializers ------------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field):
    """One item answer: a JSON integer, or null for an item the form lets the patient skip."""

    def to_internal_value(self, data: object) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Each answer must be an integer or null.")
        return data

    def to_representation(self, value: object) -> object:
        return value


class AssessmentIn(StrictSerializer):
    instrument = serializers.ChoiceField(choices=list(RECORDABLE_INSTRUMENTS))
    answers = serializers.ListField(
        child=AnswerField(allow_null=True),
        allow_empty=True,
        help_text="Item answers in item order (item 1 first); the server scores them.",
    )
    administered_at = serializers.DateTimeField(help_text="ISO 8601 with zone; not in the future.")
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.IN_CLINIC)


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    instrument = serializers.CharField()
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    administered_at = serializers.DateTimeField()
    administered_by = UserRefOut(allow_null=True, help_text="null for a patient's self-report")
    mode = serializers.CharField()
    total = serializers.SerializerMethodField()
    severity = serializers.CharField(allow_blank=True)
    severity_label = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField())
    scoring_settings = serializers.DictField(help_text="Instrument settings the score used")
    self_report_link = serializers.IntegerField(source="self_report_link_id", allow_null=True)

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_total(self, obj: Assessment) -> float:
        return obj.total_value


class LinkIn(StrictSerializer):
    instrument = serializers.ChoiceField(choices=list(SELF_REPORT_INSTRUMENTS))


class LinkOut(serializers.Serializer):
    id = serializers.IntegerField(source="link.id")
    patient = serializers.IntegerField(source="link.patient_id")
    instrument = serializers.CharField(source="link.instrument")
    issued_at = serializers.DateTimeField(source="link.issued_at")
    expires_at = serializers.DateTimeField(source="link.expires_at")
    token = serializers.CharField(help_text="Shown only in this response; only a hash is stored.")
    url = serializers.CharField(help_text="The patient's questionnaire address.")


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    assessment = serializers.IntegerField(source="assessment_id")
    flag = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = UserRefOut(allow_null=True)
    acknowledgement_note = serializers.CharField(allow_blank=True)


class AcknowledgeIn(StrictSerializer):
    note = StrictCharField(max_length=2000, help_text="Required: what was done.")


PaginatedAssessmentOut = paginated(AssessmentOut)
PaginatedAlertOut = paginated(AlertOut)

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
        responses={200: PaginatedAssessmentOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
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
        return paginator.get_paginated_response(AssessmentOut(page, many=True).data)


class AssessmentCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record an assessment (the server scores it)",
        description="Answers in, scores out. A flagged answer (e.g. PHQ-9 item 9 >= 1) raises a "
        "safety alert in the same transaction. Bad answers: 400 naming the item and the allowed "
        "values; nothing is stored.",
        request=AssessmentIn,
        responses={201: AssessmentOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.ASSESSMENT_RECORD)
        data = AssessmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = assessments.assessment_record(
            actor=actor, patient=patient, **data.validated_data
        )
        return Response(AssessmentOut(assessment).data, status=status.HTTP_201_CREATED)


class LinkIssueApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Issue a single-use self-report link",
        description="The token is in this response only; the server keeps its SHA-256. The link "
        "is emailed when the patient has an address, with a reminder if still unused later.",
        request=LinkIn,
        responses={201: LinkOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.SELF_REPORT_LINK_ISSUE)
        data = LinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = links.link_issue(
            actor=actor,
            patient=patient,
            instrument=data.validated_data["instrument"],
            mode=LinkMode.SELF_REPORT,
        )
        out = {"link": issued.link, "token": issued.token, "url": issued.url}
        return Response(LinkOut(out).data, status=status.HTTP_201_CREATED)


class AlertListApi(ApiView):
    @api_schema(
        operation_id="v1_alerts_list",
        tag=TAG,
        summary="Open safety alerts of the acting clinic, oldest first",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedAlertOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        queue = selectors.open_alerts(actor)
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        worklist_record(actor, what="alerts", patient_ids=[a.patient_id for a in page or []])
        return paginator.get_paginated_response(AlertOut(page, many=True).data)


class AlertAcknowledgeApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Acknowledge a safety alert with a note",
        request=AcknowledgeIn,
        responses={200: AlertOut},
        patient=True,
    )
    def post(self, request: Request, alert_id: int) -> Response:
        actor = self.actor(request)
        alert = access_alert(actor, alert_id, Action.ALERT_ACKNOWLEDGE)
        actor = actor.at_clinic(alert.clinic_id)
        data = AcknowledgeIn(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alerts.alert_acknowledge(actor=actor, alert=alert, note=data.validated_data["note"])
        return Response(AlertOut(alert).data)
