"""Input shapes for the outcomes pages; the rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from kitclinic.accounts.models import User
from kitclinic.consent.models import ConsentMethod
from kitclinic.intake.eligibility import Indication
from kitclinic.outcomes.labels import SCALE_LABELS
from kitclinic.outcomes.labs import Analyte
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter

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

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        witnesses: QuerySet[User] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        if witnesses is not None:
            # declared above as a ModelChoiceField; the form's copy keeps its class
            cast(forms.ModelChoiceField[User], self.fields["witnessed_by"]).queryset = witnesses


class DashboardFilterForm(forms.Form):
    instrument = forms.ChoiceField(choices=list(SCALE_LABELS.items()), required=False)
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

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        protocols: Sequence[str] = (),
        clinicians: Sequence[tuple[int, str]] = (),
    ) -> None:
        super().__init__(data)
        # both declared above as choice fields; the form's copies keep their class
        protocol = cast(forms.ChoiceField, self.fields["protocol"])
        protocol.choices = [("", "All")] + [(p, p) for p in protocols]
        clinician = cast(forms.TypedChoiceField, self.fields["clinician"])
        clinician.choices = [("", "All")] + [(str(i), n) for i, n in clinicians]

    def outcome_filter(self) -> OutcomeFilter:
        """The filter the valid form asks for; the default (PHQ-9, everything) otherwise."""
        if not (self.is_bound and self.is_valid()):
            return OutcomeFilter()
        d = self.cleaned_data
        return OutcomeFilter(
            instrument=d["instrument"] or OutcomeFilter.instrument,
            indication=d["indication"] or "",
            protocol=d["protocol"] or "",
            clinician_id=d["clinician"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
