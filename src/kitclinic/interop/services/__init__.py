"""A FHIR import: every resource of the file goes through the service that records its kind
(patient registration and demographics, diagnoses, treatment trials, laboratory results), so
each of their rules holds at this door too. One transaction: a refused resource writes nothing.

A patient is matched by MRN (the identifier typed MR, else the first one): a new MRN is
registered, a known one has its demographics updated. The duplicate-person rule is never
confirmed by an import: a new MRN that looks like a patient already registered refuses the whole
file, naming both, for a person to decide (give the file that patient's MRN, or register by hand).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.interop.models import ImportedResource
from kitclinic.interop.reading import (
    SUPPORTED_TYPES,
    Entry,
    resource_key,
    validate_schema,
)
from kitclinic.interop.services.common import (
    ImportSummary,
)
from kitclinic.interop.services.patients import (
    import_patient,
)
from kitclinic.interop.services.resources import (
    import_allergy_intolerance,
    import_condition,
    import_medication_statement,
    import_observation,
    patient_of,
)
from kitclinic.patients.models import Patient

SUBJECT = {
    "Condition": "subject",
    "Observation": "subject",
    "MedicationStatement": "subject",
    "AllergyIntolerance": "patient",
}
IMPORTERS = {
    "Condition": import_condition,
    "Observation": import_observation,
    "MedicationStatement": import_medication_statement,
    "AllergyIntolerance": import_allergy_intolerance,
}


@transaction.atomic
def fhir_import(*, actor: Actor, entries: list[Entry]) -> ImportSummary:
    """Import the file's resources as ``actor``: patients first (so that any resource may refer
    to any patient of the file), then the rest in file order. ImportRefused (or PermissionDenied
    from a service) undoes everything."""
    summary = ImportSummary()
    for entry in entries:
        if entry.resource_type in SUPPORTED_TYPES:
            validate_schema(entry)
    patients: dict[str, Patient] = {}
    for entry in entries:
        if entry.resource_type == "Patient":
            patient = import_patient(actor, entry, summary)
            for ref in (entry.local_reference, entry.full_url):
                if ref:
                    patients[ref] = patient
    for entry in entries:
        rt = entry.resource_type
        if rt == "Patient":
            continue
        if rt not in IMPORTERS:
            reason = f"kitclinic does not import {rt} resources."
            summary.skipped.append({"entry": entry.index, "resourceType": rt, "reason": reason})
            continue
        key = resource_key(entry)
        # Resolved first: a reference that does not resolve refuses the file even when the
        # resource came in before.
        patient = patient_of(actor, entry, SUBJECT[rt], patients)
        if ImportedResource.objects.filter(
            organization_id=actor.organization_id, resource_type=rt, key=key
        ).exists():
            continue
        outcome = IMPORTERS[rt](actor, entry, patient)
        if isinstance(outcome, str):
            summary.skipped.append({"entry": entry.index, "resourceType": rt, "reason": outcome})
            continue
        record_type, record_id = outcome
        ImportedResource.objects.create(
            organization_id=actor.organization_id,
            resource_type=rt,
            key=key,
            source_reference=entry.local_reference,
            patient=patient,
            record_type=record_type,
            record_id=record_id,
            imported_at=timezone.now(),
        )
        summary.created[rt] += 1
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="fhir.import",
        detail=(
            f"FHIR import of {len(entries)} resources: created {dict(summary.created)}, "
            f"updated {dict(summary.updated)}, skipped {len(summary.skipped)}."
        ),
    )
    return summary
