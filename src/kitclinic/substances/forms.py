"""Browser forms for the controlled-substance log. Shape only; the rules live in services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, User
from kitclinic.lib.bounds import validate_sane_date
from kitclinic.substances.models import MG, Drug, EntryKind, ReconciliationLine, SubstanceLot
from kitclinic.substances.selectors import (
    EntryFilter,
    LotBalance,
    clinic_zone,
    eligible_witnesses,
    organization_clinics,
)
from kitclinic.substances.sessions import session_source

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WitnessChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})"


class _EntryForm(forms.Form):
    """Common fields: when it happened (clinic time; empty = now) and the actor's clinic."""

    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Clinic time. Leave empty for now.",
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_occurred_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("occurred_at")
        if value is None:
            return None
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value.replace(tzinfo=clinic_zone(self.actor.clinic))


class _LotForm(_EntryForm):
    lot = forms.ChoiceField(label="Lot")

    def __init__(self, *args: Any, lots: list[LotBalance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # declared above as a ChoiceField; the form's copy keeps its class
        cast(forms.ChoiceField, self.fields["lot"]).choices = [("", "— choose —")] + [
            (
                str(b.lot.pk),
                f"{b.lot.lot_number} · {b.lot.strength_mg_per_ml.normalize():f} mg/mL × "
                f"{b.lot.vial_volume_ml.normalize():f} mL · {b.balance_mg.normalize():f} mg left"
                f" · exp. {b.lot.expiry_date:%Y-%m-%d}{' (EXPIRED)' if b.expired else ''}",
            )
            for b in lots
        ]


def _with_witness(form: forms.Form, actor: Actor, *, required: bool = True) -> None:
    form.fields["witness"] = WitnessChoiceField(
        queryset=eligible_witnesses(actor.clinic, exclude=actor.user),
        required=required,
        help_text="Another physician or nurse of this clinic, present when it happened.",
    )


class ReceiptForm(_EntryForm):
    drug = forms.ChoiceField(choices=Drug.choices)
    strength_mg_per_ml = forms.DecimalField(
        label="Strength (mg/mL)", min_value=Decimal("0.001"), **MG
    )
    vial_volume_ml = forms.DecimalField(label="Vial volume (mL)", min_value=Decimal("0.001"), **MG)
    vials = forms.IntegerField(label="Vials received", min_value=1)
    supplier = forms.CharField(max_length=200)
    lot_number = forms.CharField(max_length=60)
    expiry_date = forms.DateField(widget=DATE_INPUT)
    reason = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example the invoice or packing-slip number.",
    )

    field_order = [
        "drug",
        "strength_mg_per_ml",
        "vial_volume_ml",
        "vials",
        "supplier",
        "lot_number",
        "expiry_date",
        "occurred_at",
        "reason",
    ]


class SessionChoiceField(forms.ModelChoiceField[models.Model]):
    def label_from_instance(self, obj: models.Model) -> str:
        return session_source().facts(obj).label


def _with_session(form: forms.Form, actor: Actor, *, required: bool) -> None:
    """The infusion sessions of the acting clinic a dispense or waste may name (sessions.py)."""
    form.fields["session"] = SessionChoiceField(
        label="Infusion session",
        required=required,
        queryset=session_source().offered(clinic_id=actor.membership.clinic_id),
    )


class DispenseForm(_LotForm):
    quantity_mg = forms.DecimalField(label="Quantity given (mg)", **MG)
    reason = forms.CharField(label="Notes", required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_session(self, self.actor, required=True)
        self.order_fields(["lot", "session", "quantity_mg", "occurred_at", "reason"])


class WasteForm(_LotForm):
    quantity_mg = forms.DecimalField(label="Quantity wasted (mg)", **MG)
    reason = forms.CharField(
        widget=forms.Textarea({"rows": 2}),
        help_text="For example: remainder of the drawn syringe, discarded into the sink.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_session(self, self.actor, required=False)
        _with_witness(self, self.actor)
        self.order_fields(["lot", "session", "quantity_mg", "witness", "occurred_at", "reason"])


class TransferForm(_LotForm):
    to_clinic = forms.ChoiceField(label="To clinic")
    vials = forms.IntegerField(label="Whole vials", min_value=1)
    reason = forms.CharField(label="Notes", required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # declared above as a ChoiceField; the form's copy keeps its class
        cast(forms.ChoiceField, self.fields["to_clinic"]).choices = [("", "— choose —")] + [
            (str(c.pk), c.name) for c in organization_clinics(self.actor)
        ]

    def clean_to_clinic(self) -> Clinic:
        """The chosen clinic itself (one of those offered: the organization's other clinics)."""
        clinic = organization_clinics(self.actor).filter(pk=self.cleaned_data["to_clinic"]).first()
        if clinic is None:
            raise forms.ValidationError("Choose a clinic of your organization.")
        return clinic


class AdjustForm(_LotForm):
    change_mg = forms.DecimalField(
        label="Change (mg)",
        help_text="Negative when less is there than the book says, positive when more.",
        **MG,
    )
    reason = forms.CharField(
        widget=forms.Textarea({"rows": 3}), help_text="What the count found and why."
    )

    def __init__(
        self, *args: Any, resolving: ReconciliationLine | None = None, **kwargs: Any
    ) -> None:
        if resolving is not None:
            # resolving a count line: its lot, and its discrepancy as the change
            kwargs["initial"] = {"lot": resolving.lot_id, "change_mg": resolving.discrepancy_mg}
        super().__init__(*args, **kwargs)
        _with_witness(self, self.actor)


class ReconciliationForm(_EntryForm):
    """One pair of fields per lot: full vials and the remaining mL of an opened vial."""

    HEADER_FIELDS = ("occurred_at", "witness", "notes")  # shown above the table of lots
    notes = forms.CharField(required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, lots: list[LotBalance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].label = "Counted at"
        self.lots = lots
        for b in lots:
            self.fields[f"lot_{b.lot.pk}_vials"] = forms.IntegerField(
                label=f"Lot {b.lot.lot_number}: full vials", min_value=0
            )
            self.fields[f"lot_{b.lot.pk}_partial_ml"] = forms.DecimalField(
                label=f"Lot {b.lot.lot_number}: mL left in an opened vial",
                min_value=Decimal(0),
                required=False,
                **MG,
            )
        _with_witness(self, self.actor, required=False)
        self.order_fields([*self.HEADER_FIELDS])

    @property
    def header_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.HEADER_FIELDS]

    def service_error(self, error: ValidationError) -> ValidationError:
        """The service's error with each lot's count on the form's field: the service names it
        ``lot_<id>``, the form holds it in ``lot_<id>_vials``."""
        return ValidationError(
            {
                (f"{key}_vials" if f"{key}_vials" in self.fields else key): messages
                for key, messages in error.message_dict.items()
            }
        )

    def counts_mg(self) -> dict[SubstanceLot, Decimal]:
        counts = {}
        for b in self.lots:
            vials = self.cleaned_data[f"lot_{b.lot.pk}_vials"]
            partial = self.cleaned_data.get(f"lot_{b.lot.pk}_partial_ml") or Decimal(0)
            mg = b.lot.mg_per_vial * vials + b.lot.strength_mg_per_ml * partial
            counts[b.lot] = mg.quantize(Decimal("0.001"))
        return counts

    def lot_rows(self) -> list[tuple[LotBalance, forms.BoundField, forms.BoundField]]:
        return [
            (b, self[f"lot_{b.lot.pk}_vials"], self[f"lot_{b.lot.pk}_partial_ml"])
            for b in self.lots
        ]


class ReportForm(forms.Form):
    date_from = forms.DateField(label="From", widget=DATE_INPUT, validators=[validate_sane_date])
    date_to = forms.DateField(label="To", widget=DATE_INPUT, validators=[validate_sane_date])
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Must be on or after the start date.")
        return data


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any"), *EntryKind.choices], required=False)
    lot = forms.IntegerField(required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=DATE_INPUT, validators=[validate_sane_date]
    )
    date_to = forms.DateField(
        label="To", required=False, widget=DATE_INPUT, validators=[validate_sane_date]
    )

    def entry_filter(self) -> EntryFilter:
        """The filter asked for; no filter when the form is empty or invalid."""
        if not self.is_valid():
            return EntryFilter()
        data = self.cleaned_data
        return EntryFilter(
            kind=data["kind"] or "",
            lot_id=data["lot"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
