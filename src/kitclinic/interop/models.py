"""What a FHIR import brought in: which source resource became which record (so a second import
of the same file creates nothing), and the observations kitclinic keeps as received."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportedResource(models.Model):
    """One resource of an import file and the record it became. ``key`` is the resource's
    identifier (``system|value``), else its full URL, else ``Type/id``; a patient's is its MRN."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    resource_type = models.CharField(max_length=40)
    key = models.CharField(max_length=300)
    source_reference = models.CharField(
        max_length=300, blank=True, help_text="Type/id in the source system, for later references"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=60, help_text="The record's model label")
    record_id = models.BigIntegerField()
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "resource_type", "key"], name="imported_resource_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "resource_type", "source_reference"],
                name="imported_source_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.key} → {self.record_type} {self.record_id}"


class ReceivedObservation(models.Model):
    """An observation from another system (a vital sign, a rating's total or item) kept as it
    came: the LOINC code, the value and unit, or the answer as text."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="received_observations"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    loinc_code = models.CharField("LOINC code", max_length=10)
    display = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    unit = models.CharField("unit (UCUM)", max_length=20, blank=True)
    value_text = models.CharField(max_length=200, blank=True)
    components = models.JSONField(
        default=list, blank=True, help_text="[{code, display, value, unit}] of a panel"
    )
    effective_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["effective_at", "id"]
        indexes = [
            models.Index(
                fields=["patient", "loinc_code", "effective_at"], name="received_obs_trend"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display} ({self.effective_at:%Y-%m-%d})"
