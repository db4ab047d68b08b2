"""Drug-library versions: the whole library as the JSON of ``kitclinic.dosing.library_to_dict``.

A version is drafted by a clinic admin, approved (made active) by a physician other than its
editor, and retired when a later version is approved. A physician may send a draft back with a
reason (it stays an editable draft); its editor may discard it (kept, never changed again). Exactly one approved version per
organization (a partial unique constraint). Approved and retired versions are immutable: every
order keeps the version it was checked against (Q1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db import models

from kitclinic.dosing import DrugLibrary, library_from_dict

# Parsed libraries of approved and retired versions (immutable, see the module docstring), so
# that a vitals post or a rate change does not validate the whole library JSON again. Keyed by
# (pk, created_at): a primary key alone can come back after a rolled-back transaction (SQLite).
_PARSED_MAX = 32
_parsed: OrderedDict[tuple[int, dt.datetime], DrugLibrary] = OrderedDict()
_parsed_lock = threading.Lock()


def _cached_library(key: tuple[int, dt.datetime]) -> DrugLibrary | None:
    with _parsed_lock:
        found = _parsed.get(key)
        if found is not None:
            _parsed.move_to_end(key)
        return found


def _remember_library(key: tuple[int, dt.datetime], library: DrugLibrary) -> None:
    with _parsed_lock:
        _parsed[key] = library
        _parsed.move_to_end(key)
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)


def approved_library(version_id: int, created_at: dt.datetime) -> DrugLibrary:
    """The parsed library of an approved or retired version, without loading its JSON when it
    was parsed before in this process (an order's version: ``library_version_id`` and
    ``library_version__created_at``)."""
    found = _cached_library((version_id, created_at))
    if found is None:
        found = DrugLibraryVersion.objects.get(pk=version_id).library()
    return found


def library_fingerprint(version: DrugLibraryVersion, active: DrugLibraryVersion | None) -> str:
    """What an approver reviewed: the draft's data and the version it would replace. Approving
    with a fingerprint that no longer matches is refused (the draft was edited meanwhile)."""
    content = json.dumps(
        {"draft": version.data, "active": active.pk if active else None}, sort_keys=True
    )
    return hashlib.sha256(content.encode()).hexdigest()


class LibraryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved (active)"
    RETIRED = "retired", "Retired"
    DISCARDED = "discarded", "Discarded draft"


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
    # a physician who does not approve the draft sends it back to its editor with a reason;
    # the draft stays editable and the reason shows until the draft is edited again
    sent_back_reason = models.CharField(max_length=300, blank=True)
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_back_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

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
            # one draft at a time (a sent-back draft is still a draft): services refuse a second
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="draft"),
                name="one_open_library_draft_per_org",
            ),
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a row read from the database (Model.from_db builds it through __init__) has its pk:
        # the status as stored is what save() guards
        self._stored_status = self.status if self.pk else None

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._stored_status = self.status

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Once approved, only the move to retired may be written (the data never changes); a
        # discarded draft is never written again.
        if self._stored_status == LibraryStatus.DISCARDED:
            raise ValueError("A discarded drug-library draft cannot be changed.")
        if self._stored_status in (LibraryStatus.APPROVED, LibraryStatus.RETIRED):
            if set(kwargs.get("update_fields") or ()) != {"status", "retired_at"}:
                raise ValueError("An approved drug-library version cannot be changed.")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == LibraryStatus.DRAFT

    @property
    def approved_by_system(self) -> bool:
        return self.status != LibraryStatus.DRAFT and self.approved_by_id is None

    def library(self) -> DrugLibrary:
        """The validated library (parsed once per instance; once per process for an approved or
        retired version, whose data never changes)."""
        cached: DrugLibrary | None = getattr(self, "_library", None)
        if cached is not None:
            return cached
        immutable = self.pk is not None and self._stored_status in (
            LibraryStatus.APPROVED,
            LibraryStatus.RETIRED,
        )
        key = (self.pk, self.created_at)
        if immutable:
            cached = _cached_library(key)
        if cached is None:
            cached = library_from_dict(self.data)
            if immutable:
                _remember_library(key, cached)
        self._library = cached
        return cached

    def __str__(self) -> str:
        return f"Drug library v{self.number} ({self.get_status_display()})"
