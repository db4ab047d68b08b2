"""Input and output serializers of the controlled-substance API. Inputs check shape only; the
rules (balance, expiry, witness, quantities above zero) are the services'."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.lib.api.base import StrictCharField, StrictIntegerField, StrictSerializer
from kitclinic.lib.bounds import validate_sane_date
from kitclinic.substances.models import MG, Drug, EntryKind


class LotOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="lot.id")
    drug = serializers.CharField(source="lot.drug")
    schedule = serializers.CharField(source="lot.schedule")
    strength_mg_per_ml = serializers.DecimalField(source="lot.strength_mg_per_ml", **MG)
    vial_volume_ml = serializers.DecimalField(source="lot.vial_volume_ml", **MG)
    mg_per_vial = serializers.DecimalField(source="lot.mg_per_vial", **MG)
    supplier = serializers.CharField(source="lot.supplier")
    lot_number = serializers.CharField(source="lot.lot_number")
    expiry_date = serializers.DateField(source="lot.expiry_date")
    expired = serializers.BooleanField()
    received_vials = serializers.IntegerField(source="lot.received_vials")
    received_from_clinic = serializers.IntegerField(
        source="lot.received_from_clinic_id", allow_null=True
    )
    balance_mg = serializers.DecimalField(**MG, help_text="Computed from the lot's entries.")
    balance_vials = serializers.DecimalField(max_digits=12, decimal_places=2)


class EntryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    clinic = serializers.IntegerField(source="clinic_id")
    lot = serializers.IntegerField(source="lot_id")
    lot_number = serializers.CharField(source="lot.lot_number")
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    quantity_mg = serializers.DecimalField(**MG, help_text="The amount, always above 0.")
    change_mg = serializers.DecimalField(**MG, help_text="Signed effect on the lot's balance.")
    vials = serializers.IntegerField(allow_null=True)
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = UserRefOut()
    witness = UserRefOut(allow_null=True)
    reason = serializers.CharField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    transfer_pair = serializers.IntegerField(source="transfer_pair_id", allow_null=True)
    resolves = serializers.IntegerField(source="resolves_id", allow_null=True)


class EntryFilterIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=EntryKind.choices, required=False)
    lot = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, clinic time.", validators=[validate_sane_date]
    )
    date_to = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, inclusive.", validators=[validate_sane_date]
    )
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)


class ReceiptIn(StrictSerializer):
    drug = serializers.ChoiceField(choices=Drug.choices, required=False, default=Drug.KETAMINE_HCL)
    strength_mg_per_ml = serializers.DecimalField(**MG)
    vial_volume_ml = serializers.DecimalField(**MG)
    vials = StrictIntegerField(help_text="Whole vials received.")
    supplier = StrictCharField(max_length=200)
    lot_number = StrictCharField(max_length=60)
    expiry_date = serializers.DateField()
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    reason = StrictCharField(required=False, allow_blank=True, default="")


class DispenseIn(StrictSerializer):
    lot = StrictIntegerField(help_text="Id of a lot of the acting clinic.")
    quantity_mg = serializers.DecimalField(**MG, help_text="Amount given, above 0.")
    session = StrictIntegerField(help_text="Id of an infusion session of the acting clinic.")
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    reason = StrictCharField(required=False, allow_blank=True, default="")


class WasteIn(StrictSerializer):
    lot = StrictIntegerField(help_text="Id of a lot of the acting clinic.")
    quantity_mg = serializers.DecimalField(**MG, help_text="Amount wasted, above 0.")
    witness = StrictIntegerField(
        allow_null=True,
        help_text="User id of the witness: another physician or nurse of the acting clinic.",
    )
    reason = StrictCharField()
    session = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Infusion session, if any."
    )
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
