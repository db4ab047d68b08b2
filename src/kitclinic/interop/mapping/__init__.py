"""kitclinic's records as FHIR R4 resources (the export mapping; docs/fhir.md has the table).

Pure: every function takes plain values (ids, codes, numbers, aware datetimes) and returns a
``fhir.resources.R4B`` resource, built with ``model_validate`` so that a resource that breaks the
FHIR schema fails here, at the export, not at the receiver. No Django: ``export.py`` reads the
records and calls these. References are relative (``Patient/p-12``); the export writes every
resource they name. One module per kind of record: ``people``, ``observations``, ``care``;
``common`` holds what they share."""

from kitclinic.interop.mapping.care import (
    ADVERSE_EVENT_SEVERITY,
    AUTHOR_SIGNATURE,
    adverse_event,
    consent,
    encounter,
    medication_administration,
    signature_provenance,
)
from kitclinic.interop.mapping.common import (
    ENCOUNTER_STATUS,
    GENDER,
    NON_DRUG_TREATMENTS,
    fhir_coding,
    fhir_extension,
    fhir_meta,
    fhir_quantity,
    instant,
    ref,
    references,
    unresolved_references,
)
from kitclinic.interop.mapping.observations import (
    ScoreCode,
    body_weight,
    lab_observation,
    questionnaire_response,
    score_observation,
    vital_observation,
    vital_signs,
)
from kitclinic.interop.mapping.people import (
    allergy_intolerance,
    condition,
    patient,
    practitioner,
    prior_trial,
)

__all__ = [
    "ADVERSE_EVENT_SEVERITY",
    "AUTHOR_SIGNATURE",
    "ENCOUNTER_STATUS",
    "GENDER",
    "NON_DRUG_TREATMENTS",
    "ScoreCode",
    "adverse_event",
    "allergy_intolerance",
    "body_weight",
    "condition",
    "consent",
    "encounter",
    "fhir_coding",
    "fhir_extension",
    "fhir_meta",
    "fhir_quantity",
    "instant",
    "lab_observation",
    "medication_administration",
    "patient",
    "practitioner",
    "prior_trial",
    "questionnaire_response",
    "ref",
    "references",
    "score_observation",
    "signature_provenance",
    "unresolved_references",
    "vital_observation",
    "vital_signs",
]
