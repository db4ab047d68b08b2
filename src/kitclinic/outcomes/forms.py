"""Input shapes for the outcomes pages; the rules live in services."""

from __future__ import annotations

from django import forms

from kitclinic.accounts.models import User
from kitclinic.consent.models import ConsentMethod
from kitclinic.intake.eligibility import Indication
from kitclinic.outcomes.labs import Analyte

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class LabResultForm(forms.Form):
    analyte = forms.ChoiceField(choices=Analyte.choices)
    value = forms.DecimalField(max_digits=10, decimal_places=3, help_text="As on the lab report.")
    unit = forms.CharField(
        max_length=20, help_text="UCUM unit, exactly as configured for the analyte."
    )
    collected_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class ConsentForm(forms.Form):
    sheet_version = forms.IntegerField(widget=forms.HiddenInput)
    signed_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    method = forms.ChoiceField(choices=ConsentMethod.choices)
    witnessed_by = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, witnesses=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if witnesses is not None:
            self.fields["witnessed_by"].queryset = witnesses


class DashboardFilterForm(forms.Form):
    instrument = forms.ChoiceField(
        choices=[
            ("phq9", "PHQ-9"),
            ("qids_sr16", "QIDS-SR16"),
            ("madrs", "MADRS"),
            ("gad7", "GAD-7"),
        ],
        required=False,
    )
    indication = forms.ChoiceField(
        choices=[("", "All"), *Indication.choices()],
        required=False,
    )
    protocol = forms.ChoiceField(choices=[("", "All")], required=False)
    clinician = forms.TypedChoiceField(
        choices=[("", "All")], required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(required=False, widget=DATE_INPUT, label="Courses planned from")
    date_to = forms.DateField(required=False, widget=DATE_INPUT, label="to")

    def __init__(self, *args, protocols=(), clinicians=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [("", "All")] + [(p, p) for p in protocols]
        self.fields["clinician"].choices = [("", "All")] + [(str(i), n) for i, n in clinicians]
