"""Drug-library versions: the whole library as the JSON of ``kitclinic.dosing.library_to_dict``.

A version is drafted by a clinic admin, approved (made active) by a physician other than its
editor, and retired when a later version is approved. Exactly one approved version per
organization (a partial unique constraint). Approved and retired versions are immutable: every
order keeps the version it was checked against (Q1).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from kitclinic.dosing import DrugLibrary, library_from_dict


class LibraryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved (active)"
    RETIRED = "retired", "Retired"


class DrugLibraryVersion(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="drug_libraries"
    )
    number = models.PositiveIntegerField()
    data = models.JSONField(help_text="kitclinic.dosing.library_to_dict of the whole library")
    status = models.CharField(
        max_length=10, choices=LibraryStatus.choices, default=LibraryStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_note = models.CharField(max_length=300, blank=True)
    # created_by / approved_by are empty for the version the system installs (the default)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="library_number_unique_per_org"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="approved"),
                name="one_active_library_per_org",
            ),
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored_status = self.status if self.pk else None

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.status
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._stored_status = self.status

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Once approved, only the move to retired may be written (the data never changes).
        if self._stored_status in (LibraryStatus.APPROVED, LibraryStatus.RETIRED):
            if set(kwargs.get("update_fields") or ()) != {"status", "retired_at"}:
                raise ValueError("An approved drug-library version cannot be changed.")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def approved_by_system(self) -> bool:
        return self.status != LibraryStatus.DRAFT and self.approved_by_id is None

    def library(self) -> DrugLibrary:
        """The validated library (parsed once per instance)."""
        cached = getattr(self, "_library", None)
        if cached is None:
            cached = self._library = library_from_dict(self.data)
        return cached

    def __str__(self) -> str:
        return f"Drug library v{self.number} ({self.get_status_display()})"
