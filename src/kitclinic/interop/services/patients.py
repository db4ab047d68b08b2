"""Importing a Patient: matched by its MRN identifier, registered or updated through the
patients services (the duplicate-person rule included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.services import changes_between, snapshot
from kitclinic.interop.codes import is_mrn_system
from kitclinic.interop.models import ImportedResource
from kitclinic.interop.reading import (
    Entry,
    ImportRefused,
    address_of,
    mrn_of,
    name_of,
    sex_at_birth_of,
    tagged_synthetic,
    telecom_of,
)
from kitclinic.interop.services.common import (
    PATIENT_PATHS,
    ImportSummary,
    refused_by_service,
)
from kitclinic.patients.models import Patient
from kitclinic.patients.services import (
    DEMOGRAPHIC_FIELDS,
    Demographics,
    patient_register,
    patient_update_demographics,
)

# --- Patient ------------------------------------------------------------------------------------


def demographics(
    entry: Entry, existing: Patient | None, mrn: str, kitclinic_export: bool
) -> Demographics:
    resource = entry.resource
    birth = resource.get("birthDate")
    try:
        date_of_birth = dt.date.fromisoformat(str(birth))
    except ValueError:
        raise ImportRefused(
            entry.index, "Patient.birthDate", "a patient needs a full date of birth (YYYY-MM-DD)."
        ) from None
    family, given = name_of(entry)
    base = (
        Demographics(**{n: getattr(existing, n) for n in DEMOGRAPHIC_FIELDS})
        if existing
        else Demographics(
            mrn="", family_name="", given_name="", date_of_birth=date_of_birth, sex_at_birth=""
        )
    )
    # What the resource does not carry (an emergency contact) stays as recorded.
    optional = {
        "phone": telecom_of(resource, "phone"),
        "email": telecom_of(resource, "email"),
        "address": address_of(resource),
    }
    return replace(
        base,
        mrn=existing.mrn if existing else mrn,
        family_name=family,
        given_name=given,
        date_of_birth=date_of_birth,
        sex_at_birth=sex_at_birth_of(resource, kitclinic_export),
        **{k: v for k, v in optional.items() if v is not None},
    )


def import_patient(actor: Actor, entry: Entry, summary: ImportSummary) -> Patient:
    mrn = mrn_of(entry, actor.clinic.organization.slug)
    existing = Patient.objects.filter(
        organization_id=actor.organization_id, mrn__iexact=mrn
    ).first()
    kitclinic_export = any(
        is_mrn_system(i.get("system")) for i in entry.resource.get("identifier") or []
    )
    data = demographics(entry, existing, mrn, kitclinic_export)
    try:
        if existing is None:
            patient = patient_register(
                actor=actor, data=data, is_synthetic=tagged_synthetic(entry.resource)
            )
            summary.created["Patient"] += 1
        else:
            before = snapshot(existing, DEMOGRAPHIC_FIELDS)
            patient = patient_update_demographics(actor=actor, patient=existing, data=data)
            if changes_between(before, snapshot(patient, DEMOGRAPHIC_FIELDS)):
                summary.updated["Patient"] += 1
    except ValidationError as exc:
        raise refused_by_service(entry, exc, PATIENT_PATHS, "Patient") from None
    ImportedResource.objects.update_or_create(
        organization_id=actor.organization_id,
        resource_type="Patient",
        key=f"mrn:{patient.mrn}",
        defaults={
            "source_reference": entry.local_reference,
            "patient": patient,
            "record_type": "patients.Patient",
            "record_id": patient.pk,
            "imported_at": timezone.now(),
        },
    )
    return patient
