"""Versioned patient information sheets, as published, and the patients' consent to them.

An information-sheet version is a snapshot: the HTML the patient read, its SHA-256 and the date a
physician published it. Versions and consent records are only ever inserted (the querysets refuse
updates and deletes), so a consent always points at exactly the text that was shown. The sheets
are written by ``kitclinic.outcomes`` (they show the clinic's measured outcomes); a session checks
the consent before it starts (``kitclinic.infusions``), which is why they sit below both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.audit.append_only import AppendOnlyModel
from kitclinic.intake.eligibility import Indication

INDICATION_CHOICES = Indication.choices()


class InfoSheetVersion(AppendOnlyModel):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    indication = models.CharField(max_length=20, choices=INDICATION_CHOICES)
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of html_snapshot")
    html_snapshot = models.TextField(help_text="The sheet exactly as published; never edited")
    evidence_version = models.CharField(max_length=40)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "outcomes_infosheetversion"  # created by the outcomes app; kept
        ordering = ["indication", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "indication", "version"], name="sheet_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_indication_display()} information sheet v{self.version}"


class ConsentMethod(models.TextChoices):
    PAPER = "paper", "Signed on paper (scanned to the record)"
    ELECTRONIC = "electronic", "Signed electronically in clinic"
    VERBAL_WITNESSED = "verbal_witnessed", "Verbal, witnessed"


class ConsentRecord(AppendOnlyModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consent_records"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    sheet_version = models.ForeignKey(
        InfoSheetVersion, on_delete=models.PROTECT, related_name="consents"
    )
    signed_at = models.DateTimeField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "outcomes_consentrecord"  # created by the outcomes app; kept
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"Consent to {self.sheet_version} ({self.signed_at:%Y-%m-%d})"
