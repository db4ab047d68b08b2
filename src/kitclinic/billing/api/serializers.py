"""Input and output serializers of the billing API. Inputs check shape only; the rules (prices to
the cent, ISO 4217 currency, planned codes, timing of estimates) are the services'."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.lib.api.base import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from kitclinic.lib.bounds import validate_sane_date

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class FeeItemOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    unit_price = serializers.DecimalField(**MONEY)


class FeeScheduleOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    currency = serializers.CharField()
    effective_from = serializers.DateField()
    note = serializers.CharField()
    created_by = UserRefOut()
    created_at = serializers.DateTimeField()
    items = FeeItemOut(many=True, source="items.all")


class FeeScheduleIn(StrictSerializer):
    currency = StrictCharField(max_length=3)
    effective_from = serializers.DateField(validators=[validate_sane_date])
    prices = serializers.DictField(
        child=StrictCharField(max_length=20),
        help_text='Code to unit price as a string, e.g. {"96365": "450.00"}',
    )
    note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class EstimateOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    scheduled_on = serializers.DateField()
    requested = serializers.BooleanField()
    first_service_on = serializers.DateField()
    last_service_on = serializers.DateField()
    due_by = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    content = serializers.JSONField(help_text="The estimate as issued.")
    issued_by = UserRefOut()
    issued_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)


class EstimateIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=["iv_ketamine", "esketamine_nasal"])
    sessions = StrictIntegerField()
    minutes = StrictIntegerField(required=False, allow_null=True, default=None)
    dose_mg = StrictIntegerField(required=False, allow_null=True, default=None)
    scheduled_on = serializers.DateField(validators=[validate_sane_date])
    first_service_on = serializers.DateField(validators=[validate_sane_date])
    last_service_on = serializers.DateField(validators=[validate_sane_date])
    requested = StrictBooleanField(required=False, default=False)
    provider = StrictIntegerField(help_text="The treating physician's user id.")


class SignatureIn(StrictSerializer):
    signed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class SuperbillOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currency = serializers.CharField()
    total_charges = serializers.DecimalField(**MONEY)
    total_paid = serializers.DecimalField(**MONEY)
    content = serializers.JSONField(help_text="The superbill as issued.")
    issued_by = UserRefOut()
    issued_at = serializers.DateTimeField()


class SuperbillIn(StrictSerializer):
    period_start = serializers.DateField(validators=[validate_sane_date])
    period_end = serializers.DateField(validators=[validate_sane_date])
