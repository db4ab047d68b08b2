"""Recording a patient's consent to a published information sheet."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership, User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.consent.models import ConsentMethod, ConsentRecord, InfoSheetVersion
from kitclinic.patients.models import Patient


def consent_record(
    *,
    actor: Actor,
    patient: Patient,
    sheet_version: InfoSheetVersion,
    signed_at: dt.datetime,
    method: str,
    witnessed_by: User,
) -> ConsentRecord:
    """Record that ``patient`` consented after reading exactly ``sheet_version``."""
    actor.require(Action.CONSENT_RECORD)
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": "This patient belongs to another organization."})
    errors: dict[str, str] = {}
    if sheet_version.organization_id != actor.organization_id:
        errors["sheet_version"] = "This information sheet belongs to another organization."
    if method not in ConsentMethod.values:
        errors["method"] = f"Unknown method; allowed: {', '.join(ConsentMethod.values)}."
    now = timezone.now()
    if signed_at is None:
        errors["signed_at"] = "Enter when the patient signed."
    elif signed_at > now:
        errors["signed_at"] = "The signing time is in the future."
    elif signed_at < sheet_version.published_at.replace(second=0, microsecond=0):
        # Signing times are entered to the minute; the minute of publication itself is allowed.
        errors["signed_at"] = (
            f"Version {sheet_version.version} was published on "
            f"{timezone.localtime(sheet_version.published_at):%Y-%m-%d %H:%M}; the patient "
            "cannot have signed it before then."
        )
    if not StaffMembership.objects.filter(
        user=witnessed_by, clinic__organization_id=actor.organization_id, is_active=True
    ).exists():
        errors["witnessed_by"] = "The witness must be a staff member of this organization."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = ConsentRecord(
            patient=patient,
            clinic=actor.clinic,
            sheet_version=sheet_version,
            signed_at=signed_at,
            method=method,
            witnessed_by=witnessed_by,
            recorded_by=actor.user,
            recorded_at=now,
        )
        record.full_clean()
        record.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            patient=patient,
            changes={
                "sheet_version": [None, sheet_version.pk],
                "indication": [None, sheet_version.indication],
                "version": [None, sheet_version.version],
                "content_hash": [None, sheet_version.content_hash],
                "signed_at": [None, signed_at],
                "method": [None, method],
                "witnessed_by": [None, witnessed_by.pk],
            },
        )
    return record
