"""The esketamine REMS records of each clinic (a healthcare setting): its certifications (history
kept: a renewal is a new row), the prescribers and patients it has enrolled, and a Patient
Monitoring Form per esketamine session, tracked until it is submitted ([spravato-rems-setting],
[spravato-rems-pmf]; docs/rems.md).

A form keeps a snapshot of the signed session as the REMS form asks for it (written once by
``kitclinic.infusions.services.rems_form``); the session is named by a string foreign key, so this
app never imports the infusions app above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kitclinic.audit.append_only import AppendOnlyModel


class Certification(AppendOnlyModel):
    """One REMS certification of a clinic as a healthcare setting. The latest recorded is the
    clinic's current one; the earlier ones stay as its history."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="rems_certifications"
    )
    certification_number = models.CharField("REMS certification number", max_length=40)
    certified_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="The last day it is valid; empty when the REMS gave none."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["clinic_id", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("certified_on")),
                name="rems_certification_expires_after_certified",
            )
        ]

    def __str__(self) -> str:
        return f"REMS certification {self.certification_number}"


class PrescriberEnrolment(models.Model):
    """A prescriber of the clinic enrolled for esketamine, from ``enrolled_on`` until the day it
    ``ended_on`` (empty: still enrolled)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rems_enrolments"
    )
    rems_prescriber_id = models.CharField("REMS prescriber id", max_length=40)
    enrolled_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["clinic_id", "-enrolled_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("enrolled_on")),
                name="rems_prescriber_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["clinic", "prescriber"],
                condition=Q(ended_on__isnull=True),
                name="rems_one_open_prescriber_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"REMS prescriber {self.rems_prescriber_id}"


class PatientEnrolment(models.Model):
    """A patient enrolled in the REMS by the clinic, from ``enrolled_on`` until the day it
    ``ended_on`` (empty: still enrolled)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="rems_enrolments"
    )
    enrolment_id = models.CharField("REMS enrolment id", max_length=40)
    enrolled_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["clinic_id", "-enrolled_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("enrolled_on")),
                name="rems_patient_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["clinic", "patient"],
                condition=Q(ended_on__isnull=True),
                name="rems_one_open_patient_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"REMS patient enrolment {self.enrolment_id}"


class MonitoringForm(models.Model):
    """The Patient Monitoring Form of one esketamine session: the session's record as the REMS
    form asks for it (``snapshot``, written once when the session is signed), and its submission
    to the REMS, recorded by staff (``submitted_on`` with the REMS confirmation number)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    session = models.OneToOneField(
        "infusions.InfusionSession", on_delete=models.PROTECT, related_name="rems_form"
    )
    session_date = models.DateField(help_text="The treatment date, in the clinic's time zone.")
    due_on = models.DateField(help_text="The last day to submit: session date + the REMS window.")
    snapshot = models.JSONField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True)
    confirmation_number = models.CharField(max_length=60, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["clinic", "due_on"], name="rems_form_clinic_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_on__isnull=True, confirmation_number="")
                | Q(submitted_on__isnull=False) & ~Q(confirmation_number=""),
                name="rems_form_submitted_with_confirmation",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("session_date")),
                name="rems_form_due_after_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient Monitoring Form of session {self.session_id}"
