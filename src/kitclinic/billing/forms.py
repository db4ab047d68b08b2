"""Browser forms of the billing pages. Shape only; the rules are the services'
(``kitclinic.billing.services``)."""

from __future__ import annotations

from typing import Any

from django import forms

from kitclinic.accounts.models import User
from kitclinic.billing.selectors import PRICED_CODES
from kitclinic.billing_codes import CODE_DESCRIPTORS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KIND_CHOICES = [
    ("iv_ketamine", "IV ketamine infusion"),
    ("esketamine_nasal", "Esketamine nasal spray"),
]


class FeeScheduleForm(forms.Form):
    currency = forms.CharField(max_length=3, initial="USD", help_text="ISO 4217, e.g. USD")
    effective_from = forms.DateField(widget=DATE_INPUT, help_text="Today or later.")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in PRICED_CODES:
            self.fields[f"price_{code}"] = forms.CharField(
                label=f"{code} — {CODE_DESCRIPTORS[code]}",
                required=False,
                max_length=20,
                help_text="Unit price, e.g. 450.00; empty: not offered.",
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    def prices(self) -> dict[str, str | None]:
        return {code: self.cleaned_data.get(f"price_{code}") or None for code in PRICED_CODES}


class BillingIdentityForm(forms.Form):
    billing_name = forms.CharField(max_length=200, label="Billing name")
    npi = forms.CharField(max_length=12, label="Organization NPI (type 2)")
    tax_id = forms.CharField(max_length=12, label="Tax id (EIN)", help_text="NN-NNNNNNN")
    address = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 3}), label="Service address"
    )
    phone = forms.CharField(max_length=40, required=False)


class ProviderNpiForm(forms.Form):
    """One NPI field per physician (``npi_<user id>``)."""

    def __init__(self, *args: Any, physicians: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for physician in physicians:
            self.fields[f"npi_{physician.pk}"] = forms.CharField(
                label=str(physician), required=False, max_length=12, help_text="10 digits"
            )

    def values(self) -> dict[int, str]:
        return {
            int(name.removeprefix("npi_")): value or ""
            for name, value in self.cleaned_data.items()
            if name.startswith("npi_")
        }


class EstimateForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="Treatment", widget=forms.RadioSelect)
    sessions = forms.IntegerField(label="Planned sessions", min_value=1)
    minutes = forms.IntegerField(
        label="Minutes of each infusion", required=False, help_text="IV ketamine, e.g. 40"
    )
    dose_mg = forms.IntegerField(label="Esketamine dose (mg)", required=False, help_text="56 or 84")
    provider = forms.TypedChoiceField(label="Treating physician", coerce=int)
    scheduled_on = forms.DateField(widget=DATE_INPUT, label="Scheduled (or asked) on")
    requested = forms.BooleanField(required=False, label="The patient asked for the estimate")
    first_service_on = forms.DateField(widget=DATE_INPUT, label="First session on")
    last_service_on = forms.DateField(widget=DATE_INPUT, label="Last session on")

    def __init__(self, *args: Any, physicians: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(p.pk, str(p)) for p in physicians]


class SignatureForm(forms.Form):
    confirm = forms.BooleanField(label="The patient has signed the printed estimate")


class SuperbillForm(forms.Form):
    period_start = forms.DateField(widget=DATE_INPUT, label="From")
    period_end = forms.DateField(widget=DATE_INPUT, label="To")
