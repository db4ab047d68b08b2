"""Browser forms for payments. Shape only; the rules live in services."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.lib.bounds import validate_sane_date
from kitclinic.payments.models import (
    CURRENCY_CHOICES,
    Method,
    PackageRefundRule,
    PackageType,
    Purpose,
)
from kitclinic.payments.selectors import package_types, sessions_of

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _amount(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2)


def _received_at() -> forms.DateTimeField:
    return forms.DateTimeField(
        label="Received",
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Clinic time. Leave empty for now.",
    )


class _ClinicTimeForm(forms.Form):
    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_received_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("received_at")
        if value is None:
            return None
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value.replace(tzinfo=self.actor.clinic.zone)


class PaymentForm(_ClinicTimeForm):
    amount = _amount("Amount")
    method = forms.ChoiceField(label="Paid by", choices=Method.choices)
    purpose = forms.ChoiceField(
        label="For",
        choices=[(Purpose.SESSION, "An infusion session"), (Purpose.ACCOUNT, "On account")],
        initial=Purpose.ACCOUNT,
    )
    session = forms.TypedChoiceField(label="Session", coerce=int, required=False, empty_value=None)
    reference = forms.CharField(
        label="Reference", required=False, max_length=100, help_text="Card slip, cheque number."
    )
    received_at = _received_at()

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.actor.clinic.zone
        # A session is named by its date and place in the course: scheduling facts, no record.
        choices: list[tuple[object, str]] = [("", "— none —")]
        for s in sessions_of(patient_id, self.actor.clinic.pk)[:50]:
            starts = s.appointment.starts_at.astimezone(zone)
            choices.append((s.pk, f"{starts:%Y-%m-%d %H:%M} · session {s.number}"))
        cast(forms.TypedChoiceField, self.fields["session"]).choices = choices


class PackageBuyForm(_ClinicTimeForm):
    package_type = forms.ModelChoiceField(label="Package", queryset=PackageType.objects.none())
    method = forms.ChoiceField(label="Paid by", choices=Method.choices)
    reference = forms.CharField(label="Reference", required=False, max_length=100)
    received_at = _received_at()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["package_type"]
        field.queryset = package_types(self.actor.clinic, active_only=True)  # type: ignore[attr-defined]


class RefundForm(_ClinicTimeForm):
    amount = _amount("Amount to give back")
    method = forms.ChoiceField(label="Given back by", choices=Method.choices)
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
    received_at = _received_at()


class PackageRefundForm(_ClinicTimeForm):
    method = forms.ChoiceField(label="Given back by", choices=Method.choices)
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
    received_at = _received_at()


class VoidForm(_ClinicTimeForm):
    reason = forms.CharField(
        label="Why it was recorded in error",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
    )
    received_at = _received_at()


class SettingsForm(forms.Form):
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES)
    package_refund_rule = forms.ChoiceField(
        label="Package refund rule", choices=PackageRefundRule.choices
    )


class PackageTypeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    sessions = forms.IntegerField(label="Sessions", min_value=1, max_value=50)
    price = _amount("Price")


class TakingsForm(forms.Form):
    day = forms.DateField(label="Day", widget=DATE_INPUT, validators=[validate_sane_date])
    format = forms.ChoiceField(
        choices=[("", "page"), ("csv", "CSV"), ("pdf", "PDF")], required=False
    )
