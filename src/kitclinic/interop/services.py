"""A FHIR import: every resource of the file goes through the service that records its kind
(patient registration and demographics, diagnoses, treatment trials, laboratory results), so
each of their rules holds at this door too. One transaction: a refused resource writes nothing.

A patient is matched by MRN (the identifier typed MR, else the first one): a new MRN is
registered, a known one has its demographics updated. The duplicate-person rule is never
confirmed by an import: a new MRN that looks like a patient already registered refuses the whole
file, naming both, for a person to decide (give the file that patient's MRN, or register by hand).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.interop.codes import (
    ICD10CM,
    IMPORTED_OBSERVATION_CODES,
    KNOWN_SYSTEMS,
    LOCAL_BASE,
    LOCAL_EXTENSION,
    LOCAL_INSTRUMENT,
    LOCAL_TREATMENT_CLASS,
    LOCAL_TRIAL_OUTCOME,
    LOINC,
)
from kitclinic.interop.models import ImportedResource, ReceivedObservation
from kitclinic.interop.reading import (
    SUPPORTED_TYPES,
    Entry,
    ImportRefused,
    address_of,
    answer_text_of,
    code_in,
    codings_of,
    effective_at_of,
    mrn_of,
    name_of,
    quantity_of,
    resource_key,
    sex_at_birth_of,
    tagged_synthetic,
    telecom_of,
    validate_schema,
)
from kitclinic.outcomes.labs import ANALYTE_CODES
from kitclinic.outcomes.services import lab_result_record
from kitclinic.patients.models import Patient
from kitclinic.patients.services import (
    DEMOGRAPHIC_FIELDS,
    Demographics,
    diagnosis_add,
    patient_register,
    patient_update_demographics,
    trial_add,
)

LAB_BY_LOINC = {code.loinc_code: code for code in ANALYTE_CODES.values()}

PATIENT_PATHS = {
    "mrn": "Patient.identifier",
    "family_name": "Patient.name.family",
    "given_name": "Patient.name.given",
    "date_of_birth": "Patient.birthDate",
    "sex_at_birth": "Patient.gender",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
    "address": "Patient.address",
    "confirm_not_duplicate": "Patient",
}


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "skipped": self.skipped,
        }


def _refused_by_service(
    entry: Entry, exc: ValidationError, paths: dict[str, str], default: str
) -> ImportRefused:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return ImportRefused(entry.index, paths.get(name, default), " ".join(messages))
    return ImportRefused(entry.index, default, " ".join(exc.messages))


# --- Patient ------------------------------------------------------------------------------------


def _demographics(
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


def _import_patient(actor: Actor, entry: Entry, summary: ImportSummary) -> Patient:
    mrn = mrn_of(entry, actor.clinic.organization.slug)
    existing = Patient.objects.filter(
        organization_id=actor.organization_id, mrn__iexact=mrn
    ).first()
    kitclinic_export = any(
        str(i.get("system") or "").startswith(f"{LOCAL_BASE}:organization:")
        and str(i.get("system")).endswith(":mrn")
        for i in entry.resource.get("identifier") or []
    )
    data = _demographics(entry, existing, mrn, kitclinic_export)
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
        raise _refused_by_service(entry, exc, PATIENT_PATHS, "Patient") from None
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


# --- Other resources ------------------------------------------------------------------------------


def _patient_of(actor: Actor, entry: Entry, element: str, patients: dict[str, Patient]) -> Patient:
    path = f"{entry.resource_type}.{element}.reference"
    reference = str((entry.resource.get(element) or {}).get("reference") or "")
    if not reference:
        raise ImportRefused(entry.index, path, "the patient must be referenced.")
    if reference in patients:
        return patients[reference]
    earlier = (
        ImportedResource.objects.filter(
            organization_id=actor.organization_id,
            resource_type="Patient",
            source_reference=reference,
        )
        .select_related("patient")
        .first()
    )
    if earlier is None:
        raise ImportRefused(
            entry.index,
            path,
            f"{reference!r} does not resolve: no patient of this file or of an earlier import.",
        )
    return earlier.patient


def _unknown_system(entry: Entry, codings: list[dict[str, Any]]) -> ImportRefused:
    path = f"{entry.resource_type}.code.coding"
    systems = [str(c.get("system")) for c in codings]
    unknown = next((i for i, c in enumerate(codings) if c.get("system") not in KNOWN_SYSTEMS), None)
    if unknown is not None:
        path += f"[{unknown}].system"
    return ImportRefused(
        entry.index,
        path,
        f"unknown code system ({', '.join(systems) or 'no coding'}); "
        f"allowed: {', '.join(sorted(KNOWN_SYSTEMS))}.",
    )


def _import_condition(actor: Actor, entry: Entry, patient: Patient) -> tuple[str, int] | str:
    codings = codings_of(entry)
    for i, coding in enumerate(codings):
        if coding.get("system") == ICD10CM and coding.get("code"):
            text = (entry.resource.get("code") or {}).get("text") or coding.get("display") or ""
            try:
                diagnosis = diagnosis_add(
                    actor=actor,
                    patient=patient,
                    icd10_code=str(coding["code"]),
                    description=str(text or f"ICD-10-CM {coding['code']}")[:200],
                    is_primary=any(
                        e.get("url") == f"{LOCAL_EXTENSION}:primary-diagnosis"
                        and e.get("valueBoolean") is True
                        for e in entry.resource.get("extension") or []
                    ),
                )
            except ValidationError as exc:
                raise _refused_by_service(
                    entry,
                    exc,
                    {"icd10_code": f"Condition.code.coding[{i}].code"},
                    "Condition.code",
                ) from None
            return "patients.Diagnosis", diagnosis.pk
    if codings and all(c.get("system") in KNOWN_SYSTEMS for c in codings):
        return "kitclinic records diagnoses in ICD-10-CM and this condition has no ICD-10-CM code."
    raise _unknown_system(entry, codings)


@transaction.atomic
def received_observation_record(
    *,
    actor: Actor,
    patient: Patient,
    loinc_code: str,
    display: str,
    effective_at: dt.datetime,
    value: Decimal | None = None,
    unit: str = "",
    value_text: str = "",
    components: list[dict[str, Any]] | None = None,
) -> ReceivedObservation:
    """Keep one observation received from another system (a vital sign, a rating's total or
    item) as it came."""
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": ["The patient is not of your organization."]})
    row = ReceivedObservation(
        patient=patient,
        clinic=actor.clinic,
        loinc_code=loinc_code,
        display=display[:120],
        value=value,
        unit=unit,
        value_text=value_text,
        components=components or [],
        effective_at=effective_at,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        patient=patient,
        changes=changes_between({}, snapshot(row, ("loinc_code", "value", "unit", "value_text"))),
    )
    return row


def _import_observation(actor: Actor, entry: Entry, patient: Patient) -> tuple[str, int] | str:
    codings = codings_of(entry)
    loinc = [str(c.get("code")) for c in codings if c.get("system") == LOINC]
    lab = next((LAB_BY_LOINC[c] for c in loinc if c in LAB_BY_LOINC), None)
    mapped = next((c for c in loinc if c in IMPORTED_OBSERVATION_CODES), None)
    if lab is None and mapped is None:
        if any(c.get("system") == LOCAL_INSTRUMENT for c in codings):
            return (
                "a rating scale total without a LOINC code: an assessment is scored from all "
                "its items, so a total alone is not recorded."
            )
        if any(c.get("system") not in KNOWN_SYSTEMS for c in codings) or not codings:
            raise _unknown_system(entry, codings)
        raise ImportRefused(
            entry.index,
            "Observation.code",
            f"no code kitclinic maps ({', '.join(loinc) or 'no LOINC code'}); allowed LOINC: "
            f"{', '.join([*IMPORTED_OBSERVATION_CODES, *LAB_BY_LOINC])}.",
        )
    effective_at = effective_at_of(entry)
    try:
        value, unit = quantity_of(entry.resource.get("valueQuantity"))
        if value is None and entry.resource.get("valueInteger") is not None:
            value = Decimal(int(entry.resource["valueInteger"]))
    except (InvalidOperation, ValueError):
        raise ImportRefused(entry.index, "Observation.value[x]", "not a number.") from None
    if lab is not None:
        try:
            result = lab_result_record(
                actor=actor,
                patient=patient,
                analyte=lab.analyte.value,
                value=value if value is not None else "",
                unit=unit,
                collected_at=effective_at,
            )
        except ValidationError as exc:
            raise _refused_by_service(
                entry,
                exc,
                {
                    "value": "Observation.valueQuantity.value",
                    "unit": "Observation.valueQuantity.unit",
                },
                "Observation",
            ) from None
        return "outcomes.LabResult", result.pk
    assert mapped is not None
    components = []
    for comp in entry.resource.get("component") or []:
        first = ((comp.get("code") or {}).get("coding") or [{}])[0]
        c_value, c_unit = quantity_of(comp.get("valueQuantity"))
        components.append(
            {
                "code": str(first.get("code") or ""),
                "display": str(first.get("display") or ""),
                "value": str(c_value) if c_value is not None else None,
                "unit": c_unit,
                "text": answer_text_of(comp),
            }
        )
    try:
        row = received_observation_record(
            actor=actor,
            patient=patient,
            loinc_code=mapped,
            display=IMPORTED_OBSERVATION_CODES[mapped],
            effective_at=effective_at,
            value=value,
            unit=unit[:20],
            value_text=answer_text_of(entry.resource),
            components=components,
        )
    except ValidationError as exc:
        raise _refused_by_service(entry, exc, {}, "Observation.value[x]") from None
    return "interop.ReceivedObservation", row.pk


def _import_medication_statement(
    actor: Actor, entry: Entry, patient: Patient
) -> tuple[str, int] | str:
    """A prior treatment trial as kitclinic's export writes it (docs/fhir.md, Extensions): the
    class as the category, outcome, adequacy, duration and episode as extensions."""
    r = entry.resource
    ext = {
        str(e.get("url")).removeprefix(f"{LOCAL_EXTENSION}:"): e for e in r.get("extension") or []
    }
    treatment_class = code_in((r.get("category") or {}), LOCAL_TREATMENT_CLASS)
    outcome = code_in(
        {"coding": [(ext.get("trial-outcome") or {}).get("valueCoding") or {}]}, LOCAL_TRIAL_OUTCOME
    )
    adequate = (ext.get("trial-adequate") or {}).get("valueBoolean")
    if not treatment_class or not outcome or adequate is None:
        return (
            "a treatment trial needs its class, adequacy and outcome (the clinician's judgement, "
            "not guessed), which this statement does not carry."
        )
    concept = r.get("medicationCodeableConcept") or {}
    name = concept.get("text") or ((concept.get("coding") or [{}])[0]).get("display") or ""
    weeks = ((ext.get("trial-duration") or {}).get("valueQuantity") or {}).get("value")
    dose = ((r.get("dosage") or [{}])[0]).get("text") or ""
    notes = " ".join(str(n.get("text") or "") for n in r.get("note") or []).strip()
    path = "MedicationStatement.extension"
    try:
        item = trial_add(
            actor=actor,
            patient=patient,
            treatment_name=str(name),
            treatment_class=treatment_class,
            adequate=bool(adequate),
            outcome=outcome,
            dose_text=str(dose),
            weeks=int(weeks) if weeks is not None else None,
            current_episode=bool(
                (ext.get("trial-current-episode") or {}).get("valueBoolean", True)
            ),
            notes=notes,
        )
    except ValidationError as exc:
        raise _refused_by_service(
            entry,
            exc,
            {
                "treatment_name": "MedicationStatement.medicationCodeableConcept",
                "treatment_class": "MedicationStatement.category",
                "outcome": f"{path}.trial-outcome",
                "weeks": f"{path}.trial-duration",
                "dose_text": "MedicationStatement.dosage.text",
                "notes": "MedicationStatement.note",
            },
            "MedicationStatement",
        ) from None
    return "patients.TreatmentTrial", item.pk


SUBJECT = {"Condition": "subject", "Observation": "subject", "MedicationStatement": "subject"}
IMPORTERS = {
    "Condition": _import_condition,
    "Observation": _import_observation,
    "MedicationStatement": _import_medication_statement,
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
            patient = _import_patient(actor, entry, summary)
            for ref in (entry.local_reference, entry.full_url):
                if ref:
                    patients[ref] = patient
    for entry in entries:
        rt = entry.resource_type
        if rt == "Patient":
            continue
        if rt not in IMPORTERS:
            reason = (
                "kitclinic keeps no allergy list: allergies go in the contraindication screen."
                if rt == "AllergyIntolerance"
                else f"kitclinic does not import {rt} resources."
            )
            summary.skipped.append({"entry": entry.index, "resourceType": rt, "reason": reason})
            continue
        key = resource_key(entry)
        # Resolved first: a reference that does not resolve refuses the file even when the
        # resource came in before.
        patient = _patient_of(actor, entry, SUBJECT[rt], patients)
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
