"""The patient, the staff who sign, diagnoses (Condition), allergies (AllergyIntolerance) and
prior treatment trials (MedicationStatement, or Procedure for a treatment that is not a
medication)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.procedure import Procedure

from kitclinic.interop import codes as c
from kitclinic.interop.mapping.common import (
    GENDER,
    NON_DRUG_TREATMENTS,
    fhir_coding,
    fhir_extension,
    fhir_meta,
    fhir_quantity,
    instant,
    ref,
)


def patient(
    *,
    id: str,
    mrn: str,
    mrn_system: str,
    family: str,
    given: str,
    birth_date: dt.date,
    sex_at_birth: str,
    phone: str = "",
    email: str = "",
    synthetic: bool = False,
) -> Patient:
    telecom = []
    if phone:
        telecom.append({"system": "phone", "value": phone})
    if email:
        telecom.append({"system": "email", "value": email})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": id,
        **fhir_meta(synthetic),
        "identifier": [{"use": "usual", "system": mrn_system, "value": mrn}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": GENDER[sex_at_birth],
        "birthDate": birth_date.isoformat(),
    }
    if telecom:
        data["telecom"] = telecom
    return Patient.model_validate(data)


def practitioner(
    *, id: str, name: str, username: str, identifier_system: str, synthetic: bool = False
) -> Practitioner:
    """A member of staff named by a signature or a record (no more than the name and log-in)."""
    return Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": id,
            **fhir_meta(synthetic),
            "identifier": [{"system": identifier_system, "value": username}],
            "name": [{"text": name}],
        }
    )


def condition(
    *,
    id: str,
    patient_id: str,
    icd10_code: str,
    description: str,
    primary: bool,
    recorded_at: dt.datetime,
    synthetic: bool = False,
) -> Condition:
    category = "problem-list-item"
    return Condition.model_validate(
        {
            "resourceType": "Condition",
            "id": id,
            **fhir_meta(synthetic),
            "clinicalStatus": {"coding": [fhir_coding(c.CONDITION_CLINICAL, "active")]},
            "verificationStatus": {"coding": [fhir_coding(c.CONDITION_VERIFICATION, "confirmed")]},
            "category": [{"coding": [fhir_coding(c.CONDITION_CATEGORY, category)]}],
            "code": {
                "coding": [fhir_coding(c.ICD10CM, icd10_code, description)],
                "text": description,
            },
            "subject": ref("Patient", patient_id),
            "recordedDate": instant(recorded_at),
            **(
                {"extension": [fhir_extension("primary-diagnosis", valueBoolean=True)]}
                if primary
                else {}
            ),
        }
    )


def allergy_intolerance(
    *,
    id: str,
    patient_id: str,
    substance: str,
    category: str,
    criticality: str,
    reaction: str,
    code_system: str,
    code: str,
    status: str,
    recorded_at: dt.datetime,
    synthetic: bool = False,
) -> AllergyIntolerance:
    """An allergy list entry. kitclinic's ``entered-in-error`` status is FHIR's verification
    status of that name, which carries no clinical status; the others are clinical statuses of a
    confirmed entry. The substance's code goes out only as it came in (an import)."""
    concept: dict[str, Any] = {"text": substance}
    if code_system and code:
        concept["coding"] = [fhir_coding(code_system, code, substance)]
    data: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": id,
        **fhir_meta(synthetic),
        "code": concept,
        "patient": ref("Patient", patient_id),
        "recordedDate": instant(recorded_at),
    }
    if status == "entered-in-error":
        data["verificationStatus"] = {
            "coding": [fhir_coding(c.ALLERGY_VERIFICATION, "entered-in-error")]
        }
    else:
        data["clinicalStatus"] = {"coding": [fhir_coding(c.ALLERGY_CLINICAL, status)]}
        data["verificationStatus"] = {"coding": [fhir_coding(c.ALLERGY_VERIFICATION, "confirmed")]}
    if category:
        data["category"] = [category]
    if criticality:
        data["criticality"] = criticality
    if reaction:
        data["reaction"] = [{"manifestation": [{"text": reaction}]}]
    return AllergyIntolerance.model_validate(data)


def prior_trial(
    *,
    id: str,
    patient_id: str,
    treatment_name: str,
    treatment_class: str,
    treatment_class_label: str,
    dose_text: str,
    weeks: int | None,
    adequate: bool | None,
    outcome: str,
    outcome_label: str,
    current_episode: bool,
    notes: str,
    recorded_at: dt.datetime,
    synthetic: bool = False,
) -> MedicationStatement | Procedure:
    """A prior treatment trial: MedicationStatement for a drug, Procedure for ECT, TMS and
    psychotherapy. Duration, adequacy, outcome and episode are kitclinic extensions."""
    extensions = [
        fhir_extension(
            "trial-outcome", valueCoding=fhir_coding(c.LOCAL_TRIAL_OUTCOME, outcome, outcome_label)
        ),
        fhir_extension("trial-current-episode", valueBoolean=current_episode),
    ]
    if weeks is not None:
        extensions.append(
            fhir_extension("trial-duration", valueQuantity=fhir_quantity(weeks, "wk"))
        )
    if adequate is not None:
        extensions.append(fhir_extension("trial-adequate", valueBoolean=adequate))
    klass = {
        "coding": [fhir_coding(c.LOCAL_TREATMENT_CLASS, treatment_class, treatment_class_label)]
    }
    common: dict[str, Any] = {
        "id": id,
        **fhir_meta(synthetic),
        "extension": extensions,
        "subject": ref("Patient", patient_id),
    }
    if notes:
        common["note"] = [{"text": notes}]
    status = "active" if outcome == "ongoing" else "completed"
    if treatment_class in NON_DRUG_TREATMENTS:
        return Procedure.model_validate(
            {
                "resourceType": "Procedure",
                **common,
                "status": "in-progress" if status == "active" else "completed",
                "category": klass,
                "code": {"text": treatment_name},
            }
        )
    data: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        **common,
        "status": status,
        "category": klass,
        "medicationCodeableConcept": {"text": treatment_name},
        "dateAsserted": instant(recorded_at),
    }
    if dose_text:
        data["dosage"] = [{"text": dose_text}]
    return MedicationStatement.model_validate(data)
