"""Browser forms of the esketamine nasal-spray steps (shape only; the rules are the services')."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from kitclinic.dosing.overrides import REASON_MAX_CHARS
from kitclinic.dosing.units import format_number


class NasalOrderForm(forms.Form):
    dose_mg = forms.TypedChoiceField(label="Dose", coerce=Decimal)
    override_reason = forms.CharField(
        label="Reason for going on despite a soft finding (if any)",
        max_length=REASON_MAX_CHARS,
        required=False,
    )
    cosigner = forms.ChoiceField(label="Co-signed now by", required=False)

    def __init__(
        self,
        *args: Any,
        doses_mg: Sequence[Decimal],
        mg_per_device: Decimal,
        cosigners: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dose_mg"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                format_number(d, 2),
                f"{format_number(d, 2)} mg ({int(d / mg_per_device)} devices)",
            )
            for d in doses_mg
        ]
        cosigner = self.fields["cosigner"]
        assert isinstance(cosigner, forms.ChoiceField)
        cosigner.choices = cosigners


class NasalBloodPressureForm(forms.Form):
    sbp = forms.IntegerField(label="Systolic (mmHg)")
    dbp = forms.IntegerField(label="Diastolic (mmHg)")
    hr = forms.IntegerField(label="Heart rate (/min)")
    spo2 = forms.IntegerField(label="SpO2 (%, pulse oximetry)")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why dosing goes ahead", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeviceForm(forms.Form):
    lot = forms.IntegerField(required=False)
