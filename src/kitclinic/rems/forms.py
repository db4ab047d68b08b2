"""Browser forms of the REMS pages. Shape only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Role
from kitclinic.lib.bounds import validate_plain_text, validate_sane_date

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        validators=[validate_sane_date],
        help_text=help_text,
    )


class CertificationForm(forms.Form):
    certification_number = forms.CharField(
        label="REMS certification number", max_length=40, validators=[validate_plain_text]
    )
    certified_on = _date("Certified on")
    expires_on = _date(
        "Expires on",
        required=False,
        help_text="The last day it is valid, as the REMS states it. Empty if it gave none.",
    )


class PhysicianChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})"


class PrescriberEnrolForm(forms.Form):
    prescriber = PhysicianChoiceField(queryset=User.objects.none(), label="Prescriber")
    rems_prescriber_id = forms.CharField(
        label="REMS prescriber id", max_length=40, validators=[validate_plain_text]
    )
    enrolled_on = _date("Enrolled on")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["prescriber"]
        assert isinstance(field, PhysicianChoiceField)  # noqa: S101  # declared above
        field.queryset = (
            User.objects.filter(
                memberships__clinic=clinic,
                memberships__is_active=True,
                memberships__role=Role.PHYSICIAN.value,
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )


class PatientEnrolForm(forms.Form):
    mrn = forms.CharField(
        label="Patient MRN", max_length=32, validators=[validate_plain_text],
        help_text="The patient's medical record number in this organization.",
    )  # fmt: skip
    enrolment_id = forms.CharField(
        label="REMS enrolment id", max_length=40, validators=[validate_plain_text]
    )
    enrolled_on = _date("Enrolled on")


class EnrolmentEndForm(forms.Form):
    ended_on = _date("Ended on", help_text="From this day on the enrolment no longer holds.")
    end_reason = forms.CharField(
        label="Reason", max_length=300, required=False, validators=[validate_plain_text]
    )


class SubmitForm(forms.Form):
    submitted_on = _date("Submitted on")
    confirmation_number = forms.CharField(
        label="REMS confirmation number", max_length=60, validators=[validate_plain_text]
    )


class FormFilterForm(forms.Form):
    show = forms.ChoiceField(
        choices=[
            ("attention", "Overdue and due soon"),
            ("open", "Not yet submitted"),
            ("submitted", "Submitted"),
            ("all", "All"),
        ],
        required=False,
    )


class ReportForm(forms.Form):
    date_from = _date("From")
    date_to = _date("To")
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Must be on or after the start date.")
        return data
