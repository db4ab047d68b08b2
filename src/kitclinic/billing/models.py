"""Billing records: the clinic's fee schedules (versioned, never changed), its billing identity
and its physicians' NPIs, the Good Faith Estimates issued and the superbills printed.

Estimates and superbills keep what they said (``content``: the lines, prices, names and numbers
as issued), so a document printed again reads as it did the day it was issued, whatever changes
later in the chart or the fee schedule.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from kitclinic.audit.append_only import AppendOnlyModel

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class FeeSchedule(AppendOnlyModel):
    """One version of a clinic's prices. A new version supersedes the one before from its
    ``effective_from`` date; versions are never edited or deleted, so a bill priced from one can
    always be priced again the same way."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. USD")
    effective_from = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="fee_schedule_version")
        ]

    def __str__(self) -> str:
        return f"Fee schedule v{self.version} from {self.effective_from}"


class FeeScheduleItem(AppendOnlyModel):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(max_length=5)
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="fee_schedule_item_code"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="fee_schedule_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.unit_price}"


class BillingIdentity(models.Model):
    """What a clinic's bills say about it: the billing name, its organization NPI, its tax id
    (EIN) and the service address."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="billing_identity"
    )
    billing_name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10)
    tax_id = models.CharField("Tax id (EIN)", max_length=10)
    address = models.TextField(max_length=300)
    phone = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.billing_name


class ProviderNumber(models.Model):
    """A rendering provider's individual NPI (a physician of the organization)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    npi = models.CharField("NPI", max_length=10)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="provider_npi_once")
        ]

    def __str__(self) -> str:
        return f"NPI {self.npi}"


class GoodFaithEstimate(models.Model):
    """A Good Faith Estimate as issued ([nsa-gfe]). A new estimate for the patient supersedes the
    previous one (``supersedes``); only the patient's signature is recorded on it afterwards."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "infusions.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    number = models.PositiveIntegerField(help_text="1 for the patient's first estimate, ...")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    fee_schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="+")
    scheduled_on = models.DateField(help_text="when the care was scheduled or the estimate asked")
    requested = models.BooleanField(default=False)
    first_service_on = models.DateField()
    last_service_on = models.DateField()
    due_by = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY)
    content = models.JSONField(help_text="the estimate as issued: lines, names, numbers, notes")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="estimate_number")
        ]

    def __str__(self) -> str:
        return f"Good Faith Estimate {self.number} of patient {self.patient_id}"


class Superbill(AppendOnlyModel):
    """A superbill as printed: the patient's signed sessions of a period, priced."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    total_charges = models.DecimalField(**MONEY)
    total_paid = models.DecimalField(**MONEY)
    content = models.JSONField(help_text="the superbill as issued")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Superbill {self.period_start} to {self.period_end} of patient {self.patient_id}"
