"""Inputs and outputs of the audit trail's API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.audit.models import AuditAction
from kitclinic.lib.api.base import StrictCharField, StrictSerializer
from kitclinic.lib.bounds import validate_sane_date


class AuditFilterIn(StrictSerializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    actor = StrictCharField(required=False, help_text="Username of the actor.")
    mrn = StrictCharField(required=False, help_text="MRN of the patient.")
    date_from = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, inclusive.", validators=[validate_sane_date]
    )
    date_to = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, inclusive.", validators=[validate_sane_date]
    )
    # Pagination parameters travel in the same query string.
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The query string says ``from`` and ``to`` as the web page does (Python keywords, so they
        # cannot be attribute names); the validated data keeps ``date_from`` and ``date_to``.
        self.fields["from"] = self.fields.pop("date_from")
        self.fields["to"] = self.fields.pop("date_to")


class AuditEventOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = UserRefOut(allow_null=True)
    actor_role = serializers.CharField()
    clinic = serializers.IntegerField(source="clinic_id", allow_null=True)
    patient = serializers.IntegerField(source="patient_id", allow_null=True)
    patient_mrn = serializers.SerializerMethodField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    client_address = serializers.CharField(allow_null=True)
    changes = serializers.DictField()
    detail = serializers.CharField()

    def get_patient_mrn(self, event: Any) -> str | None:
        return event.patient.mrn if event.patient_id else None
