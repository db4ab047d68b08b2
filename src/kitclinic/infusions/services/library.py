"""Drug-library versions: draft (clinic admin), edit the draft one protocol or one quantity's
limits at a time, discard it, send it back with a reason or approve it (a physician who is not the
editor), retire the previous version; the system installs the shipped default as version 1.

Every edit goes through ``kitclinic.dosing.library.edit`` and the whole library is checked by
``library_from_dict``: a form edit, a pasted library and the API meet the same rules. Each edit's
audit event stores the difference it made, and the approval's the difference against the version
it replaces (``kitclinic.dosing.library.diff``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from kitclinic.dosing.library import edit as library_edit
from kitclinic.dosing.library.diff import library_diff
from kitclinic.infusions.models import DrugLibraryVersion, LibraryStatus
from kitclinic.infusions.models.library import library_fingerprint

# what a first approved version is compared with: every protocol is new
EMPTY_LIBRARY = DrugLibrary(version="", drug="", protocols=())
DEFAULT_NOTE = "Default library shipped with kitclinic, approved by the system."


def library_validate(data: Any) -> DrugLibrary:
    """The library in ``data`` or ValidationError on ``data`` naming the field path."""
    try:
        return library_from_dict(data)
    except LibraryError as error:
        raise ValidationError(
            {"data": [f"{error.field}: {error.problem}"]}, code="invalid_library"
        ) from None


def _active(organization_id: int) -> DrugLibraryVersion | None:
    return DrugLibraryVersion.objects.filter(
        organization_id=organization_id, status=LibraryStatus.APPROVED
    ).first()


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
    """A new draft (the next number), based on the organization's active version. Refused while
    the organization has a draft open (being edited or sent back): one draft at a time, so that
    two editors never prepare competing versions; finish, or discard, the open one first. A
    conditional unique constraint (``one_open_library_draft_per_org``) holds the same at the
    database."""
    actor.require(Action.LIBRARY_EDIT)
    library_validate(data)
    note = _within_length(change_note.strip(), "change_note")
    # the organization row, locked by _next_number, serialises two drafts started at once
    number = _next_number(actor.organization_id)
    open_draft = DrugLibraryVersion.objects.filter(
        organization_id=actor.organization_id, status=LibraryStatus.DRAFT
    ).first()
    if open_draft is not None:
        state = "sent back to its editor" if open_draft.sent_back_reason else "being edited"
        raise ValidationError(
            f"Draft v{open_draft.number} is still open ({state}). Only one draft at a time: "
            f"approve or discard draft v{open_draft.number} before starting another.",
            code="draft_open",
        )
    active = _active(actor.organization_id)
    version = DrugLibraryVersion.objects.create(
        organization_id=actor.organization_id,
        number=number,
        data=dict(data),
        status=LibraryStatus.DRAFT,
        based_on=active,
        change_note=note,
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
def library_approve(
    *, actor: Actor, version: DrugLibraryVersion, reviewed: str | None = None
) -> DrugLibraryVersion:
    """Make a draft the active version (retiring the current one). The approver must be a
    physician other than the draft's editor. ``reviewed``, when given, is the
    ``library_fingerprint`` of what the approver was shown; a draft edited since is refused."""
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
    new_library = library_validate(version.data)
    previous = _active(version.organization_id)
    if reviewed is not None and reviewed != library_fingerprint(version, previous):
        raise ValidationError(
            "The draft or the active version changed since this page was opened; review the "
            "difference again before approving.",
            code="stale_review",
        )
    difference = library_diff(
        previous.library() if previous else EMPTY_LIBRARY, new_library
    ).audit_changes()
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
        actor=actor,
        action=AuditAction.SIGN,
        obj=version,
        changes={"status": ["draft", "approved"], **difference},
        detail=f"approved v{version.number}"
        + (f", replacing v{previous.number}" if previous else ""),
    )
    return version


def _locked_draft(actor: Actor, version: DrugLibraryVersion) -> DrugLibraryVersion:
    version = DrugLibraryVersion.objects.select_for_update().get(pk=version.pk)
    if version.organization_id != actor.organization_id:
        raise ValidationError("This library version belongs to another organization.")
    if version.status != LibraryStatus.DRAFT:
        raise ValidationError(
            f"Version {version.number} is {version.get_status_display().lower()}, not a draft: "
            "start a new draft from the active version instead."
        )
    return version


def _draft_change(
    *,
    actor: Actor,
    version: DrugLibraryVersion,
    change: Callable[[Mapping[str, Any]], dict[str, Any]],
    detail: str,
) -> DrugLibraryVersion:
    """Apply one edit to a draft: checked whole, saved, audited with the difference it made."""
    actor.require(Action.LIBRARY_EDIT)
    version = _locked_draft(actor, version)
    before = version.library()
    try:
        data = change(version.data)
    except library_edit.LibraryEditError as error:
        message = error.message[:1].upper() + error.message[1:]
        raise ValidationError(
            {error.field or "__all__": [message]}, code="invalid_library"
        ) from None
    after = library_validate(data)
    difference = library_diff(before, after)
    version.data = data
    version._library = after
    fields = ["data"]
    if version.sent_back_reason:
        # the editor has acted on the reason; the audit trail keeps it
        version.sent_back_reason = ""
        fields.append("sent_back_reason")
    version.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        changes=difference.audit_changes(),
        detail=detail,
    )
    return version


def library_limits_edit(
    *,
    actor: Actor,
    version: DrugLibraryVersion,
    protocol_id: str,
    quantity: str,
    bounds: Mapping[str, library_edit.FigureInput],
) -> DrugLibraryVersion:
    """Replace one quantity's soft and hard limits in one protocol of a draft."""
    with transaction.atomic():
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.limits_edit(
                data, protocol_id=protocol_id, quantity=quantity, bounds=bounds
            ),
            detail=f"draft edited: {protocol_id}, {quantity}",
        )


def library_protocol_edit(
    *,
    actor: Actor,
    version: DrugLibraryVersion,
    protocol_id: str,
    details: library_edit.ProtocolDetails,
) -> DrugLibraryVersion:
    """Change a protocol's name, indication, default flag, regimen and concentrations."""
    with transaction.atomic():
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.protocol_edit(
                data, protocol_id=protocol_id, details=details
            ),
            detail=f"draft edited: {protocol_id}",
        )


def library_protocol_add(
    *,
    actor: Actor,
    version: DrugLibraryVersion,
    base_id: str,
    new_id: str,
    name: str,
    indication: str,
) -> DrugLibraryVersion:
    """Add a protocol to a draft, copied from one of its protocols."""
    with transaction.atomic():
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.protocol_add(
                data, base_id=base_id, new_id=new_id, name=name, indication=indication
            ),
            detail=f"draft edited: protocol {new_id} added (copied from {base_id})",
        )


def library_protocol_retire(
    *, actor: Actor, version: DrugLibraryVersion, protocol_id: str
) -> DrugLibraryVersion:
    """Take a protocol out of a draft (orders and courses keep the version they were made on)."""
    with transaction.atomic():
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.protocol_retire(data, protocol_id=protocol_id),
            detail=f"draft edited: protocol {protocol_id} retired",
        )


def library_protocol_restore(
    *, actor: Actor, version: DrugLibraryVersion, protocol_id: str
) -> DrugLibraryVersion:
    """Undo a draft's changes to one protocol, or put back one it retired, as in the active
    version."""
    with transaction.atomic():
        active = _active(actor.organization_id)
        if active is None:
            raise ValidationError("There is no active version to restore from.")
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.protocol_restore(
                data, source=active.data, protocol_id=protocol_id
            ),
            detail=f"draft edited: protocol {protocol_id} restored as in v{active.number}",
        )


def library_details_edit(
    *, actor: Actor, version: DrugLibraryVersion, label: str, drug: str
) -> DrugLibraryVersion:
    """Change a draft's version label and drug."""
    with transaction.atomic():
        return _draft_change(
            actor=actor,
            version=version,
            change=lambda data: library_edit.library_details_edit(data, version=label, drug=drug),
            detail="draft edited: version label and drug",
        )


@transaction.atomic
def library_draft_discard(*, actor: Actor, version: DrugLibraryVersion) -> DrugLibraryVersion:
    """Give up a draft: it is kept (its number is not reused) and never changes again."""
    actor.require(Action.LIBRARY_EDIT)
    version = _locked_draft(actor, version)
    version.status = LibraryStatus.DISCARDED
    version.discarded_at = timezone.now()
    version.save(update_fields=["status", "discarded_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        changes={"status": ["draft", "discarded"]},
        detail="draft discarded",
    )
    return version


@transaction.atomic
def library_send_back(
    *, actor: Actor, version: DrugLibraryVersion, reason: str
) -> DrugLibraryVersion:
    """Do not approve a draft: send it back to its editor with the reason (it stays a draft)."""
    actor.require(Action.LIBRARY_APPROVE)
    reason = reason.strip()
    limit = _max_length("sent_back_reason")
    if not reason:
        raise ValidationError(
            {
                "reason": [
                    f"Say what must change before the draft can be approved (1–{limit} characters)."
                ]
            }
        )
    _within_length(reason, "sent_back_reason", field="reason")
    version = _locked_draft(actor, version)
    version.sent_back_reason = reason
    version.sent_back_by = actor.user
    version.sent_back_at = timezone.now()
    version.save(update_fields=["sent_back_reason", "sent_back_by", "sent_back_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        changes={"sent_back_reason": [None, reason]},
        detail="draft sent back to its editor",
    )
    return version


def _max_length(column: str) -> int:
    """The length limit of a text column of DrugLibraryVersion: the one place it is written."""
    field = DrugLibraryVersion._meta.get_field(column)
    limit = getattr(field, "max_length", None)
    assert isinstance(limit, int), column
    return limit


def _within_length(text: str, column: str, *, field: str | None = None) -> str:
    """``text`` when it fits its column; otherwise a refusal naming the field and the limit
    (rather than cutting the text short without saying so)."""
    limit = _max_length(column)
    if len(text) > limit:
        raise ValidationError({field or column: [f"At most {limit} characters."]})
    return text
