"""Input and output serializers of the assessments API: shape only; scoring and the rules are the
services'."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.assessments.models import (
    RECORDABLE_INSTRUMENTS,
    SELF_REPORT_INSTRUMENTS,
    Assessment,
    Mode,
)
from kitclinic.lib.api.base import (
    StrictCharField,
    StrictSerializer,
    paginated,
)


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field[int | None, object, int | None, Any]):
    """One item answer: a JSON integer, or null for an item the form lets the patient skip."""

    def to_internal_value(self, data: object) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Each answer must be an integer or null.")
        return data

    def to_representation(self, value: int | None) -> int | None:
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


class AssessmentOut(serializers.Serializer[Any]):
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


class LinkOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="link.id")
    patient = serializers.IntegerField(source="link.patient_id")
    instrument = serializers.CharField(source="link.instrument")
    issued_at = serializers.DateTimeField(source="link.issued_at")
    expires_at = serializers.DateTimeField(source="link.expires_at")
    token = serializers.CharField(help_text="Shown only in this response; only a hash is stored.")
    url = serializers.CharField(help_text="The patient's questionnaire address.")


class AlertOut(serializers.Serializer[Any]):
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
