"""Esketamine nasal-spray steps: input and output shapes (docs/esketamine.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.infusions.api.serializers.fields import amount_field
from kitclinic.infusions.api.serializers.steps import SoftOverrideIn
from kitclinic.infusions.models import BloodPressureMoment
from kitclinic.lib.api.base import StrictCharField, StrictIntegerField, StrictSerializer


class NasalOrderIn(SoftOverrideIn):
    dose_mg = amount_field("One of the protocol's fixed doses in mg (56 or 84 in the default).")


class NasalBloodPressureIn(StrictSerializer):
    sbp = StrictIntegerField(help_text="Systolic, mmHg.")
    dbp = StrictIntegerField(help_text="Diastolic, mmHg.")
    hr = StrictIntegerField(help_text="Heart rate, /min.")
    spo2 = StrictIntegerField(help_text="Pulse oximetry, %.")


class NasalOverrideIn(StrictSerializer):
    reason = StrictCharField(max_length=300)


class NasalDeviceIn(StrictSerializer):
    lot = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Lot of devices the device's mg is drawn from: logged as a dispense.",
    )


class NasalDeviceOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    dose_mg = serializers.DecimalField(max_digits=6, decimal_places=2)
    given_at = serializers.DateTimeField()
    recorded_by = UserRefOut()
    draw_entry_id = serializers.IntegerField(allow_null=True)


class NasalBloodPressureOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    moment = serializers.ChoiceField(choices=BloodPressureMoment.choices)
    taken_at = serializers.DateTimeField()
    sbp = serializers.IntegerField()
    dbp = serializers.IntegerField()
    hr = serializers.IntegerField()
    spo2 = serializers.IntegerField()
    recorded_by = UserRefOut()
    finding = serializers.DictField()
    override_reason = serializers.CharField(allow_blank=True)
    needs_physician = serializers.BooleanField()
