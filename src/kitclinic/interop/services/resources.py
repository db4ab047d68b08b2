"""Importing Conditions, Observations, MedicationStatements and AllergyIntolerances of patients
in the file or already imported."""

from __future__ import annotations

import datetime as dt
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
    ALLERGY_CLINICAL,
    ALLERGY_VERIFICATION,
    ICD10CM,
    IMPORTED_OBSERVATION_CODES,
    KNOWN_SYSTEMS,
    LOCAL_EXTENSION,
    LOCAL_INSTRUMENT,
    LOCAL_TREATMENT_CLASS,
    LOCAL_TRIAL_OUTCOME,
    LOINC,
)
from kitclinic.interop.models import ImportedResource, ReceivedObservation
from kitclinic.interop.reading import (
    Entry,
    ImportRefused,
    answer_text_of,
    code_in,
    codings_of,
    effective_at_of,
    quantity_of,
)
from kitclinic.interop.services.common import (
    LAB_BY_LOINC,
    refused_by_service,
)
from kitclinic.outcomes.services import lab_result_record
from kitclinic.patients.models import Patient
from kitclinic.patients.services import (
    allergy_add,
    diagnosis_add,
    trial_add,
)

# --- Other resources ------------------------------------------------------------------------------


def patient_of(actor: Actor, entry: Entry, element: str, patients: dict[str, Patient]) -> Patient:
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


def unknown_system(entry: Entry, codings: list[dict[str, Any]]) -> ImportRefused:
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


def import_condition(actor: Actor, entry: Entry, patient: Patient) -> tuple[str, int] | str:
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
                raise refused_by_service(
                    entry,
                    exc,
                    {"icd10_code": f"Condition.code.coding[{i}].code"},
                    "Condition.code",
                ) from None
            return "patients.Diagnosis", diagnosis.pk
    if codings and all(c.get("system") in KNOWN_SYSTEMS for c in codings):
        return "kitclinic records diagnoses in ICD-10-CM and this condition has no ICD-10-CM code."
    raise unknown_system(entry, codings)


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


def import_observation(actor: Actor, entry: Entry, patient: Patient) -> tuple[str, int] | str:
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
            raise unknown_system(entry, codings)
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
            raise refused_by_service(
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
        raise refused_by_service(entry, exc, {}, "Observation.value[x]") from None
    return "interop.ReceivedObservation", row.pk


def import_medication_statement(
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
        raise refused_by_service(
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


ALLERGY_NOT_TRUE = ("refuted", "entered-in-error")


def import_allergy_intolerance(
    actor: Actor, entry: Entry, patient: Patient
) -> tuple[str, int] | str:
    """An allergy list entry: the substance (code text, else the first coding's display or
    code), category, criticality, clinical status and the reactions' manifestations. An entry
    the sender marks refuted or entered in error is not an allergy, and is skipped."""
    r = entry.resource
    verification = code_in(r.get("verificationStatus") or {}, ALLERGY_VERIFICATION)
    if verification in ALLERGY_NOT_TRUE:
        return f"the sender marks this allergy {verification}: not recorded as an allergy."
    concept = r.get("code") or {}
    codings = [c for c in concept.get("coding") or [] if c.get("code")]
    first = codings[0] if codings else {}
    substance = str(concept.get("text") or first.get("display") or first.get("code") or "")
    if not substance.strip():
        raise ImportRefused(
            entry.index, "AllergyIntolerance.code", "the substance must be named (text or coding)."
        )
    manifestations = [
        str(m.get("text") or ((m.get("coding") or [{}])[0]).get("display") or "")
        for reaction in r.get("reaction") or []
        for m in reaction.get("manifestation") or []
    ]
    categories = r.get("category") or []
    try:
        allergy = allergy_add(
            actor=actor,
            patient=patient,
            substance=substance[:120],
            category=str(categories[0]) if categories else "",
            criticality=str(r.get("criticality") or ""),
            reaction="; ".join(m for m in manifestations if m)[:200],
            code_system=str(first.get("system") or ""),
            code=str(first.get("code") or ""),
            status=code_in(r.get("clinicalStatus") or {}, ALLERGY_CLINICAL) or "active",
        )
    except ValidationError as exc:
        raise refused_by_service(
            entry,
            exc,
            {
                "substance": "AllergyIntolerance.code",
                "category": "AllergyIntolerance.category",
                "criticality": "AllergyIntolerance.criticality",
                "status": "AllergyIntolerance.clinicalStatus",
                "code_system": "AllergyIntolerance.code.coding.system",
                "code": "AllergyIntolerance.code.coding.code",
            },
            "AllergyIntolerance",
        ) from None
    return "patients.Allergy", allergy.pk
