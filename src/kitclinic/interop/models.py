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


REQUEST_URL_MAX_LENGTH = 2000


class BulkExportStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BulkExport(models.Model):
    """One FHIR Bulk Data export (``GET /fhir/$export``): who asked, for which organization,
    with which filters, and how far the task that writes it has got. Its NDJSON files live on
    disk under ``KITCLINIC_FHIR_EXPORT_DIR/<key>/`` and are deleted with the export (a cancel);
    the row stays, as the audit trail names it."""

    # The status and file URLs carry this key, not the row id: nothing to count or guess.
    key = models.UUIDField(unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The role the export was asked with: the task acts and audits as it.
    membership = models.ForeignKey(
        "accounts.StaffMembership", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=10, help_text="system ($export) or patient")
    status = models.CharField(
        max_length=20, choices=BulkExportStatus.choices, default=BulkExportStatus.ACCEPTED
    )
    types = models.JSONField(default=list, blank=True, help_text="_type: [] means every type")
    since = models.DateTimeField(null=True, blank=True, help_text="_since")
    request_url = models.CharField(max_length=REQUEST_URL_MAX_LENGTH)
    created_at = models.DateTimeField()
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    patients_total = models.PositiveIntegerField(default=0)
    patients_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="bulk_export_org_status")]

    def __str__(self) -> str:
        return f"FHIR bulk export {self.key} ({self.status})"


class BulkExportFile(models.Model):
    """One NDJSON file of a completed export: one resource type, its line count."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    count = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["resource_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "resource_type"], name="bulk_export_file_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson ({self.count})"
