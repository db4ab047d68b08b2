"""Drug-library versions: draft (clinic admin), approve (a physician who is not the editor),
retire the previous version; the system installs the shipped default as version 1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Organization
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing import DrugLibrary, LibraryError, default_library, library_from_dict
from kitclinic.dosing import library_to_dict as _library_to_dict
from kitclinic.infusions.models import DrugLibraryVersion, LibraryStatus

DEFAULT_NOTE = "Default library shipped with kitclinic, approved by the system."


def library_validate(data: Any) -> DrugLibrary:
    """The library in ``data`` or ValidationError on ``data`` naming the field path."""
    try:
        return library_from_dict(data)
    except LibraryError as error:
        raise ValidationError(
            {"data": [f"{error.field}: {error.problem}"]}, code="invalid_library"
        ) from None


def _next_number(organization_id: int) -> int:
    # The organization row serialises concurrent drafts and approvals of one organization.
    Organization.objects.select_for_update().get(pk=organization_id)
    current = DrugLibraryVersion.objects.filter(organization_id=organization_id).aggregate(
        n=Max("number")
    )["n"]
    return (current or 0) + 1


@transaction.atomic
def library_install_default(*, organization_id: int) -> DrugLibraryVersion:
    """Version 1 from ``default_library()``, approved by the system, if the organization has no
    library yet; otherwise its active version (or latest) is returned unchanged."""
    Organization.objects.select_for_update().get(pk=organization_id)
    existing = DrugLibraryVersion.objects.filter(organization_id=organization_id).first()
    if existing is not None:
        active = DrugLibraryVersion.objects.filter(
            organization_id=organization_id, status=LibraryStatus.APPROVED
        ).first()
        return active or existing
    now = timezone.now()
    version = DrugLibraryVersion.objects.create(
        organization_id=organization_id,
        number=1,
        data=_library_to_dict(default_library()),
        status=LibraryStatus.APPROVED,
        change_note=DEFAULT_NOTE,
        created_at=now,
        approved_at=now,
    )
    audit_record(
        actor=None,
        organization_id=organization_id,
        action=AuditAction.CREATE,
        obj=version,
        changes={"status": [None, version.status], "number": [None, 1]},
        detail="installed by the system",
    )
    return version


@transaction.atomic
def library_draft_create(
    *, actor: Actor, data: Mapping[str, Any], change_note: str = ""
) -> DrugLibraryVersion:
    """A new draft (the next number), based on the organization's active version."""
    actor.require(Action.LIBRARY_EDIT)
    library_validate(data)
    number = _next_number(actor.organization_id)
    active = DrugLibraryVersion.objects.filter(
        organization_id=actor.organization_id, status=LibraryStatus.APPROVED
    ).first()
    version = DrugLibraryVersion.objects.create(
        organization_id=actor.organization_id,
        number=number,
        data=dict(data),
        status=LibraryStatus.DRAFT,
        based_on=active,
        change_note=change_note.strip()[:300],
        created_by=actor.user,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=version,
        changes={"status": [None, "draft"], "number": [None, number]},
    )
    return version


@transaction.atomic
def library_draft_update(
    *, actor: Actor, version: DrugLibraryVersion, data: Mapping[str, Any], change_note: str = ""
) -> DrugLibraryVersion:
    actor.require(Action.LIBRARY_EDIT)
    version = DrugLibraryVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != LibraryStatus.DRAFT:
        raise ValidationError("Only a draft can be edited; start a new draft instead.")
    library_validate(data)
    version.data = dict(data)
    version.change_note = change_note.strip()[:300]
    version.save(update_fields=["data", "change_note"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=version, detail="draft edited")
    return version


@transaction.atomic
def library_approve(*, actor: Actor, version: DrugLibraryVersion) -> DrugLibraryVersion:
    """Make a draft the active version (retiring the current one). The approver must be a
    physician other than the draft's editor."""
    actor.require(Action.LIBRARY_APPROVE)
    _next_number(version.organization_id)  # lock the organization
    version = DrugLibraryVersion.objects.select_for_update().get(pk=version.pk)
    if version.organization_id != actor.organization_id:
        raise ValidationError("This library version belongs to another organization.")
    if version.status != LibraryStatus.DRAFT:
        raise ValidationError(f"Version {version.number} is {version.status}, not a draft.")
    if version.created_by_id == actor.user.pk:
        raise ValidationError(
            "A library version must be approved by a physician other than its editor."
        )
    library_validate(version.data)
    now = timezone.now()
    for current in DrugLibraryVersion.objects.select_for_update().filter(
        organization_id=version.organization_id, status=LibraryStatus.APPROVED
    ):
        current.status = LibraryStatus.RETIRED
        current.retired_at = now
        current.save(update_fields=["status", "retired_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=current,
            changes={"status": ["approved", "retired"]},
        )
    version.status = LibraryStatus.APPROVED
    version.approved_by = actor.user
    version.approved_at = now
    version.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor, action=AuditAction.SIGN, obj=version, changes={"status": ["draft", "approved"]}
    )
    return version
