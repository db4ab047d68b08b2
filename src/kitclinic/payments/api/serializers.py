"""Input and output serializers of the payments API. Inputs check shape only; the rules (what is
left to refund, who may, the clinic's currency) are the services'."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.lib.api.base import StrictCharField, StrictIntegerField, StrictSerializer
from kitclinic.lib.bounds import validate_sane_date
from kitclinic.payments.models import Kind, Method, Purpose


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class PaymentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    receipt_number = serializers.CharField(source="receipt_label")
    clinic = serializers.IntegerField(source="clinic_id")
    patient = serializers.IntegerField(source="patient_id")
    kind = serializers.ChoiceField(choices=Kind.choices)
    amount = _money(help_text="Always above 0.")
    net_amount = _money(help_text="Signed: + for a payment, − for a refund or void.")
    currency = serializers.CharField(help_text="ISO 4217.")
    method = serializers.ChoiceField(choices=Method.choices)
    reference = serializers.CharField()
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    session = serializers.IntegerField(source="session_id", allow_null=True)
    package = serializers.IntegerField(source="package_id", allow_null=True)
    refund_of = serializers.IntegerField(source="refund_of_id", allow_null=True)
    package_units = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    received_at = serializers.DateTimeField()
    received_by = UserRefOut()
    recorded_at = serializers.DateTimeField()


class PaymentIn(StrictSerializer):
    amount = _money()
    method = serializers.ChoiceField(choices=Method.choices)
    purpose = serializers.ChoiceField(
        choices=[Purpose.SESSION, Purpose.ACCOUNT], required=False, default=Purpose.ACCOUNT
    )
    session = StrictIntegerField(required=False, allow_null=True, default=None)
    reference = StrictCharField(required=False, allow_blank=True, default="", max_length=100)
    received_at = serializers.DateTimeField(
        required=False, default=None, validators=[validate_sane_date]
    )


class RefundIn(StrictSerializer):
    amount = _money()
    reason = StrictCharField(max_length=500)
    method = serializers.ChoiceField(choices=Method.choices, required=False, default="")
    received_at = serializers.DateTimeField(
        required=False, default=None, validators=[validate_sane_date]
    )


class VoidIn(StrictSerializer):
    reason = StrictCharField(max_length=500)


class PackageBalanceOut(serializers.Serializer[Any]):
    purchase = serializers.IntegerField(source="purchase.id")
    name = serializers.CharField(source="purchase.name")
    bought_at = serializers.DateTimeField(source="purchase.bought_at")
    price = _money(source="purchase.price")
    currency = serializers.CharField(source="purchase.currency")
    bought = serializers.IntegerField()
    used = serializers.IntegerField()
    given_back = serializers.IntegerField()
    remaining = serializers.IntegerField()


class TakingsIn(StrictSerializer):
    day = serializers.DateField(
        help_text="YYYY-MM-DD, clinic time.", validators=[validate_sane_date]
    )


class TotalOut(serializers.Serializer[Any]):
    method = serializers.CharField()
    currency = serializers.CharField()
    count = serializers.IntegerField()
    received = _money()
    given_back = _money()
    net = _money()


class TakingsOut(serializers.Serializer[Any]):
    day = serializers.DateField()
    entries = PaymentOut(many=True)
    totals = TotalOut(many=True)
    net = serializers.DictField(child=_money(), help_text="Net per currency.")
