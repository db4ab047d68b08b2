"""Fetching a patient for the FHIR REST door, by the same rule as every other door
(``patients.access.access_patient``): the organization's patients, for a role that may read
clinical records (``clinical.view``). A role that may not is refused (403) before any patient is
looked up; another organization's patient, or none, is a 404, so a refusal never tells that a
patient exists. Reads are noted for the audit trail (kitclinic.audit.reads).

Fetching a FHIR bulk export: another organization's export (or a cancelled one, whose files are
gone) is a 404 as a missing one; a role that may not export is a 403. A download of one of its
files is recorded in the audit trail as a read."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import read_note
from kitclinic.audit.services import audit_record
from kitclinic.interop.models import BulkExport, BulkExportFile, BulkExportStatus
from kitclinic.interop.services.bulk import export_file_path
from kitclinic.patients.models import Patient


def fhir_patient_scope(actor: Actor) -> QuerySet[Patient]:
    """The patients the actor may read through FHIR; PermissionDenied for a role that may not
    read clinical records."""
    actor.require(Action.CLINICAL_VIEW)
    return Patient.objects.filter(organization_id=actor.organization_id)


def access_fhir_patient(actor: Actor, patient_pk: int, *, detail: str) -> Patient:
    """The patient ``patient_pk`` in the actor's FHIR scope (404 otherwise), its read noted."""
    try:
        patient = fhir_patient_scope(actor).get(pk=patient_pk)
    except Patient.DoesNotExist:
        raise Http404("No such Patient.") from None
    read_note(actor, patient.pk, patient, detail)
    return patient


def access_bulk_export(actor: Actor, key: uuid.UUID | str) -> BulkExport:
    export = (
        BulkExport.objects.filter(key=str(key), organization_id=actor.organization_id)
        .exclude(status=BulkExportStatus.CANCELLED)
        .first()
    )
    if export is None:
        raise Http404("No such export.")
    actor.require(Action.FHIR_BULK_EXPORT)
    return export


def access_bulk_file(
    actor: Actor, key: uuid.UUID | str, resource_type: str
) -> tuple[BulkExportFile, Path]:
    """A completed export's file of ``resource_type`` and where it is, its download audited
    (who, which export, which type, how many resources)."""
    export = access_bulk_export(actor, key)
    found = export.files.filter(resource_type=resource_type).first()
    path = export_file_path(export, resource_type)
    if export.status != BulkExportStatus.COMPLETED or found is None or not path.is_file():
        raise Http404("No such file in this export.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=export,
            changes={"resource_type": resource_type, "count": found.count},
            detail=f"FHIR bulk export file downloaded: {resource_type}.ndjson",
        )
    return found, path
