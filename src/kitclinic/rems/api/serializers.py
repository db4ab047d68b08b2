"""Input and output serializers of the REMS API. Inputs check shape only; the rules (a physician
of the clinic, one open enrolment, dates not ahead of today, a form submitted once) are the
services'."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.lib.api.base import StrictCharField, StrictIntegerField, StrictSerializer
from kitclinic.lib.bounds import validate_sane_date


def _date(help_text: str, *, required: bool = True) -> serializers.DateField:
    return serializers.DateField(
        help_text=help_text, required=required, validators=[validate_sane_date]
    )


class PrescriberEnrolmentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    clinic = serializers.IntegerField(source="clinic_id")
    prescriber = UserRefOut()
    rems_prescriber_id = serializers.CharField()
    enrolled_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()


class PrescriberEnrolIn(StrictSerializer):
    prescriber = StrictIntegerField(min_value=1, help_text="The physician's user id.")
    rems_prescriber_id = StrictCharField(max_length=40)
    enrolled_on = _date("YYYY-MM-DD, not after today.")


class PatientEnrolmentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    clinic = serializers.IntegerField(source="clinic_id")
    patient = serializers.IntegerField(source="patient_id")
    mrn = serializers.CharField(source="patient.mrn")
    enrolment_id = serializers.CharField()
    enrolled_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()


class PatientEnrolIn(StrictSerializer):
    patient = StrictIntegerField(min_value=1)
    enrolment_id = StrictCharField(max_length=40)
    enrolled_on = _date("YYYY-MM-DD, not after today.")


class EnrolmentEndIn(StrictSerializer):
    ended_on = _date("YYYY-MM-DD: from this day on the enrolment no longer holds.")
    end_reason = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class FormOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="form.id")
    clinic = serializers.IntegerField(source="form.clinic_id")
    patient = serializers.IntegerField(source="form.patient_id")
    session = serializers.IntegerField(source="form.session_id")
    session_date = serializers.DateField(source="form.session_date")
    due_on = serializers.DateField(source="form.due_on")
    status = serializers.ChoiceField(choices=["submitted", "overdue", "due_soon", "open"])
    submitted_on = serializers.DateField(source="form.submitted_on", allow_null=True)
    submitted_late = serializers.BooleanField(source="late")
    confirmation_number = serializers.CharField(source="form.confirmation_number")
    submitted_by = UserRefOut(source="form.submitted_by", allow_null=True)


class FormDetailOut(FormOut):
    snapshot = serializers.JSONField(source="form.snapshot")


class FormFilterIn(StrictSerializer):
    show = serializers.ChoiceField(
        choices=["attention", "open", "submitted", "all"], required=False, default="attention"
    )


class SubmissionIn(StrictSerializer):
    submitted_on = _date("YYYY-MM-DD: the day it was submitted to the REMS.")
    confirmation_number = StrictCharField(max_length=60)


class ReportIn(StrictSerializer):
    date_from = _date("YYYY-MM-DD: first session date.")
    date_to = _date("YYYY-MM-DD: last session date (inclusive).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return attrs


class ReportOut(serializers.Serializer[Any]):
    clinic = serializers.CharField(source="clinic_name")
    certification = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    totals = serializers.SerializerMethodField()
    forms = FormOut(source="rows", many=True)

    def get_totals(self, report: Any) -> list[dict[str, Any]]:
        return [{"label": label, "count": n} for label, n in report.totals]
